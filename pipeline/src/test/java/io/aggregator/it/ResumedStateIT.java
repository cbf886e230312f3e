package io.aggregator.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.nio.file.Path;
import io.aggregator.generator.Interaction;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * Restarts whose subject is the state a runner resumes from (docs/semantics.md, "Restarts"): a
 * checkpoint must never be restored into a job it does not belong to, another deployment of the
 * same file or a topic that has grown since. Only Flink and Spark keep such state; the DirectRunner
 * re-reads the topic at every start, where these could not fail, so its stage does not run them
 * (root pom, it.runnerExcludes).
 */
public class ResumedStateIT extends RestartFixture {

  /**
   * A partition added while the job is down is read after the restart, from its first offset, and
   * nothing is counted twice (docs/semantics.md, "Partitions"). Flink and Spark do not restore a
   * checkpoint whose source knew fewer partitions (restored, it would never read the new one): they
   * rebuild from the topic, as the DirectRunner always does.
   */
  @Test
  public void partitionAddedWhileTheJobIsDownIsReadAfterTheRestart() throws Exception {
    servers.kafka.createTopic("grown", 1);
    var first = PartitionsIT.everySecond(TestData.T0, TestData.T0 + 5 * 60_000L);
    servers.send("grown", List.of(PartitionsIT.json(first)));
    List<String> args = args("grown", ShippedFilesIT.testFile("count_per_item.sql"), "grown", false);
    args.add("--jsonFieldsMap=item_id=$.item_id");
    Path firstLog = checkpoints.resolve("grown-1.log");
    Process job = ChildJob.start(args, firstLog);
    try {
      awaitDocuments("grown", PartitionsIT.countsPerItem(first));
      if (unboundedResumes()) {
        BackgroundJob.await("a completed checkpoint", 120, this::checkpointCompleted);
      }
    } finally {
      ChildJob.stop(job);
    }
    servers.kafka.addPartitions("grown", 2);
    var added = new ArrayList<Interaction>();
    for (int i = 0; i < 300; i++) {
      added.add(new Interaction(
          "u-2", "i-added-" + i % 5, "like", TestData.T0 + 5 * 60_000L + i * 1_000L));
    }
    servers.send("grown", List.of(List.of(), PartitionsIT.json(added)));
    var all = new ArrayList<>(first);
    all.addAll(added);
    String second = runUntilDocuments(args, "grown-2.log", "grown", PartitionsIT.countsPerItem(all));
    assertThat(second, not(containsString(RESUMING)));
    if (unboundedResumes()) {
      assertThat(second, containsString("Not resuming from"));
    }
  }

  /**
   * Two deployments of one SQL file, on two topics into two collections, with one checkpoint
   * directory: the second never resumes from the first one's checkpoint, whose offsets and windows
   * belong to the other topic (docs/semantics.md, "Restarts": the query id covers the deployment).
   */
  @Test
  public void twoDeploymentsOfOneFileNeverShareState() throws Exception {
    TestData staging = new TestData(29, 400, 25, 0, 0);
    TestData production = new TestData(31, 600, 25, 0, 0);
    servers.kafka.createTopic("staging", TestData.PARTITIONS);
    servers.kafka.createTopic("production", TestData.PARTITIONS);
    servers.send("staging", staging.partitions);
    servers.send("production", production.partitions);
    Path sql = ShippedFilesIT.sqlFile(FILE);
    runUntilDocuments(args("staging", sql, "staging", false), "staging.log", "staging",
        Expected.countsPer(staging.onTime, "user_id", e -> e.userId), true);
    String second = runUntilDocuments(args("production", sql, "production", false),
        "production.log", "production", Expected.countsPer(production.onTime, "user_id", e -> e.userId));
    assertThat(second, not(containsString(RESUMING)));
  }
}
