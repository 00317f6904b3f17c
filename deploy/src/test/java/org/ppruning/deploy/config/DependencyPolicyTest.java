package org.ppruning.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The other half of the dependency policy (docs/architecture.md, "Dependency policy"). The root
 * pom's enforcer rules are evaluated with each module's own properties, so a module that set its
 * own {@code protobuf.version} would move the allowed version with it and pass them (measured: core
 * with {@code protobuf.version} 3.21.9 passes {@code validate}). This test refuses exactly that: no
 * module sets a policy property or pins a policy library's version.
 */
class DependencyPolicyTest {
  static final Set<String> POLICY_PROPERTIES =
      Set.of("protobuf.version", "jackson.version", "junit.version", "kafka.clients.version");

  @Test
  void rootPomStatesOneProtobufOfAtLeast429() throws Exception {
    Element props = child(parse(ServiceFacts.root().resolve("pom.xml")), "properties");
    for (String p : POLICY_PROPERTIES) {
      assertFalse(text(props, p).isBlank(), "root pom.xml: no <" + p + ">");
    }
    String[] v = text(props, "protobuf.version").split("\\.");
    int major = Integer.parseInt(v[0]);
    int minor = Integer.parseInt(v[1]);
    assertTrue(
        major == 4 && minor >= 29,
        "root pom.xml: protobuf.version "
            + text(props, "protobuf.version")
            + " (TF Java needs 4.29+)");
  }

  @Test
  void noModuleOverridesAPolicyVersion() throws Exception {
    Path root = ServiceFacts.root();
    NodeList modules = parse(root.resolve("pom.xml")).getElementsByTagName("module");
    assertTrue(modules.getLength() >= 7, "root pom.xml lists " + modules.getLength() + " modules");
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < modules.getLength(); i++) {
      Path pom = root.resolve(modules.item(i).getTextContent().strip()).resolve("pom.xml");
      problems.addAll(overrides(pom.toString(), parse(pom)));
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void aModulePinningItsOwnProtobufIsRefused() throws Exception {
    String pom =
        "<project><properties><protobuf.version>3.21.9</protobuf.version></properties>"
            + "<dependencies><dependency><groupId>org.junit.jupiter</groupId>"
            + "<artifactId>junit-jupiter</artifactId><version>5.11.4</version></dependency>"
            + "</dependencies></project>";
    Document d =
        parse(new ByteArrayInputStream(pom.getBytes(StandardCharsets.UTF_8)), "fixture pom");
    assertEquals(
        List.of(
            "core/pom.xml: sets <protobuf.version>3.21.9</protobuf.version>",
            "core/pom.xml: pins org.junit.jupiter:junit-jupiter to 5.11.4"),
        overrides("core/pom.xml", d));
  }

  /**
   * What a module's pom does against the policy: a policy property set, a policy library pinned.
   */
  static List<String> overrides(String name, Document pom) {
    List<String> out = new ArrayList<>();
    Element props = child(pom, "properties");
    for (String p : POLICY_PROPERTIES.stream().sorted().toList()) {
      if (props != null && child(props, p) != null) {
        out.add(name + ": sets <" + p + ">" + text(props, p) + "</" + p + ">");
      }
    }
    NodeList deps = pom.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      String g = text(d, "groupId");
      String a = text(d, "artifactId");
      boolean policy =
          g.equals("org.junit.jupiter")
              || (g.equals("com.google.protobuf") && a.startsWith("protobuf-java"))
              || (g.equals("com.fasterxml.jackson.core") && a.startsWith("jackson-"))
              || (g.equals("org.apache.kafka") && a.equals("kafka-clients"));
      if (policy && child(d, "version") != null) {
        out.add(name + ": pins " + g + ":" + a + " to " + text(d, "version"));
      }
    }
    return out;
  }

  private static Document parse(Path pom) throws Exception {
    try (InputStream in = Files.newInputStream(pom)) {
      return parse(in, pom.toString());
    }
  }

  private static Document parse(InputStream in, String name) throws Exception {
    try {
      return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
    } catch (IOException | org.xml.sax.SAXException e) {
      throw new IllegalStateException(name + ": not a readable pom: " + e.getMessage(), e);
    }
  }

  private static Element child(Document d, String name) {
    return child(d.getDocumentElement(), name);
  }

  private static Element child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? "" : e.getTextContent().strip();
  }
}
