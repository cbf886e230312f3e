package io.aggregator.source;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.time.DropStampedLateEventsFn;
import io.aggregator.time.EventTimeRules;
import io.aggregator.time.LateEvents;
import io.aggregator.time.EventTimePolicyFactory;
import io.aggregator.events.EventTags;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.RejectWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Reads the topic's partitions with KafkaIO and splits the parsed messages into events (rows of
 * table SOURCE, stamped with their event time) and rejects, late events dropped and counted on the
 * way (docs/semantics.md, "Watermark", "Partitions", "Lateness").
 *
 * <ul>
 *   <li>A bounded replay reads the partitions and end offsets fixed when the pipeline is built
 *       ({@link TopicSnapshot}): one source per non-empty partition, each read from its start to
 *       its end offset, so the read finishes on any number of partitions, empty or uneven.
 *   <li>An unbounded job reads every partition, and finds new ones as they are added, where the
 *       runner can ({@link WatchingStreamSource}).
 * </ul>
 */
public class ReadKafkaEvents extends PTransform<PBegin, PCollectionTuple> {

  private final ConsumerSettings consumer;
  private final TopicSnapshot snapshot;
  private final JsonEventParser parser;
  private final EventTimeRules eventTime;
  private final KafkaReadMethod readMethod;
  private final long retryBudgetMillis;
  private final Duration discoveryInterval;
  private final RejectWriter rejectWriter;

  /**
   * @param consumer Kafka client settings (servers, group id, offset reset, security ...)
   * @param snapshot the partitions to read and, when bounded, where to stop
   * @param eventTime the watermark's lag, the lateness rule and the idle timeout
   * @param readMethod the read the runner can translate
   * @param retryBudgetMillis how long a bounded replay's source waits for Kafka ({@code
   *     --retryBudget}; the splittable read polls until the launcher's watch stops the job)
   * @param discoveryInterval how often an unbounded job looks for new partitions ({@code
   *     --partitionDiscoveryInterval})
   * @param rejectWriter the rejects destination, for a replay whose read writes them itself
   *     ({@link KafkaReadMethod#replayWritesRejects()}); otherwise rejects are the second output
   */
  public ReadKafkaEvents(
      ConsumerSettings consumer,
      TopicSnapshot snapshot,
      JsonEventParser parser,
      EventTimeRules eventTime,
      KafkaReadMethod readMethod,
      long retryBudgetMillis,
      Duration discoveryInterval,
      RejectWriter rejectWriter) {
    this.readMethod = readMethod;
    this.rejectWriter = rejectWriter;
    this.retryBudgetMillis = retryBudgetMillis;
    this.eventTime = eventTime;
    this.consumer = consumer;
    this.snapshot = snapshot;
    this.parser = parser;
    this.discoveryInterval = discoveryInterval;
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    boolean bounded = snapshot.totalMessages() >= 0;
    if (!bounded) {
      return readUnbounded(input).apply("SplitEventsAndRejects", splitEventsAndRejects(null));
    }
    List<TopicSnapshot.Partition> partitions = new ArrayList<>();
    for (TopicSnapshot.Partition p : snapshot.partitions()) {
      if (!p.isEmpty()) {
        partitions.add(p); // an empty one has nothing to read: it would only hold the watermark back
      }
    }
    // A bounded replay starts every partition's watermark at the earliest head event (see
    // TopicSnapshot#headEventTime), so its result does not depend on which partition is read first.
    long floorMillis = snapshot.headEventTime() == null ? Long.MIN_VALUE : snapshot.headEventTime();
    LateEvents lateEvents =
        eventTime.lateEvents() == null ? null : eventTime.lateEvents().startingAt(floorMillis);
    // Late events are decided as each partition is read (PartitionReplay) and dropped as the
    // batches are unpacked.
    PCollection<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> batches =
        readMethod.replay() == KafkaReadMethod.Replay.REPLAY_SOURCE
            ? input.apply("ReadFromKafka", Read.from(
                new KafkaReplaySource(consumer, partitions, parser, lateEvents, retryBudgetMillis)))
            : input.apply("ReadFromKafka", Read.from(
                new ResumableReplaySource(consumer, partitions, parser, lateEvents, floorMillis,
                    eventTime.lag(), retryBudgetMillis)));
    return batches
        .apply("UnpackBatches", ParDo.of(new UnpackReplayBatchesFn()))
        .setCoder(PartitionReplay.recordCoder(parser))
        .apply("SplitEventsAndRejects",
            splitEventsAndRejects(readMethod.replayWritesRejects() ? rejectWriter : null));
  }

