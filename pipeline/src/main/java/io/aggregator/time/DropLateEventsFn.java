package io.aggregator.time;

import io.aggregator.events.ParsedEvent;
import io.aggregator.metrics.JobMetrics;
import java.util.Objects;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Drops, as it is read, an event whose tumbling window its partition's watermark has already
 * closed, and counts it ({@link JobMetrics#EVENTS_DROPPED_LATE}).
 *
 * <p>Why here and not only in the aggregation: Beam decides lateness at the GroupByKey by the
 * watermark it has seen when the element gets there, and the watermark travels behind the
 * elements read with it. A late event read in the same bundle as the events that moved the
 * watermark is therefore not late for Beam. How many such events a run keeps depends on how the
 * runner bundles the read: the DirectRunner kept 0 to 200 of the integration test's 200 clearly
 * late events from one run to the next, and the FlinkRunner, which emits a whole partition in one
 * bundle, kept them all. Deciding per partition, in the partition's order, gives one answer on
 * every runner and a true count of dropped events.
 *
 * <p>The rule is the watermark's own: the partition's watermark is the largest event time read
 * from it before this event, minus {@code --allowLateFor} (as {@link LaggingWatermarkEstimator});
 * the event is dropped when that watermark has passed the end of its window. A partition read
 * ahead of another never makes the other's events late. Beam's own dropping stays in place for
 * events that a slower partition makes late meanwhile.
 *
 * <p>Input is keyed by partition; the state is the partition's largest event time.
 */
public class DropLateEventsFn extends DoFn<KV<String, KafkaRecord<byte[], ParsedEvent>>, KafkaRecord<byte[], ParsedEvent>> {


  private final LateEvents lateEvents;
  private final Counter dropped = JobMetrics.counter(JobMetrics.EVENTS_DROPPED_LATE);

  @StateId("maxEventTime")
  private final StateSpec<ValueState<Long>> maxEventTimeSpec = StateSpecs.value(VarLongCoder.of());

  public DropLateEventsFn(LateEvents lateEvents) {
    this.lateEvents = lateEvents;
  }

  @ProcessElement
  public void process(
      @Element KV<String, KafkaRecord<byte[], ParsedEvent>> keyed,
      @StateId("maxEventTime") ValueState<Long> maxEventTime,
      OutputReceiver<KafkaRecord<byte[], ParsedEvent>> out) {
    KafkaRecord<byte[], ParsedEvent> record = keyed.getValue();
    ParsedEvent e = Objects.requireNonNull(record.getKV().getValue());
    if (!e.isEvent()) {
      out.output(record); // rejects go on to the rejects destination
      return;
    }
    Long seen = maxEventTime.read();
    long max = Math.max(seen == null ? Long.MIN_VALUE : seen, lateEvents.floorMillis());
    long t = e.eventTimeMillis();
    if (lateEvents.isLate(t, max)) {
      dropped.inc();
      return;
    }
    if (seen == null || t > seen) {
      maxEventTime.write(t);
    }
    out.output(record);
  }
}
