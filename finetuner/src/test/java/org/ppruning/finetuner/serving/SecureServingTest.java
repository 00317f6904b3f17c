package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ppruning.finetuner.grpc.PingGrpc;
import org.ppruning.finetuner.grpc.PingReply;
import org.ppruning.finetuner.grpc.PingRequest;
import org.ppruning.serving.v1.InferenceGrpc;
import org.ppruning.serving.v1.ListModelsRequest;

/**
 * The servers secured by {@code ppruning.finetuner.serving.tls.*} and {@code .auth.token}, with a
 * CA, server and client certificate made by openssl at test time: only a client that trusts the CA,
 * presents a client certificate and the token gets through; health stays open to TLS clients; HTTPS
 * serves the health check.
 */
@QuarkusTest
@TestProfile(SecureServingTest.Secured.class)
class SecureServingTest {
  static final String TOKEN = "s3cret-token-for-the-test";
  static final Path DIR = Path.of("target/secure-serving").toAbsolutePath();

  private final List<ManagedChannel> channels = new java.util.ArrayList<>();

  /** TLS, mTLS and a token on; the PEM files are generated before Quarkus starts. */
  public static class Secured implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      TestCertificates.generate(DIR);
      return Map.of(
          "ppruning.finetuner.serving.tls.cert", DIR.resolve("server.crt").toString(),
          "ppruning.finetuner.serving.tls.key", DIR.resolve("server.key").toString(),
          "ppruning.finetuner.serving.tls.client-ca", DIR.resolve("ca.crt").toString(),
          "ppruning.finetuner.serving.auth.token", TOKEN,
          // An empty repository of its own: a model loaded here would load DJL's tokenizer
          // library a second time in this JVM (another test's Quarkus loaded it), which fails.
          "ppruning.finetuner.serving.repository", emptyRepository());
    }
  }

  private static String emptyRepository() {
    try {
      return java.nio.file.Files.createTempDirectory(
              Path.of("target").toAbsolutePath(), "secure-serving-repo-")
          .toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientTrustingTheCaWithCertificateAndTokenIsServed() {
    ManagedChannel tls = tls(true);
    PingReply reply =
        PingGrpc.newBlockingStub(tls)
            .withInterceptors(bearer(TOKEN))
            .ping(PingRequest.newBuilder().setPayload("over tls").build());
    assertEquals("over tls", reply.getPayload());
    assertEquals("finetuner", reply.getService());
    // The serving API too (an empty repository in this profile: zero models, but a real answer).
    assertEquals(
        0,
        InferenceGrpc.newBlockingStub(tls)
            .withInterceptors(bearer(TOKEN))
            .listModels(ListModelsRequest.getDefaultInstance())
            .getModelsCount());
  }

  @Test
  void callsWithoutOrWithAWrongTokenAreUnauthenticated() {
    ManagedChannel tls = tls(true);
    StatusRuntimeException missing = refused(() -> PingGrpc.newBlockingStub(tls).ping(ping()));
    assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
    assertTrue(
        missing.getStatus().getDescription().contains("missing 'authorization'"),
        missing.getMessage());

    StatusRuntimeException wrong =
        refused(
            () ->
                PingGrpc.newBlockingStub(tls)
                    .withInterceptors(bearer("guess-" + TOKEN))
                    .ping(ping()));
    assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
    assertTrue(
        wrong.getStatus().getDescription().contains("wrong bearer token"), wrong.getMessage());
    assertFalse(
        wrong.getMessage().contains(TOKEN), "the refusal echoes the token: " + wrong.getMessage());

    StatusRuntimeException basic =
        refused(
            () ->
                InferenceGrpc.newBlockingStub(tls)
                    .withInterceptors(header("Basic dXNlcjpwdw=="))
                    .listModels(ListModelsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, basic.getStatus().getCode());
    assertTrue(
        basic.getStatus().getDescription().contains("not 'Bearer <token>'"), basic.getMessage());
  }

  @Test
  void healthNeedsNoToken() {
    HealthCheckResponse h =
        HealthGrpc.newBlockingStub(tls(true)).check(HealthCheckRequest.newBuilder().build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());
  }

  @Test
  void plaintextClientFails() {
    ManagedChannel plain =
        track(NettyChannelBuilder.forAddress("localhost", grpcPort()).usePlaintext().build());
    StatusRuntimeException e =
        refused(() -> PingGrpc.newBlockingStub(plain).withInterceptors(bearer(TOKEN)).ping(ping()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
  }

  @Test
  void clientWithoutCertificateIsRefused() {
    StatusRuntimeException e =
        refused(
            () ->
                PingGrpc.newBlockingStub(tls(false)).withInterceptors(bearer(TOKEN)).ping(ping()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
  }

  @Test
  void httpsServesHealthToAClientTrustingTheCa() throws Exception {
    int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(DIR.resolve("ca.crt"))).build();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/q/health/ready"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"UP\""), r.body());
    // A client that trusts only the JDK's CAs does not accept the server.
    HttpClient untrusting = HttpClient.newHttpClient();
    assertThrows(
        IOException.class,
        () ->
            untrusting.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/q/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void restApiNeedsHttpsAndTheToken() throws Exception {
    int https = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    String url = "https://localhost:" + https + "/v1/models/nosuch";
    String ca = DIR.resolve("ca.crt").toString();

    String missing = Curl.get(url, "--cacert", ca).error(401);
    assertTrue(missing.contains("missing 'authorization' header"), missing);
    String wrong =
        Curl.get(url, "--cacert", ca, "-H", "Authorization: Bearer guess-" + TOKEN).error(401);
    assertTrue(wrong.contains("wrong bearer token"), wrong);
    assertFalse(wrong.contains(TOKEN), wrong);
    // With the token the request gets through to the API: the model is unknown (empty repository).
    String through =
        Curl.get(url, "--cacert", ca, "-H", "Authorization: Bearer " + TOKEN).error(404);
    assertTrue(through.contains("'nosuch' is not served"), through);
    // Plain HTTP serves no REST API when TLS is configured, and names the HTTPS port.
    String plain =
        Curl.get(
                "http://localhost:" + http + "/v1/models/nosuch",
                "-H",
                "Authorization: Bearer " + TOKEN)
            .error(403);
    assertTrue(plain.contains("port " + https), plain);
  }

  private ManagedChannel tls(boolean withClientCertificate) {
    try {
      SslContextBuilder ssl =
          GrpcSslContexts.forClient().trustManager(DIR.resolve("ca.crt").toFile());
      if (withClientCertificate) {
        ssl.keyManager(DIR.resolve("client.crt").toFile(), DIR.resolve("client.key").toFile());
      }
      return track(
          NettyChannelBuilder.forAddress("localhost", grpcPort()).sslContext(ssl.build()).build());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ManagedChannel track(ManagedChannel c) {
    channels.add(c);
    return c;
  }

  private static int grpcPort() {
    return ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
  }

  private static PingRequest ping() {
    return PingRequest.newBuilder().setPayload("x").build();
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    return header("Bearer " + token);
  }

  private static io.grpc.ClientInterceptor header(String value) {
    Metadata m = new Metadata();
    m.put(BearerTokenInterceptor.AUTHORIZATION, value);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }

  private static StatusRuntimeException refused(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(StatusRuntimeException.class, call);
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
