package io.aggregator.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each runner keeps its checkpoints, and how a restarted query resumes from them (docs/semantics.md, "Restarts").
 * Runner options are set by reflection, so that each runner's jar needs no other runner's classes
 * and the pipeline itself stays runner-agnostic.
 *
 * <ul>
 *   <li>Flink: the state backend's storage path is {@code <checkpointDir>/<query id>}; an
 *       unbounded job checkpoints every minute unless told otherwise; checkpoints are retained on
 *       cancellation, and a start finds the latest completed checkpoint under that directory (from a crash or a Ctrl-C) and restores it, so
 *       that restarting the same query resumes where it stopped. A changed SQL file is another
 *       directory, so it starts afresh: a backfill.
 *   <li>Spark: an unbounded job checkpoints at every batch into {@code <checkpointDir>/<query
 *       id>/spark-<fingerprint of the settings>} and a restart resumes from it ({@link
 *       SparkCheckpoints}); a bounded replay is a batch job and checkpoints into a directory of
 *       its own, {@code run-<start millis>}, never restored.
 *   <li>Direct: no state survives the process; a restart re-reads the topic from the start.
 * </ul>
 */
public final class RunnerCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(RunnerCheckpoints.class);

  /** The file that marks a completed Flink checkpoint (or savepoint) directory. */
  static final String FLINK_METADATA = "_metadata";

  /** The prefix of each Spark run's checkpoint directory. */
  static final String SPARK_RUN_PREFIX = "run-";

  /** How often an unbounded Flink job checkpoints unless told otherwise. */
  public static final long DEFAULT_FLINK_CHECKPOINT_MILLIS = 60_000L;

  /** Flink's configuration key of the checkpoint to restore at submission. */
  static final String FLINK_SAVEPOINT_PATH = "execution.savepoint.path";

  private RunnerCheckpoints() {}

  /**
   * Points the runner's checkpoints at {@code directory} and, on Flink, arranges to resume from
   * the latest checkpoint found there.
   *
   * @param partitions how many partitions the topic has now
   * @return the checkpoint the job resumes from, or null when it starts afresh
   */
  public static @Nullable String configure(
      PipelineOptions options, String directory, boolean bounded, int partitions, String fingerprint) {
    Runner runner = Runner.of(options);
    if (runner == Runner.SPARK) {
      if (bounded) {
        // A replay runs as a Spark batch job: nothing to resume.
        RunnerOptions.set(options, RunnerOptions.SPARK_COMMON, "CheckpointDir", String.class, sparkRunDirectory(directory));
        return null;
      }
      return SparkCheckpoints.configure(options, directory, partitions, fingerprint);
    }
    if (runner != Runner.FLINK) {
      return null;
    }
    boolean local = !directory.contains("://");
    String uri = local ? "file://" + Path.of(directory).toAbsolutePath() : directory;
    RunnerOptions.setIfUnset(options, RunnerOptions.FLINK, "StateBackend", String.class, "filesystem");
    RunnerOptions.setIfUnset(options, RunnerOptions.FLINK, "StateBackendStoragePath", String.class, uri);
    long interval = checkpointingInterval(options, bounded);
    if (interval <= 0) {
      return null; // no checkpoints: nothing to retain or resume
    }
    if (Boolean.TRUE.equals(RunnerOptions.get(options, RunnerOptions.FLINK, "FasterCopy"))) {
      // fasterCopy makes Beam's state serializer return the object itself from copy(). Flink's heap
      // state backend relies on that copy to keep an asynchronous snapshot apart from the live
      // state, and Beam's accumulators (COUNT's long[], the COUNT_DISTINCT set) change in place:
      // a checkpoint could hold counts from after its offsets, and a restore would count them
      // twice (docs/semantics.md, "Restarts").
      LOG.info("--fasterCopy is off for this job: it checkpoints, and a checkpoint must not share"
          + " objects with the running state");
      RunnerOptions.set(options, RunnerOptions.FLINK, "FasterCopy", Boolean.class, false);
    }
    // A step that emits in finishBundle (the pre-combine, runners/CombineBeforeShuffle) and is in
    // a bundle when a checkpoint starts: by default Beam finishes that bundle during the snapshot,
    // after the barrier went downstream, so it keeps the output in the checkpoint and sends it on
    // with the step's next input, while a bundle timer may send the step's watermark on first;
    // rows behind the watermark are late downstream and dropped. Finishing the bundle before the
    // barrier sends the output first (docs/semantics.md, "Restarts").
    RunnerOptions.set(options, RunnerOptions.FLINK, "FinishBundleBeforeCheckpointing", boolean.class, true);
    if (bounded && Long.valueOf(-1L).equals(RunnerOptions.get(options, RunnerOptions.FLINK, "ShutdownSourcesAfterIdleMs"))) {
      // With checkpointing on, Beam keeps finished sources alive forever by default (older Flink
      // could not checkpoint after a task finished), so a bounded replay would never end. Flink
      // 1.19 checkpoints finished tasks: let the sources finish.
      RunnerOptions.set(options, RunnerOptions.FLINK, "ShutdownSourcesAfterIdleMs", Long.class, 0L);
    }
    // A Ctrl-C (cancel) must leave the latest checkpoint behind for the next start; a crash leaves
    // it anyway. A bounded replay that completes discards its checkpoints: there is nothing to
    // resume.
    RunnerOptions.set(options, RunnerOptions.FLINK, "ExternalizedCheckpointsEnabled", Boolean.class, true);
    RunnerOptions.set(options, RunnerOptions.FLINK, "RetainExternalizedCheckpointsOnCancellation", Boolean.class,
        true);
    if (!local || RunnerOptions.get(options, RunnerOptions.FLINK, "SavepointPath") != null) {
      return null; // a remote store, or the user chose what to restore
    }
    Optional<Path> latest = latestFlinkCheckpoint(Path.of(directory));
    Integer before = bounded ? null : PartitionCount.swap(Path.of(directory), partitions);
    if (latest.isEmpty()) {
      return null;
    }
    if (before != null && before < partitions) {
      // An unbounded Flink job reads the partitions its source found at its first start, and a
      // restored source keeps that list: restored, it would never read the new ones.
      LOG.warn("Not resuming from {}: the topic has {} partitions, the job that checkpointed it read"
          + " {}. The job rebuilds its state from the topic instead (docs/semantics.md,"
          + " \"Partitions\").", latest.get(), partitions, before);
      return null;
    }
    String path = latest.get().toAbsolutePath().toString();
    restoreFlinkFrom(options, path);
    LOG.info("Resuming from the latest checkpoint of this query: {}", path);
    return path;
  }

  /**
   * The checkpoint interval in milliseconds, or 0 for none. An unbounded job checkpoints every
   * {@link #DEFAULT_FLINK_CHECKPOINT_MILLIS} unless {@code --checkpointingInterval=0} turns it
   * off, however it is launched: without checkpoints a lost TaskManager restarts it from nothing.
   * A bounded replay checkpoints only when asked.
   */
  private static long checkpointingInterval(PipelineOptions options, boolean bounded) {
    Long interval = (Long) RunnerOptions.get(options, RunnerOptions.FLINK, "CheckpointingInterval");
    if (interval != null && interval == 0) {
      // Flink refuses 0; Beam's "no checkpoints" is -1.
      RunnerOptions.set(options, RunnerOptions.FLINK, "CheckpointingInterval", Long.class, -1L);
      return 0;
    }
    if (interval != null && interval > 0) {
      return interval;
    }
    if (bounded) {
      return 0;
    }
    RunnerOptions.set(options, RunnerOptions.FLINK, "CheckpointingInterval", Long.class,
        DEFAULT_FLINK_CHECKPOINT_MILLIS);
    LOG.info("Checkpointing every {} s (--checkpointingInterval=0 turns it off)",
        DEFAULT_FLINK_CHECKPOINT_MILLIS / 1000);
    return DEFAULT_FLINK_CHECKPOINT_MILLIS;
  }

  /**
   * A fresh Spark checkpoint directory under {@code directory}; the earlier runs' directories are
   * removed when {@code directory} is local (they are never restored, see the class comment).
   */
  static String sparkRunDirectory(String directory) {
    String base = directory.endsWith("/") ? directory : directory + "/";
    if (!directory.contains("://")) {
      Path dir = Path.of(directory);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> runs = Files.list(dir)) {
          runs.filter(p -> p.getFileName().toString().startsWith(SPARK_RUN_PREFIX))
              .forEach(RunnerCheckpoints::deleteTree);
        } catch (IOException e) {
          LOG.warn("cannot remove the earlier Spark checkpoints in {}: {}", directory, e.toString());
        }
      }
    }
    return base + SPARK_RUN_PREFIX + System.currentTimeMillis();
  }

  static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", root, e.toString());
    }
  }

  /**
   * The most recent completed checkpoint under {@code directory}: Flink writes
   * {@code <job id>/chk-<n>/_metadata} when a checkpoint completes.
   */
  static Optional<Path> latestFlinkCheckpoint(Path directory) {
    if (!Files.isDirectory(directory)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.find(directory, 3,
        (p, a) -> a.isRegularFile()
            && p.getFileName().toString().equals(FLINK_METADATA)
            && p.getParent().getFileName().toString().startsWith("chk-"))) {
      return files
          .max(Comparator.comparingLong(RunnerCheckpoints::modified))
          .map(Path::getParent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look for checkpoints in " + directory, e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * Restores the job from {@code checkpoint}. Beam's FlinkRunner passes {@code --savepointPath}
   * only to a remote cluster; the embedded cluster reads it from the Flink configuration, so a
   * configuration directory holding just that key is given to it (unless the user has one).
   */
  private static void restoreFlinkFrom(PipelineOptions options, String checkpoint) {
    RunnerOptions.set(options, RunnerOptions.FLINK, "SavepointPath", String.class, checkpoint);
    String master = (String) RunnerOptions.get(options, RunnerOptions.FLINK, "FlinkMaster");
    boolean embedded = master == null || master.equals("[local]") || master.equals("[auto]");
    if (!embedded) {
      return;
    }
    if (RunnerOptions.get(options, RunnerOptions.FLINK, "FlinkConfDir") != null) {
      LOG.warn("--flinkConfDir is set: add {}: {} to its configuration to resume",
          FLINK_SAVEPOINT_PATH, checkpoint);
      return;
    }
    try {
      Path conf = Files.createTempDirectory("aggregator-flink-conf");
      Files.writeString(conf.resolve("flink-conf.yaml"),
          FLINK_SAVEPOINT_PATH + ": " + checkpoint + "\n");
      conf.toFile().deleteOnExit();
      conf.resolve("flink-conf.yaml").toFile().deleteOnExit();
      RunnerOptions.set(options, RunnerOptions.FLINK, "FlinkConfDir", String.class, conf.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Flink configuration to resume from " + checkpoint, e);
    }
  }
}
