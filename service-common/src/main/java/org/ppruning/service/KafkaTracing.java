package org.ppruning.service;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The trace context carried in Kafka record headers from a sample to the model events
 * (docs/operations.md, "Tracing"): the configured propagators (W3C {@code traceparent} by default)
 * read it from a consumed record's headers and write a producer span's context into the records a
 * service sends. Each service adapter decides which consumed record's context a produced record
 * continues; the library (core) knows nothing of tracing.
 *
 * <p>Off by default: with {@code quarkus.otel.sdk.disabled=true} (the services' setting) no header
 * is read or written, and the SDK has no span processor, so nothing is exported.
 */
@ApplicationScoped
public class KafkaTracing {
  private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  private static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  private static final TextMapGetter<Headers> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
          List<String> keys = new ArrayList<>();
          headers.forEach(h -> keys.add(h.key()));
          return keys;
        }

        @Override
        public String get(Headers headers, String key) {
          Header h = headers == null ? null : headers.lastHeader(key);
          return h == null || h.value() == null
              ? null
              : new String(h.value(), StandardCharsets.UTF_8);
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  /**
   * The services' instance: a disabled SDK ({@code quarkus.otel.sdk.disabled=true}) still has the
   * W3C propagators, so off means no propagation at all here: no header read or written.
   */
  @Inject
  KafkaTracing(
      OpenTelemetry otel,
      @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false")
          boolean sdkDisabled) {
    this(sdkDisabled ? OpenTelemetry.noop() : otel);
  }

  /** Tracing through {@code otel} ({@link OpenTelemetry#noop()}: off). */
  public KafkaTracing(OpenTelemetry otel) {
    this.tracer = otel.getTracer("org.ppruning");
    this.propagator = otel.getPropagators().getTextMapPropagator();
  }

  /** The trace context in a consumed record's headers; the root context when there is none. */
  public Context extract(Headers headers) {
    return propagator.extract(Context.root(), headers, HEADERS);
  }

  /** Whether {@code c} carries a valid span context (a record with a trace). */
  public static boolean traced(Context c) {
    return Span.fromContext(c).getSpanContext().isValid();
  }

  /**
   * Starts a producer span {@code "<topic> publish"} as a child of {@code parent} (a new trace when
   * it has none), linked to the other consumed records' contexts it stands for; the caller ends it.
   */
  public Span publishSpan(String topic, Context parent, List<Context> links) {
    SpanBuilder b =
        tracer
            .spanBuilder(topic + " publish")
            .setSpanKind(SpanKind.PRODUCER)
            .setParent(parent)
            .setAttribute(SYSTEM, "kafka")
            .setAttribute(DESTINATION, topic);
    for (Context l : links) {
      SpanContext sc = Span.fromContext(l).getSpanContext();
      if (sc.isValid()) {
        b.addLink(sc);
      }
    }
    return b.startSpan();
  }

  /** Headers carrying {@code span}'s context (none when tracing is off). */
  public Headers headers(Span span) {
    Headers h = new RecordHeaders();
    propagator.inject(Context.root().with(span), h, (c, k, v) -> c.add(k, utf8(v)));
    return h;
  }

  /**
   * Sends one record in a producer span that continues {@code parent} and waits for the broker's
   * acknowledgement; a failure is recorded on the span and thrown.
   */
  public <K, V> RecordMetadata sendAndWait(
      Producer<K, V> producer, String topic, K key, V value, Context parent) throws Exception {
    Span span = publishSpan(topic, parent, List.of());
    try {
      return producer.send(new ProducerRecord<>(topic, null, key, value, headers(span))).get();
    } catch (Exception e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getMessage());
      throw e;
    } finally {
      span.end();
    }
  }

  /** The latest traced context per key (a task): what a record produced for that key continues. */
  public static final class Latest {
    private final Map<String, Context> byKey = new ConcurrentHashMap<>();

    /** Keeps {@code c} for {@code key} if it carries a trace. */
    public void remember(String key, Context c) {
      if (key != null && traced(c)) {
        byKey.put(key, c);
      }
    }

    /** The latest traced context of {@code key}, forgotten; the root context if none. */
    public Context take(String key) {
      Context c = key == null ? null : byKey.remove(key);
      return c == null ? Context.root() : c;
    }

    /** The latest traced context of {@code key}, the root context if none. */
    public Context get(String key) {
      return key == null ? Context.root() : byKey.getOrDefault(key, Context.root());
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
