package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.TextInference;
import org.ppruning.serve.VersionStatus;
import org.ppruning.serving.tf.Code;
import org.ppruning.serving.tfs.GetModelStatusResponse;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.ModelVersionStatus;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.ppruning.serving.tfs.StatusProto;

/**
 * The REST API's answers in TensorFlow Serving's JSON: Predict's {@code predictions} or {@code
 * outputs}, Classify's {@code result}, and the status and metadata calls as the protobuf JSON of
 * GetModelStatusResponse and GetModelMetadataResponse (proto field names, int64 as strings). Floats
 * are written as Java's shortest decimal that reads back as the same float.
 */
final class JsonAnswers {
  private static final JsonFormat.Printer PROTO =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();

  private JsonAnswers() {}

  /** Classify: per example, its [label, score] pairs. */
  static byte[] classify(List<TextInference.Classification> result) {
    return RestJson.write(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("result");
          for (TextInference.Classification c : result) {
            g.writeStartArray();
            for (int j = 0; j < c.labels().size(); j++) {
              g.writeStartArray();
              g.writeString(c.labels().get(j));
              g.writeNumber(c.scores()[j]);
              g.writeEndArray();
            }
            g.writeEndArray();
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  /** GetModelStatusResponse of the versions a status call asked for. */
  static byte[] status(List<VersionStatus> versions) {
    GetModelStatusResponse.Builder r = GetModelStatusResponse.newBuilder();
    for (VersionStatus v : versions) {
      StatusProto.Builder s = StatusProto.newBuilder().setErrorCode(Code.OK);
      if (v.error() != null) {
        s.setErrorCode(Code.UNKNOWN).setErrorMessage(v.error());
      }
      r.addModelVersionStatus(
          ModelVersionStatus.newBuilder()
              .setVersion(v.version())
              .setState(ModelVersionStatus.State.valueOf(v.state().name()))
              .setStatus(s));
    }
    return proto(r.build()).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * GetModelMetadataResponse as TensorFlow Serving's REST API writes it: {@code model_spec}, then
   * {@code metadata.signature_def} holding the SignatureDefMap (no {@code @type}).
   */
  static byte[] metadata(ServingCalls.Answer<SignatureDefMap> a) {
    ModelSpec spec =
        ModelSpec.newBuilder()
            .setName(a.task())
            .setVersion(com.google.protobuf.Int64Value.of(a.version()))
            .setSignatureName(TransformerModel.SERVING)
            .build();
    String json =
        "{\"model_spec\":"
            + proto(spec)
            + ",\"metadata\":{\"signature_def\":"
            + proto(a.value())
            + "}}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static String proto(Message m) {
    try {
      return PROTO.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getName(), e);
    }
  }

  /** The answer: {@code "predictions"} per instance, or {@code "outputs"} per output. */
  static byte[] predict(boolean rows, Map<String, FloatTensor> outputs) {
    return RestJson.write(
        g -> {
          g.writeStartObject();
          boolean one = outputs.size() == 1;
          if (rows) {
            g.writeArrayFieldStart("predictions");
            long batch = outputs.values().iterator().next().shape()[0];
            for (int i = 0; i < batch; i++) {
              if (!one) {
                g.writeStartObject();
              }
              for (var e : outputs.entrySet()) {
                long[] s = e.getValue().shape();
                if (!one) {
                  g.writeFieldName(e.getKey());
                }
                nested(g, e.getValue().data(), s, 1, (int) (i * stride(s, 1)));
              }
              if (!one) {
                g.writeEndObject();
              }
            }
            g.writeEndArray();
          } else {
            g.writeFieldName("outputs");
            if (!one) {
              g.writeStartObject();
            }
            for (var e : outputs.entrySet()) {
              if (!one) {
                g.writeFieldName(e.getKey());
              }
              nested(g, e.getValue().data(), e.getValue().shape(), 0, 0);
            }
            if (!one) {
              g.writeEndObject();
            }
          }
          g.writeEndObject();
        });
  }

  private static void nested(JsonGenerator g, float[] data, long[] shape, int dim, int offset)
      throws IOException {
    if (dim == shape.length) {
      g.writeNumber(data[offset]);
      return;
    }
    g.writeStartArray();
    long stride = stride(shape, dim + 1);
    for (int i = 0; i < shape[dim]; i++) {
      nested(g, data, shape, dim + 1, (int) (offset + i * stride));
    }
    g.writeEndArray();
  }

  private static long stride(long[] shape, int from) {
    long n = 1;
    for (int d = from; d < shape.length; d++) {
      n *= shape[d];
    }
    return n;
  }
}
