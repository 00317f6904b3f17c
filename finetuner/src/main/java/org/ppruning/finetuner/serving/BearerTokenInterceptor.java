package org.ppruning.finetuner.serving;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.ppruning.finetuner.FinetunerConfig;

/**
 * With {@code ppruning.finetuner.serving.auth.token} (or {@code .token-file}) set, every gRPC call
 * except {@code grpc.health.v1.Health} (probes) must carry {@code authorization: Bearer <token>};
 * otherwise it ends UNAUTHENTICATED naming what was missing or wrong, never echoing a token. The
 * comparison is of SHA-256 digests with {@link MessageDigest#isEqual}: constant time, whatever the
 * lengths. Unset: calls pass unchanged. Runs before the other global interceptors.
 */
@GlobalInterceptor
@ApplicationScoped
@Priority(1000)
public class BearerTokenInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String TOKEN = "ppruning.finetuner.serving.auth.token";
  private static final String PREFIX = "Bearer ";

  private final byte[] expected;

  BearerTokenInterceptor(FinetunerConfig config) {
    FinetunerConfig.Auth auth = config.serving().auth();
    this.expected =
        expected(auth.token(), auth.tokenFile()).map(BearerTokenInterceptor::digest).orElse(null);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (expected == null
        || call.getMethodDescriptor().getFullMethodName().startsWith("grpc.health.v1.Health/")) {
      return next.startCall(call, headers);
    }
    String refusal = refusal(headers.get(AUTHORIZATION));
    if (refusal == null) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private String refusal(String header) {
    if (header == null) {
      return "missing 'authorization' metadata: expected 'Bearer <token>'";
    }
    if (!header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return "'authorization' metadata is not 'Bearer <token>'";
    }
    byte[] given = digest(header.substring(PREFIX.length()).strip());
    return MessageDigest.isEqual(expected, given) ? null : "wrong bearer token in 'authorization'";
  }

  /** The token from {@code auth.token} or {@code auth.token-file}; refuses both, or a blank one. */
  static Optional<String> expected(Optional<String> value, Optional<Path> tokenFile) {
    if (value.isPresent() && tokenFile.isPresent()) {
      throw new IllegalStateException(TOKEN + " and " + TOKEN + "-file are both set: set one");
    }
    Optional<String> token = value;
    if (tokenFile.isPresent()) {
      Path file = tokenFile.get();
      try {
        token = Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new UncheckedIOException(TOKEN + "-file: cannot read " + file.toAbsolutePath(), e);
      }
    }
    if (token.isPresent() && token.get().isBlank()) {
      throw new IllegalStateException(
          TOKEN + (tokenFile.isPresent() ? "-file " + tokenFile.get() : "") + " is blank");
    }
    return token;
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
