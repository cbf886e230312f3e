package io.aggregator;

import static org.junit.Assert.assertEquals;

import io.aggregator.source.ReadKafkaEvents;
import io.aggregator.source.RejectReason;
import java.util.Map;
import org.junit.Test;

/** The launcher's report lines: rejects by reason, and which error a failure line shows. */
public class RunningJobTest {

  @Test
  public void rejectsAreListedByReasonInTheEnumsOrder() {
    Map<String, Long> counters = Map.of(
        ReadKafkaEvents.EVENTS_REJECTED, 4L,
        ReadKafkaEvents.rejectedCounter(RejectReason.BAD_TIMESTAMP), 1L,
        ReadKafkaEvents.rejectedCounter(RejectReason.MALFORMED_JSON), 3L);
    assertEquals(" (MALFORMED_JSON 3, BAD_TIMESTAMP 1)", RunningJob.rejectsByReason(counters));
    assertEquals("", RunningJob.rejectsByReason(Map.of()));
  }

  @Test
  public void aFailureShowsOurOwnErrorRatherThanTheDriversRootCause() {
    Exception driver = raisedIn("com.mongodb.Driver", new java.io.IOException("Connection refused"));
    Exception ours = new IllegalStateException("MongoDB at h could not be written", driver);
    Exception runner = raisedIn("org.apache.flink.Task",
        new RuntimeException("job failed", raisedIn("org.apache.flink.Task",
            new RuntimeException("task failed", ours))));
    assertEquals("MongoDB at h could not be written", RunningJob.rootMessage(runner));
    assertEquals("IOException: Connection refused",
        RunningJob.rootMessage(raisedIn("org.apache.beam.Runner", new RuntimeException("wrapper", driver))));
  }

  /** {@code e} as if thrown by {@code className} (the failure line looks at where it was raised). */
  private static <T extends Exception> T raisedIn(String className, T e) {
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement(className, "run", "X.java", 1)});
    return e;
  }
}
