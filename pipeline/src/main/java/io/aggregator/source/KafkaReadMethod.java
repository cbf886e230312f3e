package io.aggregator.source;

/**
 * How {@link ReadKafkaEvents} reads the topic, for a bounded replay and for an unbounded job: the
 * runner decides which it can translate, and which of them it runs well (runners/RunnerSupport).
 *
 * @param replay how a bounded replay ({@code --readUntilLatest}) is read
 * @param stream how an unbounded job is read
 * @param replayWritesRejects whether a bounded replay's read writes its rejects itself ({@link
 *     io.aggregator.events.RejectWriter}) and has one output, the events: Spark's batch
 *     translation persists every element of a step with two outputs, a quarter of a replay's time
 *     (README, "No step with two outputs"), and Flink's does not chain a step two steps read
 */
public record KafkaReadMethod(Replay replay, Stream stream, boolean replayWritesRejects) {

  /** The ways to read a bounded replay. */
  public enum Replay {
    /**
     * {@link ResumableReplaySource}, an unbounded source that ends: its positions and its late
     * rule's state are part of the runner's checkpoints, and no step after the read needs a
     * shuffle (Flink resumes a replay from them; a restored bounded source would be read again
     * from the start, apache/beam#31313).
     */
    RESUMABLE_SOURCE,
    /**
     * {@link KafkaReplaySource}, a classic bounded source read in large bundles: every runner
     * translates it, and the DirectRunner's splittable-DoFn runner reads at most 100 records per
     * step of each partition.
     */
    REPLAY_SOURCE
  }

  /** The ways to read an unbounded job. */
  public enum Stream {
    /**
     * {@link WatchingStreamSource}: one reader over every partition, which finds partitions added
     * while the job runs, handing on a poll's records as one element: the DirectRunner, whose
     * cost is per bundle and whose runners of KafkaIO's reads make bundles of 10 or 100 records.
     */
    WATCHING_SOURCE,
    /**
     * KafkaIO's classic {@code UnboundedSource}, whose partitions are those of the start. On
     * Flink: Beam 2.62's Flink operator for a splittable DoFn does not pass its watermark on while
     * a bundle is open, and an unbounded read resumes at once after every poll, so a bundle is
     * almost always open and no window ever closed (docs/semantics.md, "Partitions"); a source
     * operator emits its watermark on its own.
     */
    CLASSIC_SOURCE,
    /**
     * The classic source read by one reader ({@link OneReaderKafkaSource}): Spark, whose runner
     * takes the largest watermark over a source's readers, so that with several of them one read
     * ahead made the others' events late at the aggregation.
     */
    CLASSIC_SOURCE_ONE_READER
  }
}
