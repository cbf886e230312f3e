package io.aggregator.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.aggregator.generator.Interaction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Restarts (docs/semantics.md, "Restarts") on this build's runner. A job killed mid-stream ({@code kill -9} of its
 * process) and started again must end with exactly the documents of a run that never crashed; a
 * restart with the same SQL must not count anything twice; a changed SQL file must backfill from
 * the start with no manual step.
 *
 * <p>What each runner claims, and these tests check: Flink resumes from the latest checkpoint in
 * {@code <checkpointDir>/<query id>}, its counters with it, so the second run reads only what came
 * after the checkpoint and still ends counting every message once; the DirectRunner keeps no state,
 * so the second run re-reads the whole topic and rebuilds every window.
 */
public class RestartsIT extends RestartFixture {

  @Test
  public void killedMidStreamAndStartedAgainEndsWithTheDocumentsOfARunThatNeverCrashed()
      throws Exception {
    // Large enough on Flink that the kill lands mid-replay; the DirectRunner reads far slower.
    TestData data = new TestData(11, onFlink() ? 60_000 : 10_000, 25, 200, 40);
    servers.kafka.createTopic("crash", TestData.PARTITIONS);
    servers.send("crash", data.partitions);
    List<String> args = args("crash", ShippedFilesIT.sqlFile(FILE), "per_user", true);

    Path firstLog = checkpoints.resolve("first.log");
    Process first = ChildJob.start(args, firstLog);
    try {
      BackgroundJob.await("documents written", 180, () -> documentCount("per_user") > 0);
      if (onFlink()) {
        // A checkpoint taken after documents were written holds offsets past the start.
        long written = System.currentTimeMillis();
        BackgroundJob.await("a checkpoint after the first documents", 120,
            () -> checkpointCompletedAfter(written));
      }
      assertTrue("the job must still be running when it is killed:\n"
          + tail(Files.readString(firstLog)), first.isAlive());
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no cancel, no final flush
      first.waitFor(30, TimeUnit.SECONDS);
    }

    Path secondLog = checkpoints.resolve("second.log");
    Process second = ChildJob.start(args, secondLog);
    assertTrue("the second run ends", second.waitFor(300, TimeUnit.SECONDS));
    String output = Files.readString(secondLog);
    assertEquals("exit status of the second run:\n" + tail(output), 0, second.exitValue());

    Documents.assertSame(
        Expected.countsPer(data.onTime, "user_id", e -> e.userId),
        Documents.read(servers.client, DATABASE, "per_user"));
    // Resumed on Flink (a re-read into the restored windows would have doubled the documents
    // above), re-read on the DirectRunner; either way the end line counts every message once:
    // Flink's counters come back with the checkpoint and go on from there (docs/semantics.md,
    // "Counters").
    assertEquals(output, onFlink(), output.contains(RESUMING));
    assertEquals("messages read", data.totalMessages(), messagesRead(output));
    assertEquals("rejected", data.malformed, endLineCount(output, "rejected"));
    assertEquals("dropped as late", data.late.size(), endLineCount(output, "dropped as late"));
  }

  /**
   * An unbounded job stopped (as by Ctrl-C) and started again with the same SQL after more events
   * arrived counts every event once; the same query with a changed SQL text is a new query id and
   * backfills the whole topic into its collection.
   */
  @Test
  public void sameSqlResumesWithoutCountingTwiceAndChangedSqlBackfills() throws Exception {
    // The DirectRunner reads about 1,000 events/s and this test reads the topic three times; what
    // it shows (each event counted once after a resume, a backfill under a new query id) does not
    // depend on the size, so the DirectRunner and Spark, which re-read, get fewer events.
    TestData data = new TestData(13, onFlink() ? 20_000 : 2_000, 25, 200, 40);
    long total = data.totalMessages();
    servers.kafka.createTopic("resume", TestData.PARTITIONS);
    servers.send("resume", data.firstHalf());
    Path sql = ShippedFilesIT.sqlFile(FILE);

    // Progress is awaited in the documents: those of the first half's events, then those of every
    // event.
    var expectedFirst = Expected.countsPer(data.onTimeIn(data.firstHalf()), "user_id", e -> e.userId);
    var expected = Expected.countsPer(data.onTime, "user_id", e -> e.userId);
    // Stopped with SIGTERM, as Ctrl-C: the launcher cancels the job.
    String first = runUntilDocuments(args("resume", sql, "per_user", false), "resume-1.log",
        "per_user", expectedFirst, true);
    assertThat(first, not(containsString(RESUMING)));

    servers.send("resume", data.secondHalf());
    // Exact documents after a resume: the restored windows plus the events after the checkpoint,
    // none counted twice (a re-read from the start over restored windows would double them).
    String second = runUntilDocuments(args("resume", sql, "per_user", false), "resume-2.log",
        "per_user", expected);
    assertEquals("resumed from a checkpoint:\n" + tail(second), unboundedResumes(), second.contains(RESUMING));
    if (!unboundedResumes()) {
      assertEquals("the DirectRunner re-reads the topic", total, messagesRead(second));
    } else if (onFlink()) {
      // Resumed: the documents above are exact, so the second run did not read the topic again
      // into the restored windows (that doubled every count); its counters went on from the
      // checkpoint's, so its end line counts each message of both runs once.
      assertEquals("messages read over both runs", total, messagesRead(second));
    } else {
      // Spark restores its counters with the job, so its end line counts both runs: printed for
      // the record.
      System.out.printf("resume: the topic holds %d messages; end lines: %s (first run), %s (second)%n",
          total, endLine(first), endLine(second));
    }

    // A changed SQL text (a comment suffices) is another query: a new consumer group and
    // checkpoint directory, so the whole topic is read again into the new collection.
    Path changed = checkpoints.resolve("changed.sql");
    Files.writeString(changed, Files.readString(sql, StandardCharsets.UTF_8)
        + "\n-- changed: a new query id\n", StandardCharsets.UTF_8);
    String third = runUntilDocuments(args("resume", changed, "per_user_v2", false), "resume-3.log",
        "per_user_v2", expected);
    assertThat("a new query id has no checkpoint", third, not(containsString(RESUMING)));
    if (!onFlink()) {
      assertEquals("a backfill reads the whole topic", total, messagesRead(third));
    }
  }

