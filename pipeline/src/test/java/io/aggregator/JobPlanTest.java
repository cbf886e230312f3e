package io.aggregator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.aggregator.options.CommandLine;
import io.aggregator.options.InvalidOptionException;
import io.aggregator.options.JobSettings;
import io.aggregator.sql.SqlFile;
import io.aggregator.sql.SqlFileException;
import java.nio.file.Path;
import org.junit.Test;

/** A bad SQL file stops the job at start, naming the file and line, with the planner's words. */
public class JobPlanTest {

  static JobSettings settings(String writeMethod) {
    return JobSettings.from(CommandLine.parse(new String[] {
      "--sqlFile=x.sql", "--sink=console", "--writeMethod=" + writeMethod,
      "--jsonFieldsMap=item_id=$.item_id", "--jsonFieldsMap=interaction_type=$.interaction_type"}));
  }

  static String error(String writeMethod, String sql) {
    return assertThrows(SqlFileException.class,
        () -> JobPlan.prepare(settings(writeMethod), SqlFile.parse("x.sql", sql))).getMessage();
  }

  @Test
  public void shippedWindowedFilesPlan() {
    for (String f : new String[] {"interactions_per_item_5m.sql", "avg_interactions_per_item_5m.sql"}) {
      String path = Path.of(System.getProperty("user.dir"), "..", "sql_files", f).toString();
      JobPlan plan = JobPlan.prepare(settings("append"), SqlFile.read(path));
      assertTrue(plan.shape().windowed());
      assertEquals("/tmp/checkpoint/" + plan.queryId(), plan.checkpointDirectory());
    }
  }

  @Test
  public void twoDeploymentsOfOneFileNeverShareACheckpointDirectory() {
    SqlFile file = SqlFile.parse("x.sql", "SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id");
    String[] common = {"--sqlFile=x.sql", "--jsonFieldsMap=item_id=$.item_id", "--writeMethod=update",
      "--writerConf=database=d"};
    JobPlan staging = JobPlan.prepare(deployment(common, "--topic=staging", "--writerConf=collection=c", "--writerConf=uri=mongodb://h"), file);
    JobPlan production = JobPlan.prepare(deployment(common, "--topic=production", "--writerConf=collection=c", "--writerConf=uri=mongodb://h"), file);
    JobPlan otherCollection = JobPlan.prepare(deployment(common, "--topic=staging", "--writerConf=collection=c2", "--writerConf=uri=mongodb://h"), file);
    JobPlan otherHost = JobPlan.prepare(deployment(common, "--topic=staging", "--writerConf=collection=c",
        "--writerConf=uri=mongodb://user:secret@h2"), file);
    assertNotEquals(staging.checkpointDirectory(), production.checkpointDirectory());
    assertNotEquals(staging.checkpointDirectory(), otherCollection.checkpointDirectory());
    assertEquals("the same data behind another address", staging.queryId(), otherHost.queryId());
  }

  static final String PER_ITEM_5M =
      "SELECT item_id, TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start, COUNT(*) AS c"
          + " FROM SOURCE GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)\n-- for_each_batch\n";

  /** The retention is part of what a nested result across windows means; per window it is not. */
  @Test
  public void aggregatedRetentionCountsOnlyForSecondQueriesAcrossWindows() {
    SqlFile across = SqlFile.parse("x.sql", PER_ITEM_5M + "SELECT AVG(c) AS m FROM AGGREGATED\n-- end_for\n");
    SqlFile perWindow = SqlFile.parse("x.sql",
        PER_ITEM_5M + "SELECT window_start, AVG(c) AS m FROM AGGREGATED GROUP BY window_start\n-- end_for\n");
    String[] common = {"--sqlFile=x.sql", "--sink=console", "--jsonFieldsMap=item_id=$.item_id"};
    JobSettings sixHours = deployment(common);
    JobSettings oneDay = deployment(common, "--aggregatedRetention=1 day");
    assertNotEquals(JobPlan.prepare(sixHours, across).queryId(), JobPlan.prepare(oneDay, across).queryId());
    assertEquals(JobPlan.prepare(sixHours, perWindow).queryId(), JobPlan.prepare(oneDay, perWindow).queryId());
    // Shorter than the window plus --allowLateFor (20 minutes): open windows would leave the table.
    String refused = assertThrows(InvalidOptionException.class,
        () -> JobPlan.prepare(deployment(common, "--aggregatedRetention=20 minutes"), across)).getMessage();
    assertThat(refused, containsString("--aggregatedRetention"));
    assertThat(refused, containsString("x.sql"));
  }

  static JobSettings deployment(String[] common, String... more) {
    String[] args = java.util.Arrays.copyOf(common, common.length + more.length);
    System.arraycopy(more, 0, args, common.length, more.length);
    return JobSettings.from(CommandLine.parse(args));
  }

  @Test
  public void plannerErrorsNameFileAndLine() {
    assertEquals("x.sql:2: From line 2, column 3 to line 2, column 8: Column 'itemid' not found in any table",
        error("update", "SELECT item_id,\n  itemid AS x, COUNT(*) AS c\nFROM SOURCE GROUP BY item_id"));
    assertThat(error("update", "SELECT item_id, COUNT(*) AS c FROM SOURCE\nGROUP BY item_id\nHAVING"),
        startsWith("x.sql:3: "));
    assertThat(error("update", "SELECT item_id, COUNT(*) AS c FROM OTHER GROUP BY item_id"), containsString("OTHER"));
  }

  @Test
  public void appendWithoutWindowIsRefused() {
    assertThat(error("append", "SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id"),
        containsString("--writeMethod=append needs a query with a window"));
  }

  @Test
  public void nestedQueryErrorsNameTheFileLine() {
    assertEquals("x.sql:4: From line 4, column 9 to line 4, column 10: Column 'cc' not found in any table",
        error("update", "SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id\n-- for_each_batch\n"
            + "SELECT '_id' AS _id,\n    AVG(cc) AS a FROM AGGREGATED\n-- end_for"));
  }

  @Test
  public void shippedNestedFilesPlanAndWriteTheSecondQuerysRows() {
    for (String f : new String[] {"avg_interactions_per_item_whole.sql", "max_min_per_item.sql"}) {
      String path = Path.of(System.getProperty("user.dir"), "..", "sql_files", f).toString();
      JobPlan plan = JobPlan.prepare(settings("complete"), SqlFile.read(path));
      assertTrue(plan.outputShape().hasIdColumn());
      assertEquals("item_id", plan.shape().keyColumns().get(0));
    }
  }

  @Test
  public void wholeQueriesPlanForUpdateAndComplete() {
    JobPlan.prepare(settings("update"), SqlFile.parse("x.sql",
        "SELECT item_id, COUNT(*) AS c, COUNT_DISTINCT(interaction_type) AS t FROM SOURCE GROUP BY item_id"));
    JobPlan.prepare(settings("complete"), SqlFile.parse("x.sql",
        "SELECT '_id' AS _id, CAST(COUNT(*) AS DOUBLE) / COUNT_DISTINCT(item_id) AS avg_per_item FROM SOURCE"));
  }
}
