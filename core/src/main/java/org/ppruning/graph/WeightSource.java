package org.ppruning.graph;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** Where a graph builder takes a named weight from (variables for inference and training). */
@FunctionalInterface
public interface WeightSource {
  Operand<TFloat32> get(String name);
}
