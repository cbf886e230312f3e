package io.aggregator.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaSourceDescriptor;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The topic's partitions, as they appear: every partition at start, then each one added while the
 * job runs, found within {@code --partitionDiscoveryInterval} (docs/semantics.md, "Partitions").
 * Each is read from the consumer group's committed offset, or its first (auto.offset.reset).
 *
 * <p>Used on the DirectRunner (Flink and Spark read unbounded topics through the classic source,
 * see {@link KafkaReadMethod.Stream}). Why Beam's {@link Watch} and not KafkaIO's own dynamic
 * read: KafkaIO accepts that only under the portable {@code beam_fn_api} experiment. {@code Watch}
 * remembers the partitions it has emitted in its own restriction, so none is started twice.
 *
 * <p>Partitions are emitted with the minimum timestamp, as an {@link Impulse}'s element is: KafkaIO
 * starts a partition's watermark at its element's timestamp, and the read's own watermark must not
 * have moved past the records while the partition waited to be read. Stamped with the time they
 * were found, every event of a backfill came out behind the watermark and was dropped as late.
 */
final class WatchPartitions extends PTransform<PBegin, PCollection<KafkaSourceDescriptor>> {

  private final ConsumerSettings consumer;
  private final String topic;
  private final Duration interval;

  WatchPartitions(ConsumerSettings consumer, String topic, Duration interval) {
    this.consumer = consumer;
    this.topic = topic;
    this.interval = interval;
  }

  @Override
  public PCollection<KafkaSourceDescriptor> expand(PBegin input) {
    String t = topic;
    return input
        .apply("StartWatching", Impulse.create())
        .apply("NameTopic", MapElements.into(TypeDescriptors.strings()).via(b -> t))
        .apply("ListPartitions",
            Watch.growthOf(new ListPartitionsFn(consumer)).withPollInterval(interval))
        .apply("DropTopic", Values.create());
  }

  /** Every partition of the topic, each time the watch asks. */
  static final class ListPartitionsFn extends Watch.Growth.PollFn<String, KafkaSourceDescriptor> {
    private final ConsumerSettings consumer;

    ListPartitionsFn(ConsumerSettings consumer) {
      this.consumer = consumer;
    }

    @Override
    public Watch.Growth.PollResult<KafkaSourceDescriptor> apply(String topic, Context c) {
      Map<String, Object> props = consumer.byteConsumer();
      props.remove(ConsumerConfig.GROUP_ID_CONFIG); // looking, not consuming
      List<TimestampedValue<KafkaSourceDescriptor>> found = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(props)) {
        List<PartitionInfo> infos = kafka.partitionsFor(topic, java.time.Duration.ofSeconds(30));
        for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
          TopicPartition tp = new TopicPartition(topic, info.partition());
          found.add(
              TimestampedValue.of(
                  KafkaSourceDescriptor.of(tp, null, null, null, null, null),
                  BoundedWindow.TIMESTAMP_MIN_VALUE));
        }
      }
      // The list's own watermark follows the clock; the records' is the read's own.
      return Watch.Growth.PollResult.incomplete(found).withWatermark(Instant.now());
    }
  }
}
