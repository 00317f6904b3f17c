// A plain onnxruntime program with none of ppruning's classes: proof that an exported file loads
// and runs as it is. Run with only the onnxruntime jar on the class path (Java 11+ source launch):
//
//   java -cp onnxruntime-1.20.0.jar Check.java model.onnx "101 7592 102" "101 2023 2003 102"
//
// Each argument after the file is one sentence as space-separated token ids. The sentences are
// right-padded with id 0 and attention mask 0 to the longest; token types are 0. It feeds every
// input by its name (input_ids, attention_mask, token_type_ids) in the element type the file
// declares (int32 or int64), then prints one line per input and per output:
//
//   input NAME TYPE [dims, -1 = dynamic]
//   output NAME [dims] v1 v2 ...        (every value, row-major, Float.toString: exact)
//
// OnnxExportRealTest runs it as a subprocess and compares the values with TensorFlow Java's.
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

public class Check {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java -cp onnxruntime.jar Check.java MODEL.onnx \"IDS\"...");
      System.exit(2);
    }
    int batch = args.length - 1;
    int[][] rows = new int[batch][];
    int seq = 0;
    for (int b = 0; b < batch; b++) {
      rows[b] = Arrays.stream(args[b + 1].trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
      seq = Math.max(seq, rows[b].length);
    }
    long[] ids = new long[batch * seq];
    long[] mask = new long[batch * seq];
    long[] types = new long[batch * seq];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < rows[b].length; t++) {
        ids[b * seq + t] = rows[b][t];
        mask[b * seq + t] = 1;
      }
    }
    Map<String, long[]> byName = Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(args[0], new OrtSession.SessionOptions())) {
      Map<String, OnnxTensor> feeds = new HashMap<>();
      long[] shape = {batch, seq};
      for (NodeInfo in : session.getInputInfo().values()) {
        TensorInfo info = (TensorInfo) in.getInfo();
        long[] values = byName.get(in.getName());
        if (values == null) {
          throw new IllegalArgumentException("unexpected input " + in.getName());
        }
        System.out.println("input " + in.getName() + " " + info.type + " " + Arrays.toString(info.getShape()));
        if (info.type == OnnxJavaType.INT64) {
          feeds.put(in.getName(), OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
        } else {
          int[] v = Arrays.stream(values).mapToInt(x -> (int) x).toArray();
          feeds.put(in.getName(), OnnxTensor.createTensor(env, IntBuffer.wrap(v), shape));
        }
      }
      try (OrtSession.Result result = session.run(feeds)) {
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
          OnnxTensor t = (OnnxTensor) e.getValue();
          FloatBuffer f = t.getFloatBuffer();
          StringBuilder line = new StringBuilder("output ").append(e.getKey()).append(' ');
          line.append(Arrays.toString(t.getInfo().getShape()).replace(" ", ""));
          while (f.hasRemaining()) {
            line.append(' ').append(f.get());
          }
          System.out.println(line);
        }
      }
      for (OnnxTensor t : feeds.values()) {
        t.close();
      }
    }
  }
}
