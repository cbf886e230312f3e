package io.aggregator.launch;

import static org.junit.Assert.assertEquals;

import io.aggregator.events.RejectReason;
import io.aggregator.metrics.JobMetrics;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.junit.Test;

/** The launcher's report lines: progress, the end of a run, and which error a failure line shows. */
public class RunReportTest {

  @Test
  public void rejectsAreListedByReasonInTheEnumsOrder() {
    Map<String, Long> counters = Map.of(
        JobMetrics.EVENTS_REJECTED, 4L,
        JobMetrics.rejected(RejectReason.BAD_TIMESTAMP.name()), 1L,
        JobMetrics.rejected(RejectReason.MALFORMED_JSON.name()), 3L);
    assertEquals(" (MALFORMED_JSON 3, BAD_TIMESTAMP 1)", RunReport.rejectsByReason(counters));
    assertEquals("", RunReport.rejectsByReason(Map.of()));
  }

  @Test
  public void theEndLineCountsEventsDroppedAtTheReadAsReadAndAddsBothLateDrops() {
    Map<String, Long> counters = Map.of(
        JobMetrics.EVENTS_READ, 90L,
        JobMetrics.EVENTS_DROPPED_LATE, 10L,
        JobMetrics.WINDOW_DROPPED_LATE, 2L,
        JobMetrics.EVENTS_REJECTED, 1L,
        JobMetrics.rejected(RejectReason.MALFORMED_JSON.name()), 1L,
        JobMetrics.DOCUMENTS_WRITTEN, 7L,
        JobMetrics.REJECTS_WRITTEN, 1L,
        JobMetrics.MONGO_WRITE_MILLIS, 1500L,
        JobMetrics.MONGO_WRITE_RETRIES, 3L);
    assertEquals(
        "aggregator: DONE after 2.0 s: 100 messages read (50/s), 1 rejected (MALFORMED_JSON 1),"
            + " 12 dropped as late, 7 documents written, 1 rejects written,"
            + " MongoDB writes took 1.5 s, 3 retried",
        RunReport.endLine(PipelineResult.State.DONE, 2.0, counters));
  }

  @Test
  public void documentsKeptAreNamedOnlyWhenThereAreAny() {
    assertEquals(" (4 kept: their documents reflect more events)",
        RunReport.kept(Map.of(JobMetrics.DOCUMENTS_KEPT, 4L)));
    assertEquals("", RunReport.kept(Map.of()));
  }

  @Test
  public void progressShowsTheShareOfABoundedReplayAndOnlyTheCountOtherwise() {
    assertEquals("progress:  25.0% (25 of 100 messages), 5 events/s, 3 documents written",
        RunReport.progressLine(25, 100, 5.2, 3));
    assertEquals("progress: 25 messages read, 5 events/s, 3 documents written",
        RunReport.progressLine(25, -1, 5.2, 3));
  }

  @Test
  public void aFailureShowsOurOwnErrorRatherThanTheDriversRootCause() {
    Exception driver = raisedIn("com.mongodb.Driver", new java.io.IOException("Connection refused"));
    Exception ours = new IllegalStateException("MongoDB at h could not be written", driver);
    Exception runner = raisedIn("org.apache.flink.Task",
        new RuntimeException("job failed", raisedIn("org.apache.flink.Task",
            new RuntimeException("task failed", ours))));
    assertEquals("MongoDB at h could not be written", RunReport.rootMessage(runner));
    assertEquals("IOException: Connection refused",
        RunReport.rootMessage(raisedIn("org.apache.beam.Runner", new RuntimeException("wrapper", driver))));
  }

  /** {@code e} as if thrown by {@code className} (the failure line looks at where it was raised). */
  private static <T extends Exception> T raisedIn(String className, T e) {
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement(className, "run", "X.java", 1)});
    return e;
  }
}
