package io.aggregator.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How many partitions the topic had when an unbounded job last started with this checkpoint
 * directory, kept in a file beside the checkpoints: a Flink checkpoint of the classic Kafka source
 * holds the partition list of the job's first start, so a job must not restore one taken before
 * partitions were added (docs/semantics.md, "Partitions").
 */
final class PartitionCount {

  static final String FILE = "partitions";

  private PartitionCount() {}

  /**
   * Records {@code now} and returns what the previous start recorded, or null when none did. Once
   * a job has started on more partitions, its checkpoints hold them all, so the file only grows.
   */
  static @Nullable Integer swap(Path directory, int now) {
    Path file = directory.resolve(FILE);
    Integer before = null;
    try {
      if (Files.exists(file)) {
        before = Integer.valueOf(Files.readString(file, StandardCharsets.UTF_8).trim());
      }
      Files.createDirectories(directory);
      Files.writeString(file, Integer.toString(now), StandardCharsets.UTF_8);
    } catch (IOException | NumberFormatException e) {
      throw new UncheckedIOException(
          "cannot keep the partition count in " + file + ": " + e.getMessage(),
          e instanceof IOException ? (IOException) e : new IOException(e));
    }
    return before;
  }
}
