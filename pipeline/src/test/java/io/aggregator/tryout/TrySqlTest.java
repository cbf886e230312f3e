package io.aggregator.tryout;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * The try runner over the shipped example (sql_files/examples): when each pane fires in simulated
 * processing time, what is dropped and rejected, and the expected-documents check. The times are
 * worked out by hand from the sample's arrivals (one a second, +10s gaps) and the trigger
 * (docs/semantics.md, "Triggers"): an early pane fires one batch interval (5 s) after the first
 * event of its pane arrives; a window's on-time pane fires when the watermark passes its end.
 */
public class TrySqlTest {

  static final Path REPO = Path.of(System.getProperty("user.dir"), "..");

  static String[] example(String name, String... more) throws Exception {
    List<String> args = new ArrayList<>();
    for (String line : Files.readAllLines(REPO.resolve("sql_files/examples/" + name + ".args"))) {
      args.add(line.replace("=sql_files/", "=" + REPO.resolve("sql_files") + "/"));
    }
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  @Test
  public void panesFireAtTheirSimulatedTimesAndDropsAndRejectsAreShown() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, TrySql.run(example("interactions_per_item_5m"), new PrintStream(out, true, StandardCharsets.UTF_8)));
    String timeline = out.toString(StandardCharsets.UTF_8);
    // book/view 12:00: its first event arrives at +0 s, so its early pane fires at +5 s with both
    // views that arrived by then (+0 s, +1 s).
    assertThat(timeline, containsString("+00:05.000 fire    2024-10-28 12:00:00–12:05:00 early #0"
        + "         item_id=book interaction_type=view interaction_count=2"));
    // lamp/view 12:00: +3 s (fired at +8 s), then +14 s: a second early pane at +19 s.
    assertThat(timeline, containsString("+00:19.000 fire    2024-10-28 12:00:00–12:05:00 early #1"
        + "         item_id=lamp interaction_type=view interaction_count=2"));
    // The 12:31 event arrives at +25 s: the watermark moves to 12:21 and closes 12:00 and 12:05.
    assertThat(timeline, containsString("+00:25.000 fire    2024-10-28 12:05:00–12:10:00 on time #1 final"
        + " item_id=book interaction_type=view interaction_count=1"));
    assertThat(timeline, containsString("+00:26.000 late                                 dropped"
        + "          line 14: event at 2024-10-28 12:04:00, watermark 2024-10-28 12:21:00"));
    assertThat(timeline, containsString("+00:15.000 reject                               MALFORMED_JSON   line 12: "));
    // The end of the sample closes the last window at the last clock stop (+27 s + 3 x 5 s).
    assertThat(timeline, containsString("+00:42.000 fire    2024-10-28 12:30:00–12:35:00 on time #1 final"
        + " item_id=book interaction_type=view interaction_count=1"));
    assertThat(timeline, containsString("10 messages: 1 rejected, 2 dropped as late; 11 firings"));
  }

  @Test
  public void aDifferenceFromTheExpectedDocumentsExitsNonZeroAndNamesIt() throws Exception {
    Path expected = Files.createTempFile("expected", ".jsonl");
    Files.writeString(expected,
        "{\"_id\": \"_id\", \"avg_interactions_per_item\": 4.0}\n{\"_id\": \"other\", \"x\": 1}\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = TrySql.run(example("avg_interactions_per_item_whole", "--expected=" + expected),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
    String diff = err.toString(StandardCharsets.UTF_8);
    assertEquals(diff, 1, status);
    assertThat(diff, containsString("differs  _id .avg_interactions_per_item: expected 4, got 4.5"));
    assertThat(diff, containsString("missing  other"));
  }

  /** Every shipped file has an example, and gives the documents counted by hand for it. */
  @Test
  public void everyShippedFileGivesTheDocumentsOfItsExample() throws Exception {
    List<String> files = new ArrayList<>();
    try (var sql = Files.list(REPO.resolve("sql_files"))) {
      sql.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().forEach(files::add);
    }
    assertEquals("shipped files", 7, files.size());
    List<String> failed = new ArrayList<>();
    for (String file : files) {
      String name = file.substring(0, file.length() - ".sql".length());
      int status = TrySql.run(example(name, "--output=json"),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      if (status != 0) {
        failed.add(name + " (exit " + status + ")");
      }
    }
    assertEquals("examples whose documents differ (run scripts/try-sql @sql_files/examples/<name>.args)",
        List.of(), failed);
  }
}
