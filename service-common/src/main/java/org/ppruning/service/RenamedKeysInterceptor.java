package org.ppruning.service;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Refuses the services' renamed keys by name ({@link RenamedKeys#SERVICES}) as the configuration is
 * read: a check at startup would come too late, as SmallRye first refuses an unknown key under a
 * mapping's prefix with "does not map to any root", without the new name, and ignores an unknown
 * environment variable. Registered in META-INF/services, so every service has it.
 */
public class RenamedKeysInterceptor implements ConfigSourceInterceptor {

  @Override
  public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
    return context.proceed(name);
  }

  @Override
  public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
    List<String> names = new ArrayList<>();
    context.iterateNames().forEachRemaining(names::add);
    RenamedKeys.check(names, RenamedKeys.SERVICES);
    return names.iterator();
  }
}
