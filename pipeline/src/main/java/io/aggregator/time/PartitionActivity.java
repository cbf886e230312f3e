package io.aggregator.time;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a worker knows across the readers of one job: when each partition last delivered a message
 * (processing time), and each partition's largest event time. Kept per JVM
 * because KafkaIO creates a new timestamp policy each time it resumes a partition's read, and a
 * policy alone would forget when the partition last had a message (docs/semantics.md,
 * "Watermark", idle partitions).
 *
 * <p>Keyed by a job key chosen when the pipeline is built, so that jobs sharing a JVM (tests, a
 * Flink session cluster's TaskManager) never see each other's partitions.
 */
final class PartitionActivity {

  private static final Map<String, PartitionActivity> JOBS = new ConcurrentHashMap<>();

  private final Map<String, AtomicLong> lastMessageMillis = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> partitionMax = new ConcurrentHashMap<>();

  static PartitionActivity of(String jobKey) {
    return JOBS.computeIfAbsent(jobKey, k -> new PartitionActivity());
  }

  /**
   * The cell holding when {@code partition} last delivered a message, for its reader to set at
   * every message without a map look-up; a partition not seen yet in this JVM counts from now.
   */
  AtomicLong lastMessageCell(String partition, long nowMillis) {
    return lastMessageMillis.computeIfAbsent(partition, p -> new AtomicLong(nowMillis));
  }

  /**
   * The cell holding the largest event time (idle raise included) of {@code partition}, which its
   * current reader sets. Set, not raised: a reader restored from a checkpoint, after a failed
   * attempt that read further, must not be measured against what that attempt read.
   */
  AtomicLong partitionMaxCell(String partition) {
    return partitionMax.computeIfAbsent(partition, p -> new AtomicLong(Long.MIN_VALUE));
  }

  /**
   * The largest event time of the job's partitions in this JVM that delivered a message less than
   * {@code idleMillis} before {@code nowMillis}, or {@link Long#MIN_VALUE} when none did: quiet
   * partitions follow the active ones only, so that when every partition is quiet (a broker
   * outage, a topic without traffic) nothing moves.
   */
  long activeMaxEventTime(long nowMillis, long idleMillis) {
    long max = Long.MIN_VALUE;
    for (Map.Entry<String, AtomicLong> m : partitionMax.entrySet()) {
      AtomicLong last = lastMessageMillis.get(m.getKey());
      if (last != null && nowMillis - last.get() < idleMillis) {
        max = Math.max(max, m.getValue().get());
      }
    }
    return max;
  }
}
