package io.aggregator.launch;

import io.aggregator.options.InvalidOptionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The local checkpoint directories are private (README, "Security"). A checkpoint holds a job's
 * state and, on Spark, the job itself; the default base directory is under the shared {@code
 * /tmp}. So each directory this job creates is readable by its owner only, and one owned by
 * another user is refused rather than restored: whoever owns it could have written what the
 * job would resume from.
 */
final class PrivateCheckpoints {

  private PrivateCheckpoints() {}

  /**
   * Makes sure {@code base} and {@code base/queryDirectory} exist and belong to {@code user};
   * remote file systems ({@code hdfs://}, {@code s3://}) are left to their own permissions.
   *
   * @throws InvalidOptionException naming {@code --checkpointDir} for a directory of another user
   */
  static void prepare(String base, String queryDirectory, String user) {
    if (base.contains("://")) {
      return;
    }
    Path dir = Path.of(base).toAbsolutePath();
    for (Path p : new Path[] {dir, Path.of(queryDirectory).toAbsolutePath()}) {
      try {
        if (Files.exists(p)) {
          String owner = Files.getOwner(p).getName();
          if (!owner.equals(user)) {
            throw new InvalidOptionException("--checkpointDir",
                "a directory of the user running the job (" + user + ")",
                p + " owned by " + owner + "; it is not restored");
          }
        } else {
          Files.createDirectories(p);
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
      } catch (UnsupportedOperationException e) {
        return; // no POSIX owners here (Windows): nothing to check
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare the checkpoint directory " + p, e);
      }
    }
  }

  /** {@link #prepare(String, String, String)} for the user of this process. */
  static void prepare(String base, String queryDirectory) {
    prepare(base, queryDirectory, System.getProperty("user.name"));
  }
}
