package io.aggregator.source;

/** How {@link ReadKafkaEvents} reads the topic: the runner decides which it can translate. */
public enum KafkaReadMethod {
  /**
   * KafkaIO's splittable DoFn over per-partition descriptors: the watermark is kept per partition
   * and the read position is part of the runner's checkpoints (Direct and Flink).
   */
  SPLITTABLE,
  /**
   * Classic sources, for a runner that cannot translate a splittable DoFn (the classic Spark
   * runner): a bounded replay reads each partition through {@link KafkaReplaySource}, an
   * unbounded job through KafkaIO's {@code UnboundedSource}.
   */
  CLASSIC_SOURCE
}
