package org.ppruning.finetuner.serving;

import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;

/**
 * TensorFlow Serving's REST API on the HTTP server ({@code /v1/models/...}, docs/serving.md): model
 * status, metadata, Predict (row and columnar formats) and Classify, with the gRPC services'
 * limits, gate and checks ({@link ServingCalls}). Access (TLS, token, body size) is {@link
 * RestAccess}'.
 */
@Path("/v1")
public class RestApi {
  private final ServingCalls calls;
  private final ServingRegistry registry;

  RestApi(ServingCalls calls, ServingRegistry registry) {
    this.calls = calls;
    this.registry = registry;
  }

  /** Status ({@code models/NAME[/versions/N|/labels/L]}) and metadata ({@code .../metadata}). */
  @GET
  @Path("{path: .*}")
  public Response get(@Encoded @PathParam("path") String path) {
    return respond(
        () -> {
          RestPath p = RestPath.parse("GET", path);
          if (p.verb().equals("metadata")) {
            return JsonAnswers.metadata(calls.signatures(p.target(null)));
          }
          return JsonAnswers.status(registry.served().status(p.name(), p.version(), p.label()));
        });
  }

  /** {@code models/NAME[/versions/N|/labels/L]:predict} and {@code :classify}. */
  @POST
  @Path("{path: .*}")
  public Response post(@Encoded @PathParam("path") String path, byte[] body) {
    return respond(
        () -> {
          RestPath p = RestPath.parse("POST", path);
          if (p.verb().equals("classify")) {
            ClassifyJson.Request r = ClassifyJson.read(body, calls.limits());
            return JsonAnswers.classify(calls.classify(p.target(r.signature()), r::texts).value());
          }
          PredictJson.Request r = PredictJson.read(body, calls.limits());
          return JsonAnswers.predict(
              r.rows(), calls.predict(p.target(r.signature()), r.inputs()).value());
        });
  }

  private static Response respond(Supplier<byte[]> call) {
    try {
      return RestErrors.json(200, call.get());
    } catch (RuntimeException e) {
      return RestErrors.response(e);
    }
  }
}
