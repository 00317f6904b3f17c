package org.ppruning.stream;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A work queue that holds at most one waiting item per key: offering a newer item for a key
 * replaces (supersedes) the waiting one. Items are taken in the order their keys first waited, so
 * one slow key cannot starve the others. Thread-safe.
 */
public final class LatestPerKey<K, V> {
  private final Map<K, V> waiting = new LinkedHashMap<>();

  /** Queues {@code item} for {@code key}; returns the item it superseded, if any. */
  public synchronized Optional<V> offer(K key, V item) {
    V old = waiting.remove(key);
    waiting.put(key, item);
    notifyAll();
    return Optional.ofNullable(old);
  }

  /** The oldest waiting item, or empty after {@code timeout} without one. */
  public synchronized Optional<Map.Entry<K, V>> poll(long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (waiting.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    Iterator<Map.Entry<K, V>> it = waiting.entrySet().iterator();
    Map.Entry<K, V> first = it.next();
    it.remove();
    return Optional.of(Map.entry(first.getKey(), first.getValue()));
  }

  public synchronized int size() {
    return waiting.size();
  }
}
