package org.ppruning.finetuner.serving;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.util.function.Function;
import org.ppruning.finetuner.FinetunerConfig;
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedVersion;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serve.TextBatch;
import org.ppruning.serve.TextInference;
import org.ppruning.serving.v1.Classification;
import org.ppruning.serving.v1.ClassifyRequest;
import org.ppruning.serving.v1.ClassifyResponse;
import org.ppruning.serving.v1.GenerateRequest;
import org.ppruning.serving.v1.GenerateResponse;
import org.ppruning.serving.v1.Inference;
import org.ppruning.serving.v1.LabelScore;
import org.ppruning.serving.v1.ListModelsRequest;
import org.ppruning.serving.v1.ListModelsResponse;
import org.ppruning.serving.v1.ScoreRequest;
import org.ppruning.serving.v1.ScoreResponse;
import org.ppruning.serving.v1.ServedModel;
import org.ppruning.serving.v1.TextInput;
import org.ppruning.serving.v1.TextScore;

/** {@code ppruning.v1.Inference}: text in, labels and scores out (see inference.proto). */
@GrpcService
public class InferenceGrpcService implements Inference {
  private final ServingRegistry registry;
  private final ServingGate gate;
  private final boolean exposePaths;

  InferenceGrpcService(ServingRegistry registry, ServingGate gate, FinetunerConfig config) {
    this.registry = registry;
    this.gate = gate;
    this.exposePaths = config.serving().exposePaths();
  }

  @Override
  @Blocking
  public Uni<ClassifyResponse> classify(ClassifyRequest request) {
    return answer(
        request.getModel(),
        request.getVersion(),
        v -> {
          TextBatch batch = new TextBatch("input", "a text_pair");
          for (TextInput in : request.getInputsList()) {
            batch.add(in.getText(), in.getTextPair().isEmpty() ? null : in.getTextPair());
          }
          ClassifyResponse.Builder r =
              ClassifyResponse.newBuilder().setModel(v.task()).setVersion(v.version());
          for (TextInference.Classification c :
              TextInference.classify(v, batch.texts(), batch.pairsOrNull(), gate.limits())) {
            Classification.Builder cb =
                Classification.newBuilder().setLabel(c.label()).setScore(c.score());
            for (int j = 0; j < c.labels().size(); j++) {
              cb.addScores(
                  LabelScore.newBuilder()
                      .setLabel(c.labels().get(j))
                      .setScore(c.scores()[j])
                      .setLogit(c.logits()[j]));
            }
            r.addResults(cb);
          }
          return r.build();
        });
  }

  @Override
  @Blocking
  public Uni<ScoreResponse> score(ScoreRequest request) {
    return answer(
        request.getModel(),
        request.getVersion(),
        v -> {
          ScoreResponse.Builder r =
              ScoreResponse.newBuilder().setModel(v.task()).setVersion(v.version());
          for (TextInference.TextScore s :
              TextInference.score(v, request.getTextsList(), gate.limits())) {
            TextScore.Builder b =
                TextScore.newBuilder()
                    .setLogProb(s.logProb())
                    .setTokens(s.tokens())
                    .setPerplexity(s.perplexity());
            for (float x : s.tokenLogProbs()) {
              b.addTokenLogProbs(x);
            }
            r.addScores(b);
          }
          return r.build();
        });
  }

  @Override
  @Blocking
  public Uni<GenerateResponse> generate(GenerateRequest request) {
    return answer(
        request.getModel(),
        request.getVersion(),
        v -> {
          TextInference.Generation g =
              TextInference.generate(
                  v, request.getPrompt(), request.getMaxNewTokens(), gate.limits());
          GenerateResponse.Builder r =
              GenerateResponse.newBuilder()
                  .setModel(v.task())
                  .setVersion(v.version())
                  .setText(g.text());
          for (int id : g.ids()) {
            r.addTokenIds(id);
          }
          return r.build();
        });
  }

  @Override
  @Blocking
  public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
    ListModelsResponse.Builder r = ListModelsResponse.newBuilder();
    for (String task : registry.served().tasks()) {
      try (Lease l = registry.acquire(task, null, null)) {
        ServedVersion v = l.version();
        ServedModel.Builder m =
            ServedModel.newBuilder()
                .setModel(task)
                .setVersion(v.version())
                .setArchitecture(v.spec().architecture().name().toLowerCase())
                .setMaxLength(v.maxLength())
                .setPrecision(v.precision().id());
        if (exposePaths) {
          m.setPath(v.dir().toString());
        }
        if (v.spec().head() != null) {
          m.addAllLabels(v.spec().head().labels());
        }
        r.addModels(m);
      } catch (RuntimeException e) {
        // retired between tasks() and acquire(): not served any more, not listed
      }
    }
    return Uni.createFrom().item(r.build());
  }

  private <T> Uni<T> answer(String model, long version, Function<ServedVersion, T> body) {
    try {
      if (model.isEmpty()) {
        throw GrpcErrors.invalid("model is empty; served models: " + registry.served().tasks());
      }
      ServingLimits.checkModelName("model", model);
      if (version < 0) {
        throw GrpcErrors.invalid("version must be >= 0 (0: the served one), got " + version);
      }
      return Uni.createFrom()
          .item(
              gate.run(
                  () -> {
                    try (Lease lease =
                        registry.acquire(model, version == 0 ? null : version, null)) {
                      return body.apply(lease.version());
                    }
                  }));
    } catch (RuntimeException e) {
      return Uni.createFrom().failure(GrpcErrors.status(e));
    }
  }
}
