package io.aggregator.source;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaSourceDescriptor;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Duration;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Reads the topic's partitions with KafkaIO and splits the parsed messages into events (rows of
 * table SOURCE, stamped with their event time) and rejects.
 *
 * <p>The partitions and, for a bounded replay, their end offsets are fixed when the pipeline is
 * built ({@link TopicSnapshot}): one source descriptor per non-empty partition, each read from
 * its start to its end offset, so the read finishes on any number of partitions, empty or uneven.
 */
public class ReadKafkaEvents extends PTransform<PBegin, PCollectionTuple> {

  /** Metric namespace shared with the launcher, which reports these counters. */
  public static final String METRICS_NAMESPACE = "aggregator";

  public static final String EVENTS_READ = "events_read";
  public static final String EVENTS_REJECTED = "events_rejected";
  public static final String EVENTS_DROPPED_LATE = DropLateEventsFn.EVENTS_DROPPED_LATE;

  private final String bootstrapServers;
  private final Map<String, Object> consumerConfig;
  private final TopicSnapshot snapshot;
  private final JsonEventParser parser;
  private final Duration allowedLateness;
  private final @Nullable Duration tumbleWindow;
  private final KafkaReadMethod readMethod;
  private final long retryBudgetMillis;

  /**
   * @param consumerConfig Kafka consumer properties (group id, offset reset, security ...)
   * @param snapshot the partitions to read and, when bounded, where to stop
   * @param allowedLateness how far the watermark lags the largest event time seen
   * @param tumbleWindow the query's tumbling window, for dropping late events as they are read
   *     ({@link DropLateEventsFn}); null when the query has none
   * @param readMethod the read the runner can translate
   * @param retryBudgetMillis how long a bounded replay's source waits for Kafka ({@code
   *     --retryBudget}; the splittable read polls until the launcher's watch stops the job)
   */
  public ReadKafkaEvents(
      String bootstrapServers,
      Map<String, Object> consumerConfig,
      TopicSnapshot snapshot,
      JsonEventParser parser,
      Duration allowedLateness,
      @Nullable Duration tumbleWindow,
      KafkaReadMethod readMethod,
      long retryBudgetMillis) {
    this.readMethod = readMethod;
    this.retryBudgetMillis = retryBudgetMillis;
    this.bootstrapServers = bootstrapServers;
    this.tumbleWindow = tumbleWindow;
    this.consumerConfig = new HashMap<>(consumerConfig);
    this.snapshot = snapshot;
    this.parser = parser;
    this.allowedLateness = allowedLateness;
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    List<TopicSnapshot.Partition> partitions = new ArrayList<>();
    for (TopicSnapshot.Partition p : snapshot.partitions()) {
      if (!p.isEmpty()) {
        partitions.add(p); // an empty one has nothing to read: it would only hold the watermark back
      }
    }
    Duration lag = allowedLateness;
    // A bounded replay starts every partition's watermark at the earliest head event (see
    // TopicSnapshot#headEventTime), so its result does not depend on which partition is read first.
    long floorMillis = snapshot.headEventTime() == null ? Long.MIN_VALUE : snapshot.headEventTime();
    Instant floor =
        floorMillis == Long.MIN_VALUE ? BoundedWindow.TIMESTAMP_MIN_VALUE : new Instant(floorMillis);
    LateEvents lateEvents =
        tumbleWindow == null ? null : new LateEvents(tumbleWindow, allowedLateness, floorMillis);
    PCollection<KafkaRecord<byte[], ParsedEvent>> records;
    boolean bounded = snapshot.totalMessages() >= 0;
    if (bounded && readMethod != KafkaReadMethod.SPLITTABLE) {
      // Late events are dropped as the source reads each partition (KafkaReplaySource).
      return input
          .apply("ReadFromKafka",
              Read.from(
                  new KafkaReplaySource(
                      bootstrapServers, consumerConfig, partitions, parser, lateEvents,
                      retryBudgetMillis)))
          .apply("SplitEventsAndRejects", splitEventsAndRejects());
    }
    if (readMethod == KafkaReadMethod.CLASSIC_SOURCE) {
      // Unbounded on a runner without splittable DoFns.
      List<TopicPartition> topicPartitions = new ArrayList<>();
      for (TopicSnapshot.Partition p : partitions) {
        topicPartitions.add(p.topicPartition());
      }
      records =
          input.apply(
              "ReadFromKafka",
              KafkaIO.<byte[], ParsedEvent>read()
                  .withConsumerConfigUpdates(consumerConfig)
                  .withBootstrapServers(bootstrapServers)
                  .withTopicPartitions(topicPartitions)
                  .withKeyDeserializerAndCoder(
                      ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
                  .withValueDeserializer(new EventDeserializerProvider(parser))
                  .withTimestampPolicyFactory(new EventTimePolicyFactory(floor, lag)));
    } else {
      KafkaIO.ReadSourceDescriptors<byte[], ParsedEvent> read =
          KafkaIO.<byte[], ParsedEvent>readSourceDescriptors()
              // Updates, not overrides: overrides would replace KafkaIO's defaults too.
              .withConsumerConfigUpdates(consumerConfig)
              .withBootstrapServers(bootstrapServers)
              .withKeyDeserializerAndCoder(
                  ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
              .withValueDeserializerProvider(new EventDeserializerProvider(parser))
              // Each record is stamped with its event time; rejects get the minimum so they never
              // move the watermark.
              .withExtractOutputTimestampFn(ReadKafkaEvents::eventTime)
              .withCreatWatermarkEstimatorFn(
                  state -> new LaggingWatermarkEstimator(state.isBefore(floor) ? floor : state, lag));
      if (readMethod == KafkaReadMethod.REPLAY_SOURCE) {
        read = read.withConsumerFactoryFn(new PooledConsumers());
      }
      records =
          input
              // An Impulse, not Create: on Flink, a job restored from a checkpoint re-emits the
              // elements of a bounded source such as Create (apache/beam#31313), which would start
              // every partition's read again on top of the restored ones; the Impulse is
              // checkpointed and fires once (apache/beam#30903).
              .apply("StartReading", Impulse.create())
              .apply("ListPartitions", ParDo.of(new ListPartitionsFn(partitions)))
              .apply("ReadFromKafka", read);
    }
    if (lateEvents != null) {
      Coder<KafkaRecord<byte[], ParsedEvent>> recordCoder = records.getCoder();
      records =
          records
              .apply(
                  "KeyByPartition",
                  MapElements.via(
                      new SimpleFunction<
                          KafkaRecord<byte[], ParsedEvent>,
                          KV<String, KafkaRecord<byte[], ParsedEvent>>>() {
                        @Override
                        public KV<String, KafkaRecord<byte[], ParsedEvent>> apply(
                            KafkaRecord<byte[], ParsedEvent> r) {
                          return KV.of(r.getTopic() + "/" + r.getPartition(), r);
                        }
                      }))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), recordCoder))
              .apply("DropLateEvents", ParDo.of(new DropLateEventsFn(lateEvents)))
              .setCoder(recordCoder);
    }
    return records.apply("SplitEventsAndRejects", splitEventsAndRejects());
  }

  private static ParDo.MultiOutput<KafkaRecord<byte[], ParsedEvent>, Row> splitEventsAndRejects() {
    return ParDo.of(new SplitEventsFn())
        .withOutputTags(EventTags.EVENTS, TupleTagList.of(EventTags.REJECTS));
  }

  /** The counter of messages rejected for {@code reason}: {@code events_rejected_malformed_json}. */
  public static String rejectedCounter(RejectReason reason) {
    return EVENTS_REJECTED + "_" + reason.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static Instant eventTime(KafkaRecord<byte[], ParsedEvent> record) {
    ParsedEvent e = Objects.requireNonNull(record.getKV().getValue());
    return e.isEvent() ? new Instant(e.eventTimeMillis()) : BoundedWindow.TIMESTAMP_MIN_VALUE;
  }

  /** The source descriptor of each partition to read, from start to stop offset. */
  static class ListPartitionsFn extends DoFn<byte[], KafkaSourceDescriptor> {
    private final List<TopicSnapshot.Partition> partitions;

    ListPartitionsFn(List<TopicSnapshot.Partition> partitions) {
      this.partitions = partitions;
    }

    @ProcessElement
    public void process(OutputReceiver<KafkaSourceDescriptor> out) {
      for (TopicSnapshot.Partition p : partitions) {
        out.output(
            KafkaSourceDescriptor.of(
                p.topicPartition(), p.startOffset(), null, p.stopOffset(), null, null));
      }
    }
  }

  /** Events to the main output, rejects (with topic, partition and offset) to the second. */
  static class SplitEventsFn extends DoFn<KafkaRecord<byte[], ParsedEvent>, Row> {
    private final Counter read = Metrics.counter(METRICS_NAMESPACE, EVENTS_READ);
    private final Counter rejected = Metrics.counter(METRICS_NAMESPACE, EVENTS_REJECTED);

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], ParsedEvent> record, MultiOutputReceiver out) {
      read.inc();
      ParsedEvent e = Objects.requireNonNull(record.getKV().getValue());
      if (e.isEvent()) {
        out.get(EventTags.EVENTS).output(e.row());
        return;
      }
      rejected.inc();
      Metrics.counter(METRICS_NAMESPACE, rejectedCounter(e.reason())).inc();
      out.get(EventTags.REJECTS)
          .output(
              Row.withSchema(EventTags.REJECT_SCHEMA)
                  .addValues(
                      e.reason().name(),
                      e.detail(),
                      rawText(e.raw()),
                      record.getTopic(),
                      record.getPartition(),
                      record.getOffset())
                  .build());
    }
  }

  /** The raw value as text: invalid UTF-8 shown as U+FFFD, cut at {@link EventTags#MAX_RAW_CHARS}. */
  static String rawText(byte[] raw) {
    if (raw == null) {
      return null;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    String text;
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(raw, 0, Math.min(raw.length, 4 * EventTags.MAX_RAW_CHARS)));
      text = chars.toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      text = "";
    }
    if (text.length() > EventTags.MAX_RAW_CHARS || raw.length > 4 * EventTags.MAX_RAW_CHARS) {
      return text.substring(0, Math.min(text.length(), EventTags.MAX_RAW_CHARS))
          + "… [" + raw.length + " bytes in all]";
    }
    return text;
  }
}
