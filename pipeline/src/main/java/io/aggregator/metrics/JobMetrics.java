package io.aggregator.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The job's metrics in one place: every step counts under {@link #NAMESPACE} with one of these
 * names, and the launcher's report and tests read them by the same names (docs/semantics.md,
 * "Counters").
 */
public final class JobMetrics {

  public static final String NAMESPACE = "aggregator";

  /** Messages that reached the step that tells events from rejects. */
  public static final String EVENTS_READ = "events_read";
  /** Messages rejected, all reasons; per reason see {@link #rejected(String)}. */
  public static final String EVENTS_REJECTED = "events_rejected";
  /** Events dropped as late by our own read-side rule, before they reach a window. */
  public static final String EVENTS_DROPPED_LATE = "events_dropped_late";
  /**
   * Beam's own counter of elements dropped for arriving after their window closed ("Dropped…" on
   * the DirectRunner, "dropped…" elsewhere; summed under this name). Where the aggregation combines
   * before grouping, it counts partial aggregates rather than single events.
   */
  public static final String WINDOW_DROPPED_LATE = "droppedDueToLateness";

  public static final String DOCUMENTS_WRITTEN = "documents_written";
  public static final String REJECTS_WRITTEN = "rejects_written";
  /**
   * Results not written because the stored document reflects more events than they do
   * (docs/semantics.md, "Restarts"): a restart still catching up, or events gone from the topic.
   */
  public static final String DOCUMENTS_KEPT = "documents_kept";
  /** Bulk writes retried because MongoDB could not be reached or timed out. */
  public static final String MONGO_WRITE_RETRIES = "mongo_write_retries";
  /** Milliseconds spent in MongoDB bulk writes, summed over workers. */
  public static final String MONGO_WRITE_MILLIS = "mongo_write_millis";

  public static final String COMBINED_INPUTS = "combined_before_shuffle_inputs";
  public static final String COMBINED_PARTIALS = "combined_before_shuffle_partials";

  public static final String SNAPSHOTS_EVALUATED = "snapshots_evaluated";
  /** Distribution: rows of AGGREGATED in each snapshot. */
  public static final String SNAPSHOT_ROWS = "snapshot_rows";
  /** Distribution: milliseconds the second query took on each snapshot. */
  public static final String SNAPSHOT_MILLIS = "snapshot_millis";

  /**
   * Gauge prefix: the largest event time read from a partition so far, epoch milliseconds, one
   * gauge per partition ({@code newest_event_time_3}). The partition's watermark is this minus
   * {@code --allowLateFor} (docs/semantics.md, "Watermark"); the results page shows both.
   */
  public static final String NEWEST_EVENT_TIME = "newest_event_time_";

  private JobMetrics() {}

  /** The gauge {@code name} of the job's namespace. */
  public static Gauge gauge(String name) {
    return Metrics.gauge(NAMESPACE, name);
  }

  /** The counter {@code name} of the job's namespace. */
  public static Counter counter(String name) {
    return Metrics.counter(NAMESPACE, name);
  }

  /** The name of the counter of messages rejected for {@code reason}: {@code events_rejected_malformed_json}. */
  public static String rejected(String reason) {
    return EVENTS_REJECTED + "_" + reason.toLowerCase(Locale.ROOT);
  }

  /** Every counter of the job by name, summed over steps (attempted values); empty when unavailable. */
  public static Map<String, Long> counterSums(MetricResults metrics) {
    Map<String, Long> sums = new TreeMap<>();
    MetricQueryResults q = query(metrics);
    if (q == null) {
      return sums;
    }
    for (MetricResult<Long> c : q.getCounters()) {
      Long v = c.getAttempted();
      if (v != null) {
        String name = c.getName().getName();
        sums.merge(name.equalsIgnoreCase(WINDOW_DROPPED_LATE) ? WINDOW_DROPPED_LATE : name, v, Long::sum);
      }
    }
    return sums;
  }

  /** Messages read: events dropped as late at the read never reach the step that counts reads. */
  public static long messagesRead(Map<String, Long> counters) {
    return counters.getOrDefault(EVENTS_READ, 0L) + counters.getOrDefault(EVENTS_DROPPED_LATE, 0L);
  }

  /** Events dropped as late, by our read-side rule and by Beam's windows together. */
  public static long droppedLate(Map<String, Long> counters) {
    return counters.getOrDefault(EVENTS_DROPPED_LATE, 0L) + counters.getOrDefault(WINDOW_DROPPED_LATE, 0L);
  }

  /** Every gauge of the job by name, the latest value over steps (attempted); empty when unavailable. */
  public static Map<String, Long> gaugeValues(MetricResults metrics) {
    Map<String, Long> values = new TreeMap<>();
    MetricQueryResults q = query(metrics);
    if (q == null) {
      return values;
    }
    for (MetricResult<GaugeResult> g : q.getGauges()) {
      GaugeResult v = g.getAttempted();
      if (v != null && !v.equals(GaugeResult.empty())) {
        values.merge(g.getName().getName(), v.getValue(), Math::max);
      }
    }
    return values;
  }

  /** The distribution {@code name} (attempted), or null when the job has none. */
  public static @Nullable DistributionResult distribution(MetricResults metrics, String name) {
    MetricQueryResults q = query(metrics);
    if (q == null) {
      return null;
    }
    for (MetricResult<DistributionResult> d : q.getDistributions()) {
      if (d.getName().getName().equals(name)) {
        return d.getAttempted();
      }
    }
    return null;
  }

  private static @Nullable MetricQueryResults query(MetricResults metrics) {
    try {
      return metrics.queryMetrics(MetricsFilter.builder().build());
    } catch (RuntimeException e) {
      return null; // a runner that has no metrics (yet)
    }
  }
}
