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

/** Test helper: runs an exported ONNX file through plain onnxruntime, every output by name. */
public final class OnnxRun {
  private OnnxRun() {}

  /** Every output of {@code file} on {@code b}, fed as the int32 inputs the export declares. */
  public static Map<String, FloatTensor> run(Path file, TokenBatch b) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {b.size(), b.seqLen()};
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor ids = OnnxTensor.createTensor(env, IntBuffer.wrap(b.inputIds()), shape);
        OnnxTensor mask = OnnxTensor.createTensor(env, IntBuffer.wrap(b.attentionMask()), shape);
        OnnxTensor types = OnnxTensor.createTensor(env, IntBuffer.wrap(b.tokenTypeIds()), shape);
        OrtSession.Result r =
            s.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
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
}
