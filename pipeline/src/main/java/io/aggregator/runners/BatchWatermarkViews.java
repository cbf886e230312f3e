package io.aggregator.runners;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * The watermarks each micro-batch of a Spark streaming job sees, fixed when the batch is generated
 * (docs/semantics.md, "Watermark"). Beam's Spark runner advances one global value when a batch
 * completes, from a listener that Spark calls asynchronously: the advance landed while the next
 * batch's jobs ran, so one group-by of a batch fired a window by the old value while the next
 * group-by dropped that window's rows as late by the new one (a nested per-window file lost a
 * window's final rows, UnboundedNestedIT). Here a batch sees what every earlier batch read, and
 * nothing else, whichever of its jobs asks and whenever: the value Beam's listener means to give it.
 *
 * <p>Generic in the watermark type {@code W} so that this runs without Spark on the classpath; the
 * patched {@code GlobalWatermarkHolder} of the Spark build (pipeline/src/spark) is its one user.
 *
 * @param <W> one source's watermarks
 */
public final class BatchWatermarkViews<W extends Serializable> {

  /** Per source: batch time to the watermarks a batch of that time sees. */
  private final Map<Integer, TreeMap<Long, W>> views = new HashMap<>();
  /** Per source: the watermarks after every batch read so far. */
  private final Map<Integer, W> read = new HashMap<>();
  private final BinaryOperator<W> advance;

  /** @param advance the watermarks after a batch: (before it, the batch's own) to the later of each */
  public BatchWatermarkViews(BinaryOperator<W> advance) {
    this.advance = advance;
  }

  /**
   * Records what {@code source} read in the batch of {@code batchTime} (called as the batch is
   * generated, before any of its jobs runs): that batch sees the source's watermarks before it.
   */
  public synchronized void add(int source, long batchTime, W batch) {
    W before = read.get(source);
    if (before != null) {
      views.computeIfAbsent(source, s -> new TreeMap<>()).put(batchTime, before);
    }
    read.put(source, before == null ? batch : advance.apply(before, batch));
  }

  /** What a batch of {@code batchTime} sees, per source (none before a source's second batch). */
  public synchronized Map<Integer, W> at(long batchTime) {
    return at(views, batchTime);
  }

  /** What every batch read so far, per source: for a caller outside any batch. */
  public synchronized Map<Integer, W> latest() {
    return new HashMap<>(read);
  }

  /** Forgets the views of batches before {@code batchTime}, which has completed. */
  public synchronized void completed(long batchTime) {
    // The newest view of each source stays: a source that skips a batch has it seen by the next.
    views.values().forEach(v -> v.headMap(Math.min(batchTime, v.lastKey())).clear());
  }

  /** Forgets every batch: a new streaming context in the same JVM starts from none. */
  public synchronized void clear() {
    views.clear();
    read.clear();
  }

  /** A copy to hand to Spark's executors, which look a batch up with {@link #at(Map, long)}. */
  public synchronized HashMap<Integer, TreeMap<Long, W>> snapshot() {
    HashMap<Integer, TreeMap<Long, W>> copy = new HashMap<>();
    views.forEach((source, v) -> copy.put(source, new TreeMap<>(v)));
    return copy;
  }

  /** What a batch of {@code batchTime} sees in {@code snapshot}: each source's latest view by then. */
  public static <W> Map<Integer, W> at(Map<Integer, ? extends NavigableMap<Long, W>> snapshot,
      long batchTime) {
    Map<Integer, W> seen = new HashMap<>();
    snapshot.forEach(
        (source, v) -> {
          Map.Entry<Long, W> view = v.floorEntry(batchTime);
          if (view != null) {
            seen.put(source, view.getValue());
          }
        });
    return seen;
  }
}
