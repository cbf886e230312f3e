package io.aggregator.runners;

import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;

/**
 * One accumulator per key in state, emitted as the trigger it replaces would emit it ({@link
 * AccumulateInState}): {@code batchInterval} of processing time after the first partial since the
 * last emission, and once more when the window ends (a bounded replay's input ends).
 */
final class AccumulateInStateFn<K, AccumT, OutputT> extends DoFn<KV<K, AccumT>, KV<K, OutputT>> {

  private final CombineFn<?, AccumT, OutputT> fn;
  private final Duration batchInterval;

  @StateId("accumulator")
  private final StateSpec<ValueState<AccumT>> accumulatorSpec;

  @StateId("key")
  private final StateSpec<ValueState<K>> keySpec;

  /** When the key's pending change is due (processing time, millis); null: nothing pending. */
  @StateId("due")
  private final StateSpec<ValueState<Long>> dueSpec = StateSpecs.value();

  @TimerId("everyBatch")
  private final TimerSpec everyBatch = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId("windowEnd")
  private final TimerSpec windowEnd = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  AccumulateInStateFn(
      CombineFn<?, AccumT, OutputT> fn,
      Coder<K> keyCoder,
      Coder<AccumT> accumulatorCoder,
      Duration batchInterval) {
    this.fn = fn;
    this.batchInterval = batchInterval;
    this.accumulatorSpec = StateSpecs.value(accumulatorCoder);
    this.keySpec = StateSpecs.value(keyCoder);
  }

  @ProcessElement
  public void process(
      @Element KV<K, AccumT> partial,
      BoundedWindow window,
      @StateId("accumulator") ValueState<AccumT> accumulator,
      @StateId("key") ValueState<K> key,
      @StateId("due") ValueState<Long> due,
      @TimerId("everyBatch") Timer batchTimer,
      @TimerId("windowEnd") Timer endTimer,
      OutputReceiver<KV<K, OutputT>> out) {
    AccumT current = accumulator.read();
    accumulator.write(
        current == null
            ? partial.getValue()
            : fn.mergeAccumulators(List.of(current, partial.getValue())));
    // The timer alone is not enough on the DirectRunner: under a steady stream it did not deliver
    // a key's timer while the key's input kept coming, and an all-time file wrote nothing until
    // its input stopped (seen in the quick start with a nested file). An element that arrives
    // once the change is due emits it; the timer covers a key gone quiet.
    long now = batchTimer.getCurrentRelativeTime().getMillis();
    Long dueAt = due.read();
    if (dueAt == null) {
      due.write(now + batchInterval.getMillis());
      batchTimer.offset(batchInterval).setRelative();
    } else if (now >= dueAt) {
      emit(accumulator, key, due, out);
    }
    if (key.read() == null) {
      // The key's first partial: the end of the window is set once, for the whole run (the
      // DirectRunner's timer bookkeeping costs per timer set, and the global window never moves).
      key.write(partial.getKey());
      endTimer.set(window.maxTimestamp());
    }
  }

  @OnTimer("everyBatch")
  public void onBatch(
      @StateId("accumulator") ValueState<AccumT> accumulator,
      @StateId("key") ValueState<K> key,
      @StateId("due") ValueState<Long> due,
      OutputReceiver<KV<K, OutputT>> out) {
    emit(accumulator, key, due, out);
  }

  @OnTimer("windowEnd")
  public void onWindowEnd(
      @StateId("accumulator") ValueState<AccumT> accumulator,
      @StateId("key") ValueState<K> key,
      @StateId("due") ValueState<Long> due,
      OutputReceiver<KV<K, OutputT>> out) {
    emit(accumulator, key, due, out);
  }

  private void emit(
      ValueState<AccumT> accumulator,
      ValueState<K> key,
      ValueState<Long> due,
      OutputReceiver<KV<K, OutputT>> out) {
    if (due.read() != null) {
      due.clear();
      out.output(KV.of(key.read(), fn.extractOutput(accumulator.read())));
    }
  }
}
