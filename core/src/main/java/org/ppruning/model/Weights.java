package org.ppruning.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model's parameters by their checkpoint name (Google BERT names for {@code bert}, OpenAI GPT-2
 * names for {@code gpt2}; see docs/architecture.md), in insertion order.
 */
public final class Weights {
  private final Map<String, FloatTensor> tensors = new LinkedHashMap<>();

  public Weights put(String name, FloatTensor tensor) {
    if (tensors.putIfAbsent(name, tensor) != null) {
      throw new IllegalArgumentException("weight '" + name + "' given twice");
    }
    return this;
  }

  /** Replaces an existing tensor (used by unit removal and by tests that mask units). */
  public Weights replace(String name, FloatTensor tensor) {
    if (!tensors.containsKey(name)) {
      throw new IllegalArgumentException("no weight named '" + name + "'");
    }
    tensors.put(name, tensor);
    return this;
  }

  public FloatTensor get(String name) {
    FloatTensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("missing weight '" + name + "'");
    }
    return t;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  public Map<String, FloatTensor> asMap() {
    return Collections.unmodifiableMap(tensors);
  }

  public int size() {
    return tensors.size();
  }

  /** Total number of scalar parameters. */
  public long parameterCount() {
    long n = 0;
    for (FloatTensor t : tensors.values()) {
      n += t.size();
    }
    return n;
  }

  /** A shallow copy: tensors are shared (they are never mutated in place). */
  public Weights copy() {
    Weights w = new Weights();
    w.tensors.putAll(tensors);
    return w;
  }
}
