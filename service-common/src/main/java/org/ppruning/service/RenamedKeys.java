package org.ppruning.service;

import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses configuration keys that were renamed, by name, instead of ignoring them (an unknown
 * environment variable would otherwise be dropped without a word). A key ending in {@code .} stands
 * for every key under it.
 */
public final class RenamedKeys {
  private RenamedKeys() {}

  /**
   * Every renamed key of the three services, old -> new (docs/operations.md, "Renamed keys"): the
   * Kafka settings moved to the one {@code ppruning.<service>.kafka.*} shape.
   */
  public static final Map<String, String> SERVICES =
      Map.of(
          "ppruning.profiler.group", "ppruning.profiler.kafka.group",
          "ppruning.profiler.topics.", "ppruning.profiler.kafka.topics.",
          "ppruning.profiler.partitions", "ppruning.profiler.kafka.partitions",
          "ppruning.profiler.replication-factor", "ppruning.profiler.kafka.replication-factor",
          "ppruning.pruner.kafka.summaries-topic", "ppruning.pruner.kafka.topics.summaries",
          "ppruning.pruner.kafka.models-topic", "ppruning.pruner.kafka.topics.models",
          "ppruning.pruner.kafka.bootstrap-servers", "kafka.bootstrap.servers",
          "ppruning.finetuner.training.group-id", "ppruning.finetuner.kafka.group",
          "ppruning.finetuner.serving.max-length",
              "ppruning.finetuner.serving.limits.max-tokens-per-text");

  /**
   * Throws if {@code config} sets any old key of {@code renamed} (old -> new), as a property or as
   * its environment variable.
   */
  public static void check(Config config, Map<String, String> renamed) {
    check(config.getPropertyNames(), renamed);
  }

  /**
   * The same over property names, for a check that runs before the configuration is complete (a
   * config interceptor: SmallRye refuses an unknown key under a mapping's prefix first, without
   * naming the new key).
   */
  public static void check(Iterable<String> names, Map<String, String> renamed) {
    // One message per setting: an environment variable is listed under both of its names.
    Map<String, String> found = new TreeMap<>();
    for (String name : names) {
      renamed.forEach(
          (old, now) -> {
            String hit = match(name, old, now);
            if (hit != null && (name.equals(envName(name)) || !found.containsKey(envName(name)))) {
              found.put(envName(name), hit);
            }
          });
    }
    if (!found.isEmpty()) {
      throw new IllegalArgumentException(
          "renamed configuration keys: "
              + String.join("; ", found.values())
              + " (see docs/operations.md)");
    }
  }

  /** The message for {@code name} if it is {@code old} (or under it), else null. */
  static String match(String name, String old, String now) {
    boolean prefix = old.endsWith(".");
    if (prefix ? name.startsWith(old) : name.equals(old)) {
      return name + " is now " + (prefix ? now + name.substring(old.length()) : now);
    }
    String env = envName(old);
    if (prefix ? name.startsWith(env) : name.equals(env)) {
      return name
          + " ("
          + old
          + (prefix ? "*" : "")
          + ") is now "
          + envName(now)
          + (prefix ? "*" : "")
          + " ("
          + now
          + (prefix ? "*" : "")
          + ")";
    }
    return null;
  }

  /** The environment variable SmallRye maps to {@code key}: non-alphanumerics to _, upper case. */
  static String envName(String key) {
    StringBuilder b = new StringBuilder(key.length());
    for (char c : key.toCharArray()) {
      b.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
    }
    return b.toString();
  }
}
