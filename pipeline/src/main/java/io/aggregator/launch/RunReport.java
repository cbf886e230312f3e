package io.aggregator.launch;

import io.aggregator.Aggregator;
import io.aggregator.events.RejectReason;
import io.aggregator.metrics.JobMetrics;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The lines the launcher prints about a job: progress while it runs, the counters when it ends,
 * and which error a failure shows. Pure formatting over counter sums ({@link
 * JobMetrics#counterSums}), so each line is unit-tested on its own.
 */
final class RunReport {

  private RunReport() {}

  static String progressLine(long read, long total, double rate, long written) {
    if (total > 0) {
      return String.format(
          Locale.ROOT,
          "progress: %5.1f%% (%d of %d messages), %.0f events/s, %d documents written",
          100.0 * read / total, read, total, rate, written);
    }
    return String.format(
        Locale.ROOT,
        "progress: %d messages read, %.0f events/s, %d documents written", read, rate, written);
  }

  /** The line that ends a run: how it ended and every counter a user asks about. */
  static String endLine(PipelineResult.State state, double seconds, Map<String, Long> counters) {
    long read = JobMetrics.messagesRead(counters);
    return String.format(
        Locale.ROOT,
        "aggregator: %s after %.1f s: %d messages read (%.0f/s), %d rejected%s, %d dropped as late,"
            + " %d documents written%s, %d rejects written%s",
        state,
        seconds,
        read,
        read / Math.max(seconds, 1e-3),
        counters.getOrDefault(JobMetrics.EVENTS_REJECTED, 0L),
        rejectsByReason(counters),
        JobMetrics.droppedLate(counters),
        counters.getOrDefault(JobMetrics.DOCUMENTS_WRITTEN, 0L),
        kept(counters),
        counters.getOrDefault(JobMetrics.REJECTS_WRITTEN, 0L),
        mongoFigures(counters));
  }

  /**
   * {@code " (12 kept: their documents reflect more events)"}, or empty: results not written over
   * a document that reflects more events (docs/semantics.md, "Never backwards").
   */
  static String kept(Map<String, Long> counters) {
    long kept = counters.getOrDefault(JobMetrics.DOCUMENTS_KEPT, 0L);
    return kept == 0 ? "" : " (" + kept + " kept: their documents reflect more events)";
  }

  /** {@code ", MongoDB writes took 1.2 s, 3 retried"}: time in bulk writes (all workers), retries. */
  static String mongoFigures(Map<String, Long> counters) {
    long millis = counters.getOrDefault(JobMetrics.MONGO_WRITE_MILLIS, 0L);
    long retries = counters.getOrDefault(JobMetrics.MONGO_WRITE_RETRIES, 0L);
    if (millis == 0 && retries == 0) {
      return "";
    }
    return String.format(Locale.ROOT, ", MongoDB writes took %.1f s%s", millis / 1000.0,
        retries > 0 ? ", " + retries + " retried" : "");
  }

  /** {@code " (MALFORMED_JSON 3, BAD_TIMESTAMP 1)"}, or empty when nothing was rejected. */
  static String rejectsByReason(Map<String, Long> counters) {
    StringBuilder sb = new StringBuilder();
    for (RejectReason reason : RejectReason.values()) {
      long n = counters.getOrDefault(JobMetrics.rejected(reason.name()), 0L);
      if (n > 0) {
        sb.append(sb.length() == 0 ? " (" : ", ").append(reason.name()).append(' ').append(n);
      }
    }
    return sb.length() == 0 ? "" : sb.append(')').toString();
  }

  /** For a file with a for_each_batch query: how many snapshots, how large, how long; else null. */
  static @Nullable String snapshotLine(MetricResults metrics) {
    DistributionResult rows = JobMetrics.distribution(metrics, JobMetrics.SNAPSHOT_ROWS);
    DistributionResult millis = JobMetrics.distribution(metrics, JobMetrics.SNAPSHOT_MILLIS);
    if (rows == null || millis == null || rows.getCount() == 0) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "aggregator: %d snapshots of AGGREGATED evaluated, up to %d rows each; second query %.0f ms"
            + " on average, %d ms at most",
        rows.getCount(), rows.getMax(), millis.getMean(), millis.getMax());
  }

  /**
   * The message to show for a failed job: the first error raised by Aggregator's own code (it names
   * the server or option at fault and includes its cause), else the root cause.
   */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (true) {
      StackTraceElement[] trace = t.getStackTrace();
      if (trace.length > 0 && trace[0].getClassName().startsWith("io.aggregator.")) {
        return t.getMessage();
      }
      if (t.getCause() == null || t.getCause() == t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      t = t.getCause();
    }
  }
}
