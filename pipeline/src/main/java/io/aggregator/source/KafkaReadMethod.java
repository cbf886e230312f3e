package io.aggregator.source;

/** How {@link ReadKafkaEvents} reads the topic: the runner decides which it can translate. */
public enum KafkaReadMethod {
  /**
   * KafkaIO's splittable DoFn over per-partition descriptors, bounded or not: the watermark is kept
   * per partition and the read position is part of the runner's checkpoints (Direct and Flink;
   * Flink resumes a replay from them).
   */
  SPLITTABLE,
  /**
   * The splittable read with its consumers kept open between the runner's checkpoints of the read
   * ({@link PooledConsumers}), for the DirectRunner, whose JVM is the job's own. Not on Flink: on a
   * session cluster a consumer left open after a job ends would keep the job's classes loaded in
   * the TaskManager, and Flink checkpoints the read only every 10,000 records anyway.
   */
  SPLITTABLE_POOLED,
  /**
   * Classic sources only, for a runner that cannot translate a splittable DoFn (the classic Spark
   * runner): a bounded replay through {@link KafkaReplaySource}, an unbounded job through KafkaIO's
   * {@code UnboundedSource}.
   */
  CLASSIC_SOURCE
}
