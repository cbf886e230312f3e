package io.aggregator.runners;

import io.aggregator.metrics.JobMetrics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Adds the events of one bundle into one accumulator per key and window, and emits the
 * accumulators when the bundle ends, or once {@link #MAX_PARTIALS} are held ({@link
 * CombineBeforeShuffle} says why that is safe).
 */
final class CombineInBundleFn<K, InputT, AccumT> extends DoFn<KV<K, InputT>, KV<K, AccumT>> {

  /**
   * The most accumulators held at once, by default. A streaming bundle ends every second; a batch
   * job's (Flink's batch translation: one bundle per task, from its first element to its last)
   * lasts the whole replay, whose keys and windows grow with the months it covers. Emitting them
   * all when this many are held keeps the heap bounded; the merge after the shuffle does not mind
   * how many partials a key has.
   */
  static final int MAX_PARTIALS = 100_000;

  /** Counters (namespace {@code aggregator}) of what went in and what went on to the shuffle. */
  private final Counter inputs = JobMetrics.counter(JobMetrics.COMBINED_INPUTS);
  private final Counter partialsOut = JobMetrics.counter(JobMetrics.COMBINED_PARTIALS);

  private final CombineFn<InputT, AccumT, ?> fn;
  private final Coder<K> keyCoder;
  private final TimestampCombiner timestampCombiner;
  private final int maxPartials;
  private transient Map<KeyInWindow, Partial<K, AccumT>> partials;
  private transient long inputsInBundle;

  CombineInBundleFn(
      CombineFn<InputT, AccumT, ?> fn, Coder<K> keyCoder, TimestampCombiner timestampCombiner,
      int maxPartials) {
    this.fn = fn;
    this.maxPartials = maxPartials;
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
      @Element KV<K, InputT> element, @Timestamp Instant timestamp, BoundedWindow window,
      ProcessContext context) {
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
    if (partials.size() >= maxPartials) {
      // Each in its own window: outputWindowedValue, unlike output, is not bound to the element's.
      emitAll((value, at, in) -> context.outputWindowedValue(value, at, List.of(in), PaneInfo.NO_FIRING));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    emitAll(context::output);
  }

  private void emitAll(Emitter<KV<K, AccumT>> out) {
    for (Map.Entry<KeyInWindow, Partial<K, AccumT>> e : partials.entrySet()) {
      Partial<K, AccumT> partial = e.getValue();
      out.emit(KV.of(partial.key, fn.compact(partial.accumulator)), partial.timestamp, e.getKey().window);
    }
    // Counted once per emission: a counter update per element costs more than the combining.
    inputs.inc(inputsInBundle);
    partialsOut.inc(partials.size());
    partials = new HashMap<>();
    inputsInBundle = 0;
  }

  /** Where accumulators go: the bundle's end, or the element being processed. */
  private interface Emitter<T> {
    void emit(T value, Instant timestamp, BoundedWindow window);
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