  /**
   * Two unbounded jobs one after the other in one process, the first over events two hours ahead
   * of the second's: the second keeps every window. On Spark it started with the first one's
   * watermark (Beam keeps it in a static holder that only its test runner clears) and dropped
   * every window as late, unseen and uncounted (runners/RunnerSupport).
   */
  @Test
  public void aSecondJobInTheSameProcessStartsFromItsOwnWatermark() throws Exception {
    var ahead = new ArrayList<Interaction>();
    for (int i = 0; i < 600; i++) {
      ahead.add(new Interaction("u-" + i % 9, "i-1", "click", TestData.T0 + 2 * 3_600_000L + i * 2_000L));
    }
    servers.kafka.createTopic("ahead", 1);
    servers.send("ahead", List.of(PartitionsIT.json(ahead)));
    try (BackgroundJob first = BackgroundJob.start(args("ahead", ShippedFilesIT.sqlFile(FILE), "ahead", false))) {
      awaitDocuments("ahead", Expected.countsPer(ahead, "user_id", e -> e.userId));
    }
    TestData data = new TestData(19, 4_000, 25, 0, 0);
    servers.kafka.createTopic("behind", TestData.PARTITIONS);
    servers.send("behind", data.firstHalf());
    servers.send("behind", data.secondHalf());
    try (BackgroundJob second = BackgroundJob.start(args("behind", ShippedFilesIT.sqlFile(FILE), "behind", false))) {
      awaitDocuments("behind", Expected.countsPer(data.onTime, "user_id", e -> e.userId));
    }
  }

  /**
   * Killed ({@code kill -9}) again and again while events arrive, with checkpoints every 200 ms on
   * Flink: each start resumes from the latest checkpoint of the one before, and the documents end
   * exact. This is the stress test of a checkpoint's consistency (docs/semantics.md, "Restarts":
   * why a job that checkpoints runs without fasterCopy). On the DirectRunner, which re-reads the
   * topic, and on Spark one kill shows the same.
   */
  @Test
  public void killedTenTimesUnderLoadEndsWithExactDocuments() throws Exception {
    int kills = onFlink() ? 10 : 1;
    TestData data = new TestData(23, onFlink() ? 150_000 : 1_500, 25, 100, 20);
    servers.kafka.createTopic("kills", TestData.PARTITIONS);
    List<String> args = args("kills", ShippedFilesIT.sqlFile(FILE), "kills", false);
    args.replaceAll(a -> a.startsWith("--checkpointingInterval=") ? "--checkpointingInterval=200" : a);
    // The events arrive all along, about a tenth per kill cycle.
    Thread producer = new Thread(() -> {
      try {
        int slices = 40;
        for (int i = 0; i < slices; i++) {
          List<List<byte[]>> slice = new ArrayList<>();
          for (List<byte[]> partition : data.partitions) {
            slice.add(partition.subList(partition.size() * i / slices, partition.size() * (i + 1) / slices));
          }
          servers.send("kills", slice);
          Thread.sleep(onFlink() ? 2_500 : 1_000); // the pace of arrivals, not synchronisation
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "kills-producer");
    producer.start();
    int resumed = 0;
    for (int i = 1; i <= kills; i++) {
      long started = System.currentTimeMillis();
      Path log = checkpoints.resolve("kills-" + i + ".log");
      Process job = ChildJob.start(args, log);
      try {
        if (onFlink()) {
          BackgroundJob.await("a checkpoint of run " + i, 120, () -> checkpointCompletedAfter(started));
        } else {
          BackgroundJob.await("documents of run " + i, 120, () -> documentCount("kills") > 0);
        }
        assertTrue("run " + i + " must still be running when it is killed:\n"
            + tail(Files.readString(log)), job.isAlive());
      } finally {
        job.destroyForcibly(); // SIGKILL, mid-stream, while events arrive
        job.waitFor(30, TimeUnit.SECONDS);
      }
      resumed += Files.readString(log).contains(RESUMING) ? 1 : 0;
    }
    producer.join();
    String last = runUntilDocuments(args, "kills-last.log", "kills",
        Expected.countsPer(data.onTime, "user_id", e -> e.userId));
    if (onFlink()) {
      assertEquals("every start after the first resumed", kills - 1, resumed);
      assertThat(last, containsString(RESUMING));
    }
  }
}
