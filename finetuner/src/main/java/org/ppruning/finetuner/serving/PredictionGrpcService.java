package org.ppruning.finetuner.serving;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedVersion;
import org.ppruning.serve.TensorInputs;
import org.ppruning.serve.TextInference;
import org.ppruning.serving.tf.DataType;
import org.ppruning.serving.tf.Example;
import org.ppruning.serving.tf.Feature;
import org.ppruning.serving.tf.SignatureDef;
import org.ppruning.serving.tf.TensorInfo;
import org.ppruning.serving.tf.TensorShapeProto;
import org.ppruning.serving.tfs.Class;
import org.ppruning.serving.tfs.ClassificationRequest;
import org.ppruning.serving.tfs.ClassificationResponse;
import org.ppruning.serving.tfs.ClassificationResult;
import org.ppruning.serving.tfs.Classifications;
import org.ppruning.serving.tfs.GetModelMetadataRequest;
import org.ppruning.serving.tfs.GetModelMetadataResponse;
import org.ppruning.serving.tfs.Input;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionService;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.tensorflow.Signature;

/**
 * {@code tensorflow.serving.PredictionService} (Predict, Classify, GetModelMetadata), wire-compatible
 * with TensorFlow Serving: a model name is a task id, a version must be the served one (or a label
 * {@code latest}/{@code stable}), the signature is {@code serving_default}. Classify reads UTF-8
 * text from the tf.Example bytes features {@code text} and {@code text_pair}.
 */
@GrpcService
public class PredictionGrpcService implements PredictionService {
    static final String TEXT = "text";
    static final String TEXT_PAIR = "text_pair";
    static final String PREDICT_METHOD = "tensorflow/serving/predict";

    private final ServingRegistry registry;

    PredictionGrpcService(ServingRegistry registry) {
        this.registry = registry;
    }

    @Override
    @Blocking
    public Uni<PredictResponse> predict(PredictRequest request) {
        return answer(request.getModelSpec(), lease -> {
            ServedVersion v = lease.version();
            Map<String, TensorInputs.IntTensor> inputs = new LinkedHashMap<>();
            request.getInputsMap().forEach((name, t) -> inputs.put(name, TensorProtos.ints(name, t)));
            var batch = TensorInputs.toBatch(v, inputs, v.maxLength());
            List<String> outputs = TensorInputs.outputs(v, request.getOutputFilterList());
            PredictResponse.Builder r = PredictResponse.newBuilder().setModelSpec(answered(v));
            for (Map.Entry<String, FloatTensor> e : v.model().serve(batch, outputs).entrySet()) {
                r.putOutputs(e.getKey(), TensorProtos.floats(e.getValue()));
            }
            return r.build();
        });
    }

    @Override
    @Blocking
    public Uni<ClassificationResponse> classify(ClassificationRequest request) {
        return answer(request.getModelSpec(), lease -> {
            ServedVersion v = lease.version();
            List<String> texts = new ArrayList<>();
            List<String> pairs = new ArrayList<>();
            readTexts(request.getInput(), texts, pairs);
            ClassificationResult.Builder result = ClassificationResult.newBuilder();
            for (TextInference.Classification c : TextInference.classify(v, texts,
                    pairs.isEmpty() ? null : pairs)) {
                Classifications.Builder cs = Classifications.newBuilder();
                for (int j = 0; j < c.labels().size(); j++) {
                    cs.addClasses(Class.newBuilder().setLabel(c.labels().get(j)).setScore(c.scores()[j]));
                }
                result.addClassifications(cs);
            }
            return ClassificationResponse.newBuilder().setModelSpec(answered(v)).setResult(result).build();
        });
    }

    @Override
    @Blocking
    public Uni<GetModelMetadataResponse> getModelMetadata(GetModelMetadataRequest request) {
        return answer(request.getModelSpec(), lease -> {
            if (request.getMetadataFieldCount() == 0) {
                throw GrpcErrors.invalid("metadata_field is empty; supported: [signature_def]");
            }
            for (String f : request.getMetadataFieldList()) {
                if (!f.equals("signature_def")) {
                    throw GrpcErrors.invalid("metadata_field '" + f + "' is not supported;"
                            + " supported: [signature_def]");
                }
            }
            ServedVersion v = lease.version();
            Signature s = v.model().servingSignature();
            SignatureDef.Builder def = SignatureDef.newBuilder().setMethodName(PREDICT_METHOD);
            s.getInputs().forEach((k, d) -> def.putInputs(k, info(d)));
            s.getOutputs().forEach((k, d) -> def.putOutputs(k, info(d)));
            SignatureDefMap map = SignatureDefMap.newBuilder()
                    .putSignatureDef(TransformerModel.SERVING, def.build()).build();
            return GetModelMetadataResponse.newBuilder().setModelSpec(answered(v))
                    .putMetadata("signature_def", Any.pack(map)).build();
        });
    }

