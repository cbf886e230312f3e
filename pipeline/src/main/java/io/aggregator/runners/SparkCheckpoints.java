package io.aggregator.runners;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an unbounded Spark job resumes (docs/semantics.md, "Restarts"). Beam's SparkRunner starts a
 * streaming job with Spark's {@code StreamingContext.getOrCreate}: a checkpoint found in the
 * directory brings back the whole job as it was checkpointed, the Kafka offsets (kept as the
 * source's checkpoint marks in a {@code mapWithState} stream) and the windows (kept in an
 * {@code updateStateByKey} stream) with it.
 *
 * <p>Two rules make that restore exact:
 *
 * <ul>
 *   <li>Every state stream is checkpointed at every batch ({@code --checkpointDurationMillis} set
 *       to the batch interval unless given). Left to Spark, the source's state is checkpointed
 *       every tenth batch and the windows' every 10 s, and Spark rebuilds a state from its latest
 *       checkpoint by recomputing the batches since: the source, recomputed, read again from
 *       older offsets events the restored windows already held, and counted them twice
 *       (measured: every count doubled in RestartsIT). One shared interval of 10 s still doubled
 *       them; only a checkpoint at every batch, where nothing is recomputed, restored exact
 *       counts. The cost is a state write per batch.
 *   <li>The directory is named by a fingerprint of the job's settings (the Aggregator options,
 *       secrets included), {@code <checkpointDir>/<query id>/spark-<fingerprint>}: a restored job
 *       runs with the settings it was checkpointed with, so a changed setting (a new MongoDB
 *       password, another {@code --batchInterval}) starts afresh rather than be silently
 *       ignored. Other fingerprints' directories are removed.
 * </ul>
 *
 * <p>As on Flink, a checkpoint taken before partitions were added is not restored: the restored
 * source would read only the partitions it knew.
 */
final class SparkCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(SparkCheckpoints.class);

  /** The prefix of an unbounded job's checkpoint directory. */
  static final String PREFIX = "spark-";

  /** Where Beam's SparkRunner puts Spark's own checkpoint under the directory it is given. */
  static final String SPARK_CHECKPOINT = "spark-checkpoint";

  /** Where it puts its own (metrics and watermarks). */
  static final String BEAM_CHECKPOINT = "beam-checkpoint";

  private SparkCheckpoints() {}

  /**
   * Points the job at its checkpoint directory; returns it when it holds a checkpoint the job
   * resumes from, or null when the job starts afresh.
   */
  static @Nullable String configure(
      PipelineOptions options, String directory, int partitions, String fingerprint) {
    String dir = (directory.endsWith("/") ? directory : directory + "/") + PREFIX + fingerprint;
    RunnerOptions.set(options, RunnerOptions.SPARK_COMMON, "CheckpointDir", String.class, dir);
    long batch = (Long) RunnerOptions.get(options, RunnerOptions.SPARK, "BatchIntervalMillis");
    Long every = (Long) RunnerOptions.get(options, RunnerOptions.SPARK, "CheckpointDurationMillis");
    if (every == null || every <= 0) {
      RunnerOptions.set(options, RunnerOptions.SPARK, "CheckpointDurationMillis", Long.class, batch);
    }
    if (directory.contains("://")) {
      return dir; // a remote store: Spark finds (or not) its checkpoint there
    }
    removeOthers(Path.of(directory), Path.of(dir));
    Integer before = PartitionCount.swap(Path.of(dir), partitions);
    Path checkpoint = Path.of(dir, SPARK_CHECKPOINT);
    if (!hasCheckpoint(checkpoint)) {
      return null;
    }
    if (before != null && before < partitions) {
      LOG.warn("Not resuming from {}: the topic has {} partitions, the job that checkpointed it read"
          + " {}. The job rebuilds its state from the topic instead (docs/semantics.md,"
          + " \"Partitions\").", checkpoint, partitions, before);
      RunnerCheckpoints.deleteTree(checkpoint);
      RunnerCheckpoints.deleteTree(Path.of(dir, BEAM_CHECKPOINT));
      return null;
    }
    LOG.info("Resuming from the latest checkpoint of this query: {}", checkpoint);
    return checkpoint.toString();
  }

  /** Spark writes {@code checkpoint-<batch time>} files when it checkpoints a batch. */
  static boolean hasCheckpoint(Path checkpoint) {
    if (!Files.isDirectory(checkpoint)) {
      return false;
    }
    try (Stream<Path> files = Files.list(checkpoint)) {
      return files.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the query's other Spark checkpoint directories: other settings, earlier versions. */
  private static void removeOthers(Path query, Path keep) {
    if (!Files.isDirectory(query)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(query)) {
      dirs.filter(p -> p.getFileName().toString().startsWith(PREFIX)
              || p.getFileName().toString().startsWith(RunnerCheckpoints.SPARK_RUN_PREFIX))
          .filter(p -> !p.equals(keep))
          .forEach(p -> {
            LOG.info("Removing {}: another setting's checkpoint, never restored", p);
            RunnerCheckpoints.deleteTree(p);
          });
    } catch (IOException e) {
      LOG.warn("cannot remove the earlier Spark checkpoints in {}: {}", query, e.toString());
    }
  }
}
