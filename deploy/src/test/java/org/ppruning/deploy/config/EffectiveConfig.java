package org.ppruning.deploy.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One service's configuration as SmallRye Config (Quarkus) resolves it at run time from two
 * sources: the container's environment (ordinal 300) over the prod values of its
 * application.properties (ordinal 250). Nothing else is modelled: no system properties (the images
 * pass none that set ppruning keys), no {@code .env} or {@code config/application.properties} file,
 * no profile other than the default one (keys with a {@code %profile.} prefix are not in {@code
 * properties}), no {@code @WithDefault} of the mapping interfaces (none of the path keys has one),
 * and not the image's own environment (deploy/pom.xml's Jib {@code <environment>}, e.g. {@code
 * PPRUNING_PRUNER_WORK_DIR}): the manifests set every variable the shared-path check depends on,
 * overriding the image's values.
 *
 * <p>The environment source finds a property {@code a.b-c} under the first of these variables that
 * exists (MicroProfile Config's rules, which SmallRye implements): the exact name {@code a.b-c};
 * the name with every character other than a letter, digit or {@code _} replaced by {@code _}
 * ({@code a_b_c}); that name in upper case ({@code A_B_C}).
 *
 * <p>Values are expanded as property expressions: {@code ${key}} is the value of {@code key}
 * (itself looked up in both sources and expanded), {@code ${key:default}} falls back to {@code
 * default} (which may itself hold expressions) when {@code key} has no value. An expression whose
 * key has no value and no default is an error naming the key and the expression, as it is for the
 * service at start ({@code NoSuchElementException}).
 */
public final class EffectiveConfig {

  /** Where a value came from, for messages: "env PPRUNING_X" or "application.properties". */
  public record Value(String key, String value, String source) {}

  private static final int MAX_DEPTH = 32;

  private final Map<String, Optional<String>> environment;
  private final Map<String, String> properties;
  private final String what;

  /**
   * @param environment the container's variables; an empty value stands for a variable whose value
   *     the manifest does not state (from a Secret or a field reference): looking a key up there is
   *     an error
   * @param properties the prod values of the service's application.properties
   * @param what the service and file, for messages
   */
  public EffectiveConfig(
      Map<String, Optional<String>> environment, Map<String, String> properties, String what) {
    this.environment = new LinkedHashMap<>(environment);
    this.properties = Map.copyOf(properties);
    this.what = what;
  }

  /** The variable names the environment source tries for a property, in order. */
  public static String[] envNames(String key) {
    String sanitized = key.replaceAll("[^A-Za-z0-9_]", "_");
    return new String[] {key, sanitized, sanitized.toUpperCase(Locale.ROOT)};
  }

  /** The key's raw (unexpanded) value and its source, if any source has it. */
  public Optional<Value> raw(String key) {
    for (String name : envNames(key)) {
      if (environment.containsKey(name)) {
        Optional<String> v = environment.get(name);
        if (v.isEmpty()) {
          throw new IllegalArgumentException(
              what
                  + ": "
                  + key
                  + " is set by the variable "
                  + name
                  + " whose value the manifest does not state (valueFrom); cannot resolve it");
        }
        return Optional.of(new Value(key, v.get(), "env " + name));
      }
    }
    String p = properties.get(key);
    return p == null
        ? Optional.empty()
        : Optional.of(new Value(key, p, "application.properties " + key));
  }

  /** The key's expanded value; an error naming the key if it has none. */
  public String value(String key) {
    return resolve(key, 0);
  }

  /**
   * How the key's value came about, e.g. "ppruning.pruner.repository = /x/models (application
   * .properties: ${ppruning.pruner.work-dir}/models; ppruning.pruner.work-dir from env
   * PPRUNING_PRUNER_WORK_DIR)".
   */
  public String explain(String key) {
    Value v =
        raw(key).orElseThrow(() -> new IllegalArgumentException(what + ": " + key + " is unset"));
    StringBuilder out = new StringBuilder(key + " = " + value(key) + " (" + v.source());
    if (!v.value().equals(value(key))) {
      out.append(": ").append(v.value());
    }
    return out.append(")").toString();
  }

  private String resolve(String key, int depth) {
    Value v =
        raw(key)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        what
                            + ": "
                            + key
                            + " has no value (tried env "
                            + String.join(", ", envNames(key))
                            + " and application.properties)"));
    return expand(v.value(), key, depth);
  }

  /** Expands every {@code ${...}} of {@code text}, the value of {@code owner}. */
  String expand(String text, String owner, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          what + ": expressions nested deeper than " + MAX_DEPTH + " (a cycle?) at " + owner);
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int start = text.indexOf("${", i);
      if (start < 0) {
        out.append(text, i, text.length());
        break;
      }
      out.append(text, i, start);
      int end = closing(text, start + 2, owner);
      String body = text.substring(start + 2, end);
      int colon = topLevelColon(body);
      String ref = colon < 0 ? body : body.substring(0, colon);
      if (raw(ref).isPresent()) {
        out.append(resolve(ref, depth + 1));
      } else if (colon >= 0) {
        out.append(expand(body.substring(colon + 1), owner, depth + 1));
      } else {
        throw new IllegalArgumentException(
            what
                + ": "
                + owner
                + " = "
                + text
                + ": the expression ${"
                + body
                + "} names "
                + ref
                + ", which has no value and no default");
      }
      i = end + 1;
    }
    return out.toString();
  }

  private int closing(String text, int from, String owner) {
    int depth = 1;
    for (int j = from; j < text.length(); j++) {
      if (text.startsWith("${", j)) {
        depth++;
        j++;
      } else if (text.charAt(j) == '}' && --depth == 0) {
        return j;
      }
    }
    throw new IllegalArgumentException(
        what + ": " + owner + " = " + text + ": unclosed ${ at " + (from - 2));
  }

  private static int topLevelColon(String body) {
    int depth = 0;
    for (int j = 0; j < body.length(); j++) {
      if (body.startsWith("${", j)) {
        depth++;
        j++;
      } else if (body.charAt(j) == '}') {
        depth--;
      } else if (body.charAt(j) == ':' && depth == 0) {
        return j;
      }
    }
    return -1;
  }
}
