package org.ppruning.pruner;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.ppruning.service.RenamedKeys;

/**
 * Refuses the pruner's renamed keys by name ({@link RenamedKeys}) as the configuration is read:
 * a check at startup would come too late, as SmallRye first refuses an unknown key under {@code
 * ppruning.pruner} with "does not map to any root". Registered in META-INF/services.
 */
public class RenamedKeysCheck implements ConfigSourceInterceptor {
  /** Keys renamed when the pruner moved to the shared Kafka settings (docs/operations.md). */
  static final Map<String, String> RENAMED = Map.of(
      "ppruning.pruner.kafka.summaries-topic", "ppruning.pruner.kafka.topics.summaries",
      "ppruning.pruner.kafka.models-topic", "ppruning.pruner.kafka.topics.models",
      "ppruning.pruner.kafka.bootstrap-servers", "kafka.bootstrap.servers");

  @Override
  public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
    return context.proceed(name);
  }

  @Override
  public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
    List<String> names = new ArrayList<>();
    context.iterateNames().forEachRemaining(names::add);
    RenamedKeys.check(names, RENAMED);
    return names.iterator();
  }
}