    /** Leases the version a model spec names, runs {@code body}, maps every failure to a status. */
    private <T> Uni<T> answer(ModelSpec spec, Function<Lease, T> body) {
        try {
            if (spec.getName().isEmpty()) {
                throw GrpcErrors.invalid("model_spec.name is empty; served models: "
                        + registry.served().tasks());
            }
            String sig = spec.getSignatureName();
            if (!sig.isEmpty() && !sig.equals(TransformerModel.SERVING)) {
                throw GrpcErrors.invalid("model_spec.signature_name '" + sig + "' is not served;"
                        + " signatures: [" + TransformerModel.SERVING + "]");
            }
            Long version = spec.hasVersion() ? spec.getVersion().getValue() : null;
            String label = spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION_LABEL
                    ? spec.getVersionLabel() : null;
            try (Lease lease = registry.acquire(spec.getName(), version, label)) {
                return Uni.createFrom().item(body.apply(lease));
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(GrpcErrors.status(e));
        }
    }

    private static ModelSpec answered(ServedVersion v) {
        return ModelSpec.newBuilder().setName(v.task()).setVersion(Int64Value.of(v.version()))
                .setSignatureName(TransformerModel.SERVING).build();
    }

    private static TensorInfo info(Signature.TensorDescription d) {
        TensorInfo.Builder b = TensorInfo.newBuilder().setName(d.name)
                .setDtype(DataType.valueOf(d.dataType.name()));
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        if (d.shape.isUnknown()) {
            shape.setUnknownRank(true);
        } else {
            for (long dim : d.shape.asArray()) {
                shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim));
            }
        }
        return b.setTensorShape(shape).build();
    }

    /** Texts from tf.Examples: bytes feature "text" (one value) and optionally "text_pair". */
    private static void readTexts(Input input, List<String> texts, List<String> pairs) {
        List<Example> examples;
        Map<String, Feature> context;
        switch (input.getKindCase()) {
            case EXAMPLE_LIST -> {
                examples = input.getExampleList().getExamplesList();
                context = Map.of();
            }
            case EXAMPLE_LIST_WITH_CONTEXT -> {
                examples = input.getExampleListWithContext().getExamplesList();
                context = input.getExampleListWithContext().getContext().getFeatures().getFeatureMap();
            }
            default -> throw GrpcErrors.invalid("input has no examples; send input.example_list"
                    + " with tf.Examples holding a bytes feature '" + TEXT + "'");
        }
        if (examples.isEmpty()) {
            throw GrpcErrors.invalid("input has no examples; send at least one tf.Example");
        }
        for (int i = 0; i < examples.size(); i++) {
            Map<String, Feature> f = new LinkedHashMap<>(context);
            f.putAll(examples.get(i).getFeatures().getFeatureMap());
            String text = text(f, i, TEXT);
            if (text == null) {
                throw GrpcErrors.invalid("example " + i + " has no feature '" + TEXT
                        + "'; features: " + f.keySet());
            }
            texts.add(text);
            String pair = text(f, i, TEXT_PAIR);
            if (i > 0 && (pair != null) != !pairs.isEmpty()) {
                throw GrpcErrors.invalid("example " + i + (pair == null ? " lacks" : " has")
                        + " a '" + TEXT_PAIR + "' feature unlike example 0; all examples or none"
                        + " must have one");
            }
            if (pair != null) {
                pairs.add(pair);
            }
        }
    }

    private static String text(Map<String, Feature> features, int example, String name) {
        Feature f = features.get(name);
        if (f == null) {
            return null;
        }
        if (f.getKindCase() != Feature.KindCase.BYTES_LIST) {
            throw GrpcErrors.invalid("example " + example + " feature '" + name + "' is a "
                    + f.getKindCase() + "; expected a bytes_list with one UTF-8 text");
        }
        if (f.getBytesList().getValueCount() != 1) {
            throw GrpcErrors.invalid("example " + example + " feature '" + name + "' has "
                    + f.getBytesList().getValueCount() + " values; expected one text");
        }
        return utf8(f.getBytesList().getValue(0), example, name);
    }

    private static String utf8(ByteString bytes, int example, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw GrpcErrors.invalid("example " + example + " feature '" + name
                    + "' is not valid UTF-8");
        }
    }
}
