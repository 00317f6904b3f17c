package org.ppruning.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A dataset's train, dev and test parts, each in a fixed order.
 *
 * @param <T> {@link Sample}, {@link QaSample} or {@link TextDocument}
 */
public final class SplitData<T> {
  private final Map<Split, List<T>> parts;

  /** The three parts (any may be empty). */
  public SplitData(List<T> train, List<T> dev, List<T> test) {
    parts = new EnumMap<>(Split.class);
    parts.put(Split.TRAIN, List.copyOf(train));
    parts.put(Split.DEV, List.copyOf(dev));
    parts.put(Split.TEST, List.copyOf(test));
  }

  /** Items in their original order, each put into {@link Split#of} its key. */
  public static <T> SplitData<T> byKey(List<T> all, Function<T, String> key) {
    Map<Split, List<T>> m = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      m.put(s, new ArrayList<>());
    }
    for (T t : all) {
      m.get(Split.of(key.apply(t))).add(t);
    }
    return new SplitData<>(m.get(Split.TRAIN), m.get(Split.DEV), m.get(Split.TEST));
  }

  /** One part. */
  public List<T> get(Split split) {
    return parts.get(split);
  }

  public List<T> train() {
    return parts.get(Split.TRAIN);
  }

  public List<T> dev() {
    return parts.get(Split.DEV);
  }

  public List<T> test() {
    return parts.get(Split.TEST);
  }

  /** Train, then dev, then test. */
  public List<T> all() {
    List<T> out = new ArrayList<>(train());
    out.addAll(dev());
    out.addAll(test());
    return out;
  }

  /** Sizes as {@code train/dev/test}, e.g. {@code 2400/300/300}. */
  @Override
  public String toString() {
    return train().size() + "/" + dev().size() + "/" + test().size();
  }
}
