package org.ppruning.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.Weights;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Classic float variables named exactly after their checkpoint names, each with an assign op fed
 * from a placeholder, so weights can be loaded into (and read back from) a session. Shared by the
 * inference and training graphs.
 */
public final class VariableSet {
  private final Map<String, Output<TFloat32>> vars = new LinkedHashMap<>();
  private final Map<String, Placeholder<TFloat32>> feeds = new LinkedHashMap<>();
  private final Map<String, Op> assigns = new LinkedHashMap<>();

  /** Creates one variable per entry of {@code shapes} in {@code g}. */
  public VariableSet(Graph g, Ops tf, Map<String, long[]> shapes) {
    Ops init = tf.withSubScope("weight_init");
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      Output<TFloat32> v = variable(g, tf, e.getKey(), e.getValue());
      var p = init.placeholder(TFloat32.class, Placeholder.shape(Shape.of(e.getValue())));
      vars.put(e.getKey(), v);
      feeds.put(e.getKey(), p);
      assigns.put(e.getKey(), init.assign(v, p));
    }
  }

  /**
   * A classic float variable named exactly {@code name}. Built with the raw op builder because
   * scoped names may not contain '/' and sub-scopes get uniquified.
   */
  static Output<TFloat32> variable(Graph g, Ops tf, String name, long[] shape) {
    return g.opBuilder("VariableV2", name, tf.scope())
        .setAttr("shape", Shape.of(shape))
        .setAttr("dtype", org.tensorflow.proto.DataType.DT_FLOAT)
        .build()
        .output(0);
  }

  public Output<TFloat32> get(String name) {
    Output<TFloat32> v = vars.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no variable '" + name + "'");
    }
    return v;
  }

  public Map<String, Output<TFloat32>> asMap() {
    return Collections.unmodifiableMap(vars);
  }

  /** Loads every variable named in {@code w} (all variables must be covered). */
  public void load(Session s, Weights w) {
    Session.Runner r = s.runner();
    List<Tensor> fed = new ArrayList<>();
    try {
      for (String name : vars.keySet()) {
        Tensor t = Tensors.of(w.get(name));
        fed.add(t);
        r.feed(feeds.get(name), t);
        r.addTarget(assigns.get(name));
      }
      r.run().close();
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** Reads every variable back. */
  public Weights read(Session s) {
    Session.Runner r = s.runner();
    List<String> names = new ArrayList<>(vars.keySet());
    names.forEach(n -> r.fetch(vars.get(n)));
    Weights w = new Weights();
    try (Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        w.put(names.get(i), Tensors.copy(res.get(i)));
      }
    }
    return w;
  }
}
