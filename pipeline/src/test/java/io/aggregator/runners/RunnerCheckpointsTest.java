package io.aggregator.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Finding the checkpoint a restarted query resumes from, in the layout Flink writes. */
public class RunnerCheckpointsTest {

  @Rule public TemporaryFolder folder = new TemporaryFolder();

  private Path checkpoint(Path query, String job, int n, boolean completed, long modifiedMillis)
      throws Exception {
    Path dir = Files.createDirectories(query.resolve(job).resolve("chk-" + n));
    if (completed) {
      Path metadata = Files.writeString(dir.resolve(RunnerCheckpoints.FLINK_METADATA), "x");
      Files.setLastModifiedTime(metadata, FileTime.fromMillis(modifiedMillis));
    }
    return dir;
  }

  @Test
  public void theNewestCompletedCheckpointOfAnyEarlierJobWins() throws Exception {
    Path query = folder.newFolder("q1").toPath();
    checkpoint(query, "job-a", 7, true, 1_000);
    Path newest = checkpoint(query, "job-b", 2, true, 5_000);
    checkpoint(query, "job-b", 3, false, 0); // in progress when the process died: no _metadata
    Files.createDirectories(query.resolve("job-b").resolve("shared"));
    assertEquals(Optional.of(newest), RunnerCheckpoints.latestFlinkCheckpoint(query));
  }

  @Test
  public void nothingToResumeFromWithoutACompletedCheckpoint() throws Exception {
    Path query = folder.newFolder("q2").toPath();
    checkpoint(query, "job-a", 1, false, 0);
    assertTrue(RunnerCheckpoints.latestFlinkCheckpoint(query).isEmpty());
    assertTrue(RunnerCheckpoints.latestFlinkCheckpoint(query.resolve("missing")).isEmpty());
  }

  @Test
  public void eachSparkRunCheckpointsAfreshAndEarlierRunsAreRemoved() throws Exception {
    Path query = folder.newFolder("q3").toPath();
    Path earlier = Files.createDirectories(query.resolve(RunnerCheckpoints.SPARK_RUN_PREFIX + "1"));
    Files.writeString(earlier.resolve("metadata"), "x");
    Path other = Files.writeString(query.resolve("notes.txt"), "kept");

    Path run = Path.of(RunnerCheckpoints.sparkRunDirectory(query.toString()));

    assertEquals(query, run.getParent());
    assertTrue(run.getFileName().toString().startsWith(RunnerCheckpoints.SPARK_RUN_PREFIX));
    assertFalse("an earlier run is never restored: removed", Files.exists(earlier));
    assertTrue(Files.exists(other));
  }
}