  /**
   * An unbounded job: every partition of the topic, and, on the DirectRunner, each partition
   * added while it runs ({@link WatchingStreamSource}; on Flink and Spark the launcher restarts the
   * job, {@link TopicGrowth}). Event time, lateness and idle partitions are decided per partition by
   * {@link EventTimePolicyFactory}.
   */
  private PCollection<KafkaRecord<byte[], ParsedEvent>> readUnbounded(PBegin input) {
    String topic = snapshot.partitions().get(0).topicPartition().topic();
    EventTimePolicyFactory policy =
        new EventTimePolicyFactory(
            UUID.randomUUID().toString(),
            eventTime.lag(),
            eventTime.lateEvents(),
            eventTime.idleTimeout());
    if (readMethod.stream() == KafkaReadMethod.Stream.WATCHING_SOURCE) {
      WatchingStreamSource source =
          new WatchingStreamSource(consumer, topic, parser, policy, discoveryInterval);
      // Late events are dropped and counted as the batches are unpacked.
      return input
          .apply("ReadFromKafka", Read.from(source))
          .apply("UnpackBatches", ParDo.of(new UnpackReplayBatchesFn()))
          .setCoder(source.recordCoder());
    }
    // The classic source lists the partitions when the job starts.
    EventDeserializerProvider values = new EventDeserializerProvider(parser);
    KafkaIO.Read<byte[], ParsedEvent> read =
        KafkaIO.<byte[], ParsedEvent>read()
            .withConsumerConfigUpdates(consumer.kafkaIoUpdates())
            .withConsumerFactoryFn(new ConsumerSettings.NewConsumerFn())
            .withBootstrapServers(consumer.bootstrapServers())
            .withTopicPartitions(topicPartitions(snapshot))
            .withKeyDeserializerAndCoder(
                ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
            .withValueDeserializer(values)
            .withTimestampPolicyFactory(policy);
    PCollection<KafkaRecord<byte[], ParsedEvent>> records =
        readMethod.stream() == KafkaReadMethod.Stream.CLASSIC_SOURCE_ONE_READER
            ? input.apply(
                "ReadFromKafka",
                Read.from(
                    OneReaderKafkaSource.of(
                        read,
                        NullableCoder.of(ByteArrayCoder.of()),
                        values.getCoder(input.getPipeline().getCoderRegistry()))))
            : input.apply("ReadFromKafka", read);
    return records.apply("DropLateEvents", ParDo.of(new DropStampedLateEventsFn()));
  }

  /** Every partition of the topic when the job starts. */
  private static List<TopicPartition> topicPartitions(TopicSnapshot snapshot) {
    List<TopicPartition> tps = new ArrayList<>();
    for (TopicSnapshot.Partition p : snapshot.partitions()) {
      tps.add(p.topicPartition());
    }
    return tps;
  }

  /**
   * Events to {@link EventTags#EVENTS}; rejects to {@link EventTags#REJECTS}, or to {@code
   * rejectWriter} when there is one, the step's only output then being the events.
   */
  static ParDo.MultiOutput<KafkaRecord<byte[], ParsedEvent>, Row> splitEventsAndRejects(
      @Nullable RejectWriter rejectWriter) {
    return ParDo.of(new SplitEventsFn(rejectWriter))
        .withOutputTags(EventTags.EVENTS,
            rejectWriter == null ? TupleTagList.of(EventTags.REJECTS) : TupleTagList.empty());
  }

  /**
   * Events to the main output, rejects (with topic, partition and offset) to the second or, given
   * a {@link RejectWriter}, written to it before the bundle ends.
   */
  static class SplitEventsFn extends DoFn<KafkaRecord<byte[], ParsedEvent>, Row> {
    /** A partition's newest-event gauge moves in steps of at least this (it is read by people). */
    static final long GAUGE_STEP_MILLIS = 1_000L;

    private final Counter read = JobMetrics.counter(JobMetrics.EVENTS_READ);
    private final Counter rejected = JobMetrics.counter(JobMetrics.EVENTS_REJECTED);
    private final @Nullable RejectWriter rejectWriter;
    private transient Map<Integer, Long> newestShown;
    private transient RejectWriter.@Nullable Session rejects;

    SplitEventsFn(@Nullable RejectWriter rejectWriter) {
      this.rejectWriter = rejectWriter;
    }

    @Setup
    public void setup() {
      newestShown = new HashMap<>();
      rejects = rejectWriter == null ? null : rejectWriter.open();
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], ParsedEvent> record, MultiOutputReceiver out) {
      read.inc();
      ParsedEvent e = Objects.requireNonNull(record.getKV().getValue());
      if (e.isEvent()) {
        showNewest(record.getPartition(), e.eventTimeMillis());
        out.get(EventTags.EVENTS).output(e.row());
        return;
      }
      rejected.inc();
      JobMetrics.counter(JobMetrics.rejected(e.reason().name())).inc();
      Row reject = EventTags.rejectRow(e, record.getTopic(), record.getPartition(), record.getOffset());
      if (rejects == null) {
        out.get(EventTags.REJECTS).output(reject);
      } else {
        rejects.write(reject);
      }
    }

    @FinishBundle
    public void finishBundle() {
      if (rejects != null) {
        rejects.flush(); // before the bundle is committed: a reject is never lost
      }
    }

    @Teardown
    public void teardown() {
      if (rejects != null) {
        rejects.close();
      }
    }

    /** Sets the partition's gauge when its newest event time moved a step: not a clock read per event. */
    private void showNewest(int partition, long eventTime) {
      Long shown = newestShown.get(partition);
      if (shown == null || eventTime >= shown + GAUGE_STEP_MILLIS) {
        newestShown.put(partition, eventTime);
        JobMetrics.gauge(JobMetrics.NEWEST_EVENT_TIME + partition).set(eventTime);
      }
    }
  }
}
