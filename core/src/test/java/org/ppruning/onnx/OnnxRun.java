package org.ppruning.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.FloatTensor;

/** Test helper: an exported ONNX file in plain onnxruntime, every output by name. */
public final class OnnxRun implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  public OnnxRun(Path file) throws OrtException {
    session = env.createSession(file.toString(), new OrtSession.SessionOptions());
  }

  /** Every output of {@code file} on {@code b} (one session, opened and closed). */
  public static Map<String, FloatTensor> run(Path file, TokenBatch b) throws OrtException {
    try (OnnxRun r = new OnnxRun(file)) {
      return r.run(b);
    }
  }

  /** Every output on {@code b}, fed as the int32 inputs the export declares. */
  public Map<String, FloatTensor> run(TokenBatch b) throws OrtException {
    long[] shape = {b.size(), b.seqLen()};
    try (OnnxTensor ids = OnnxTensor.createTensor(env, IntBuffer.wrap(b.inputIds()), shape);
        OnnxTensor mask = OnnxTensor.createTensor(env, IntBuffer.wrap(b.attentionMask()), shape);
        OnnxTensor types = OnnxTensor.createTensor(env, IntBuffer.wrap(b.tokenTypeIds()), shape);
        OrtSession.Result r =
            session.run(
                Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
      Map<String, FloatTensor> out = new LinkedHashMap<>();
      for (var e : r) {
        OnnxTensor t = (OnnxTensor) e.getValue();
        var buf = t.getFloatBuffer();
        float[] data = new float[buf.remaining()];
        buf.get(data);
        out.put(e.getKey(), new FloatTensor(((TensorInfo) t.getInfo()).getShape(), data));
      }
      return out;
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
