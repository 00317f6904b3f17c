package org.ppruning.finetuner.serving;

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
 * The bearer token of {@code ppruning.finetuner.serving.auth.token} (or {@code .token-file}),
 * checked by gRPC ({@link BearerTokenInterceptor}) and REST ({@link RestAccess}) alike. The
 * comparison is of SHA-256 digests with {@link MessageDigest#isEqual}: constant time, whatever the
 * lengths. A refusal names what was missing or wrong, never the token.
 */
@ApplicationScoped
public class BearerToken {
  static final String TOKEN = "ppruning.finetuner.serving.auth.token";
  private static final String PREFIX = "Bearer ";

  private final byte[] expected;

  BearerToken(FinetunerConfig config) {
    FinetunerConfig.Auth auth = config.serving().auth();
    this.expected = expected(auth.token(), auth.tokenFile()).map(BearerToken::digest).orElse(null);
  }

  /** Whether a token is configured (unset: every call passes). */
  boolean required() {
    return expected != null;
  }

  /**
   * Why an {@code authorization} value does not pass, or null if it does (or no token is set).
   *
   * @param where what carries it, for messages: {@code "metadata"} or {@code "header"}
   */
  String refusal(String header, String where) {
    if (expected == null) {
      return null;
    }
    if (header == null) {
      return "missing 'authorization' " + where + ": expected 'Bearer <token>'";
    }
    if (!header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return "'authorization' " + where + " is not 'Bearer <token>'";
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
