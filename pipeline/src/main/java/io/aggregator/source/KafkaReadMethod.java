package io.aggregator.source;

/** How {@link ReadKafkaEvents} reads the topic: the runner decides which it can translate. */
public enum KafkaReadMethod {
  /**
   * KafkaIO's splittable DoFn over per-partition descriptors, bounded or not: the watermark is kept
   * per partition and the read position is part of the runner's checkpoints (Flink, which resumes
   * a replay from them).
   */
  SPLITTABLE,
  /**
   * A bounded replay through {@link KafkaReplaySource}, an unbounded job through the splittable
   * read with its consumers kept open between the runner's checkpoints of the read ({@link
   * PooledConsumers}): the DirectRunner. Its splittable-DoFn runner reads at most 100 records per
   * step of each partition and its cost is per bundle; a classic bounded source is read in large
   * bundles. Not on Flink: its checkpoints hold the splittable read's positions (a restored
   * bounded source is read again from the start, apache/beam#31313), and on a session cluster a
   * consumer left open after a job ends would keep the job's classes loaded.
   */
  REPLAY_SOURCE,
  /**
   * Classic sources only, for a runner that cannot translate a splittable DoFn (the classic Spark
   * runner): a bounded replay through {@link KafkaReplaySource}, an unbounded job through KafkaIO's
   * {@code UnboundedSource}.
   */
  CLASSIC_SOURCE
}
