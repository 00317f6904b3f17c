package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-time checks of the TLS and token keys, without a server. */
class ServingSecurityConfigTest {
  @TempDir Path dir;

  @Test
  void tokenFromTheKeyOrTheFileTrailingNewlineIgnored() throws Exception {
    assertEquals(Optional.of("abc"), BearerToken.expected(Optional.of("abc"), Optional.empty()));
    Path file = Files.writeString(dir.resolve("token"), "from-secret\n");
    assertEquals(
        Optional.of("from-secret"), BearerToken.expected(Optional.empty(), Optional.of(file)));
    assertEquals(Optional.empty(), BearerToken.expected(Optional.empty(), Optional.empty()));
  }

  @Test
  void tokenRefusals() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "t");
    IllegalStateException both =
        assertThrows(
            IllegalStateException.class,
            () -> BearerToken.expected(Optional.of("t"), Optional.of(file)));
    assertTrue(both.getMessage().contains("both set"), both.getMessage());
    Path blank = Files.writeString(dir.resolve("blank"), " \n");
    IllegalStateException empty =
        assertThrows(
            IllegalStateException.class,
            () -> BearerToken.expected(Optional.empty(), Optional.of(blank)));
    assertTrue(empty.getMessage().contains("token-file " + blank), empty.getMessage());
    UncheckedIOException missing =
        assertThrows(
            UncheckedIOException.class,
            () -> BearerToken.expected(Optional.empty(), Optional.of(dir.resolve("none"))));
    assertTrue(missing.getMessage().contains(dir.resolve("none").toString()), missing.getMessage());
  }

  @Test
  void tlsHalfConfigurationsAreRefusedNamingTheKeys() throws Exception {
    Path pem = Files.writeString(dir.resolve("x.pem"), "-----BEGIN CERTIFICATE-----\n");
    IllegalStateException certOnly =
        assertThrows(
            IllegalStateException.class,
            () -> ServingTls.check(Optional.of(pem), Optional.empty(), Optional.empty()));
    assertTrue(
        certOnly.getMessage().contains("only " + ServingTls.CERT + " set"), certOnly.getMessage());
    IllegalStateException caOnly =
        assertThrows(
            IllegalStateException.class,
            () -> ServingTls.check(Optional.empty(), Optional.empty(), Optional.of(pem)));
    assertTrue(caOnly.getMessage().startsWith(ServingTls.CLIENT_CA), caOnly.getMessage());
    IllegalStateException unreadable =
        assertThrows(
            IllegalStateException.class,
            () ->
                ServingTls.check(
                    Optional.of(pem), Optional.of(dir.resolve("missing.key")), Optional.empty()));
    assertTrue(
        unreadable.getMessage().contains(ServingTls.KEY + ": no readable file"),
        unreadable.getMessage());
    assertEquals(
        Optional.of(pem), ServingTls.check(Optional.of(pem), Optional.of(pem), Optional.of(pem)));
    assertFalse(ServingTls.check(Optional.empty(), Optional.empty(), Optional.empty()).isPresent());
  }
}
