package io.aggregator.page;

import io.aggregator.events.RejectReason;
import io.aggregator.metrics.JobMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.metrics.MetricResults;

/**
 * The job's health as the page shows it, from the job's own counters and gauges (the same the
 * end line prints, docs/semantics.md "Counters"): events read and per second, rejects by reason,
 * events dropped as late, documents written, and each partition's newest event time, watermark and
 * lag behind the clock.
 */
final class JobHealth {

  private final Supplier<MetricResults> metrics;
  private final long allowLateForMillis;
  private final long startMillis = System.currentTimeMillis();
  // The rate is measured between polls at least this far apart, whoever polls.
  private static final long RATE_WINDOW_MILLIS = 2_000L;
  private long lastRead = -1;
  private long lastReadMillis;
  private double rate = Double.NaN; // unknown until two polls

  JobHealth(Supplier<MetricResults> metrics, long allowLateForMillis) {
    this.metrics = metrics;
    this.allowLateForMillis = allowLateForMillis;
  }

  /** The answer of {@code /api/health}. */
  synchronized Map<String, Object> snapshot(long nowMillis) {
    MetricResults results = metrics.get();
    Map<String, Long> c = JobMetrics.counterSums(results);
    long read = JobMetrics.messagesRead(c);
    if (lastRead < 0 || read < lastRead) { // first poll, or a job restarted for new partitions
      lastRead = read;
      lastReadMillis = nowMillis;
    } else if (nowMillis - lastReadMillis >= RATE_WINDOW_MILLIS) {
      rate = (read - lastRead) * 1000.0 / (nowMillis - lastReadMillis);
      lastRead = read;
      lastReadMillis = nowMillis;
    }
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("now", nowMillis);
    h.put("runningSeconds", (nowMillis - startMillis) / 1000);
    h.put("messagesRead", read);
    h.put("eventsPerSecond", Double.isNaN(rate) ? null : Math.round(rate));
    h.put("rejected", c.getOrDefault(JobMetrics.EVENTS_REJECTED, 0L));
    Map<String, Long> byReason = new LinkedHashMap<>();
    for (RejectReason reason : RejectReason.values()) {
      long n = c.getOrDefault(JobMetrics.rejected(reason.name()), 0L);
      if (n > 0) {
        byReason.put(reason.name(), n);
      }
    }
    h.put("rejectedByReason", byReason);
    h.put("droppedLate", JobMetrics.droppedLate(c));
    h.put("documentsWritten", c.getOrDefault(JobMetrics.DOCUMENTS_WRITTEN, 0L));
    h.put("documentsKept", c.getOrDefault(JobMetrics.DOCUMENTS_KEPT, 0L));
    h.put("rejectsWritten", c.getOrDefault(JobMetrics.REJECTS_WRITTEN, 0L));
    h.put("partitions", partitions(JobMetrics.gaugeValues(results), nowMillis));
    return h;
  }

  /** Per partition: newest event time, its watermark (minus --allowLateFor) and the lag to now. */
  private Map<String, Object> partitions(Map<String, Long> gauges, long nowMillis) {
    Map<String, Object> byPartition = new java.util.TreeMap<>(java.util.Comparator.comparingInt(Integer::parseInt));
    gauges.forEach((name, newest) -> {
      if (name.startsWith(JobMetrics.NEWEST_EVENT_TIME)) {
        long watermark = newest - allowLateForMillis;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("newestEventTime", newest);
        p.put("watermark", watermark);
        p.put("lagMillis", nowMillis - watermark);
        byPartition.put(name.substring(JobMetrics.NEWEST_EVENT_TIME.length()), p);
      }
    });
    return byPartition;
  }
}
