package org.ppruning.deploy.images;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.stream.Topics;

/** The topic names the services use: every public String constant of org.ppruning.stream.Topics. */
public final class TopicNames {

  public static final String SAMPLES = Topics.SAMPLES;

  private TopicNames() {}

  public static List<String> all() {
    List<String> names = new ArrayList<>();
    for (Field f : Topics.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    if (names.isEmpty()) {
      throw new IllegalStateException("org.ppruning.stream.Topics has no topic constants");
    }
    return names;
  }
}
