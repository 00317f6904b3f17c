package org.ppruning.finetuner.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away CA, a server certificate for localhost/127.0.0.1 and a client certificate, all PEM
 * (keys PKCS#8), made with the {@code openssl} command; fails naming the command that failed.
 */
final class TestCertificates {
  private TestCertificates() {}

  static void generate(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
      Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
      run(
          dir,
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "ca.key",
          "-out",
          "ca.crt",
          "-days",
          "2",
          "-subj",
          "/CN=ppruning test CA");
      for (String who : List.of("server", "client")) {
        String cn = who.equals("server") ? "localhost" : "ppruning test client";
        run(
            dir,
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            who + ".key",
            "-out",
            who + ".csr",
            "-subj",
            "/CN=" + cn);
        run(
            dir,
            "x509",
            "-req",
            "-in",
            who + ".csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            who + ".crt",
            "-days",
            "2",
            "-extfile",
            who + ".ext");
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("test certificates in " + dir, e);
    }
  }

  private static void run(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run openssl (is it installed?): " + command, e);
    }
    try {
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IOException(command + " failed with exit " + p.exitValue() + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + command, e);
    }
  }
}
