package io.aggregator.runners;

import io.aggregator.metrics.JobMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Adds the events of one bundle into one accumulator per key and window, and emits the
 * accumulators when the bundle ends ({@link CombineBeforeShuffle} says why that is safe).
 */
final class CombineInBundleFn<K, InputT, AccumT> extends DoFn<KV<K, InputT>, KV<K, AccumT>> {

  /** Counters (namespace {@code aggregator}) of what went in and what went on to the shuffle. */

  private final Counter inputs = JobMetrics.counter(JobMetrics.COMBINED_INPUTS);
  private final Counter partialsOut = JobMetrics.counter(JobMetrics.COMBINED_PARTIALS);

  private final CombineFn<InputT, AccumT, ?> fn;
  private final Coder<K> keyCoder;
  private final TimestampCombiner timestampCombiner;
  private transient Map<KeyInWindow, Partial<K, AccumT>> partials;
  private transient long inputsInBundle;

  CombineInBundleFn(
      CombineFn<InputT, AccumT, ?> fn, Coder<K> keyCoder, TimestampCombiner timestampCombiner) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.timestampCombiner = timestampCombiner;
  }

  @StartBundle
  public void startBundle() {
    partials = new HashMap<>();
    inputsInBundle = 0;
  }

  @ProcessElement
  public void processElement(
      @Element KV<K, InputT> element, @Timestamp Instant timestamp, BoundedWindow window) {
    inputsInBundle++;
    K key = element.getKey();
    // Keys are compared as the shuffle would compare them, by their coder's structural value:
    // Beam SQL's keys are Rows, whose equals and hashCode already compare values (arrays by
    // content), so they need no encoding; any other key is encoded unless its coder says equals
    // agrees with the encoding.
    Object structural = key instanceof Row ? key : keyCoder.structuralValue(key);
    KeyInWindow slot = new KeyInWindow(structural, window);
    Partial<K, AccumT> partial = partials.get(slot);
    if (partial == null) {
      partial = new Partial<>(key, fn.createAccumulator(), timestamp);
      partials.put(slot, partial);
    } else {
      partial.timestamp = timestampCombiner.combine(partial.timestamp, timestamp);
    }
    partial.accumulator = fn.addInput(partial.accumulator, element.getValue());
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Map.Entry<KeyInWindow, Partial<K, AccumT>> e : partials.entrySet()) {
      Partial<K, AccumT> partial = e.getValue();
      context.output(
          KV.of(partial.key, fn.compact(partial.accumulator)), partial.timestamp, e.getKey().window);
    }
    // Counted once per bundle: a counter update per element costs more than the combining.
    inputs.inc(inputsInBundle);
    partialsOut.inc(partials.size());
    partials = new HashMap<>();
    inputsInBundle = 0;
  }

  private static final class Partial<K, AccumT> {
    final K key;
    AccumT accumulator;
    Instant timestamp;

    Partial(K key, AccumT accumulator, Instant timestamp) {
      this.key = key;
      this.accumulator = accumulator;
      this.timestamp = timestamp;
    }
  }

  private static final class KeyInWindow {
    final Object key;
    final BoundedWindow window;
    final int hash;

    KeyInWindow(Object key, BoundedWindow window) {
      this.key = key;
      this.window = window;
      this.hash = 31 * key.hashCode() + window.hashCode(); // per event: no varargs array
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof KeyInWindow
          && ((KeyInWindow) o).key.equals(key)
          && ((KeyInWindow) o).window.equals(window);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
