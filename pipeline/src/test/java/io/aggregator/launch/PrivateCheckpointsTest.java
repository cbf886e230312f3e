package io.aggregator.launch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.aggregator.options.InvalidOptionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Test;

/** Checkpoint directories are private and never another user's (README, "Security"). */
public class PrivateCheckpointsTest {

  @Test
  public void directoriesTheJobCreatesAreItsOwnersOnly() throws Exception {
    Path base = Files.createTempDirectory("private-checkpoints").resolve("checkpoint");
    PrivateCheckpoints.prepare(base.toString(), base.resolve("abc123").toString());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));
    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("abc123"))));
  }

  @Test
  public void aDirectoryOfAnotherUserIsRefusedNamingTheOption() throws Exception {
    Path base = Files.createTempDirectory("private-checkpoints");
    String owner = Files.getOwner(base).getName();
    InvalidOptionException e = assertThrows(InvalidOptionException.class,
        () -> PrivateCheckpoints.prepare(base.toString(), base.resolve("q").toString(), "someone-else"));
    assertThat(e.getMessage(), containsString("--checkpointDir"));
    assertThat(e.getMessage(), containsString(base + " owned by " + owner + "; it is not restored"));
  }
}
