package io.aggregator.time;

import java.io.Serializable;
import org.joda.time.Duration;

/**
 * When an event read from a partition is late for good, for each kind of window
 * (docs/semantics.md, "Lateness"). The partition's watermark is the largest event time read from
 * it before the event, minus {@code --allowLateFor} (as every read's watermark); the
 * event is late when that watermark has passed the end of the <em>earliest</em> window it
 * belongs to:
 *
 * <ul>
 *   <li>TUMBLE: its one window;
 *   <li>HOP: the first of its overlapping windows. A late event is dropped from all of them, so
 *       that no runner counts it in some windows and not in others;
 *   <li>SESSION: its own instant (the event time is behind the watermark). An event on or after
 *       the watermark can never merge into a session that has already closed, and one behind it
 *       could, which one runner would then emit as a second session and another not.
 * </ul>
 *
 * <p>Why this rule is the same on every runner: the watermark that reaches the aggregation is at
 * most the minimum over partitions of their watermarks, which is at most this partition's, so an
 * event this rule keeps is never late for Beam either, and every window it joins is still open.
 * Shared by every way of reading: the replays' {@code PartitionReplay} and the unbounded jobs'
 * {@link EventTimePolicyFactory}.
 */
public final class LateEvents implements Serializable {

  /** Window size, or 0 for sessions (the event's own instant). */
  private final long sizeMillis;
  /** Distance between window starts: the size for TUMBLE, the slide for HOP. */
  private final long slideMillis;
  private final long offsetMillis;
  private final long lagMillis;
  private final long floorMillis;

  private LateEvents(long size, long slide, long offset, long lag, long floor) {
    this.sizeMillis = size;
    this.slideMillis = slide;
    this.offsetMillis = offset;
    this.lagMillis = lag;
    this.floorMillis = floor;
  }

  /** TUMBLE(ts, size[, offset]): windows of {@code size}, one every {@code size}. */
  public static LateEvents tumbling(Duration size, Duration offset, Duration lag) {
    return sliding(size, size, offset, lag);
  }

  /** HOP(ts, slide, size[, offset]): windows of {@code size}, one every {@code slide}. */
  public static LateEvents sliding(Duration size, Duration slide, Duration offset, Duration lag) {
    if (size.getMillis() <= 0 || slide.getMillis() <= 0) {
      throw new IllegalArgumentException("window size and slide must be positive");
    }
    return new LateEvents(
        size.getMillis(), slide.getMillis(), offset.getMillis(), lag.getMillis(), Long.MIN_VALUE);
  }

  /** SESSION(ts, gap): whatever the gap, an event is late when it is behind the watermark. */
  public static LateEvents sessions(Duration lag) {
    return new LateEvents(0, 0, 0, lag.getMillis(), Long.MIN_VALUE);
  }

  /**
   * The same rule with every partition's watermark starting from {@code floorMillis} (the head
   * event of a bounded replay, see {@code source/TopicSnapshot#headEventTime}).
   */
  public LateEvents startingAt(long floorMillis) {
    return new LateEvents(sizeMillis, slideMillis, offsetMillis, lagMillis, floorMillis);
  }

  /** The event time every partition's watermark starts from, or {@link Long#MIN_VALUE}. */
  public long floorMillis() {
    return floorMillis;
  }

  /**
   * Whether an event at {@code t} is late when {@code max} is the largest event time read from
   * its partition before it ({@link Long#MIN_VALUE}: none yet).
   */
  public boolean isLate(long t, long max) {
    if (max == Long.MIN_VALUE) {
      return false; // MIN_VALUE - lag would wrap around to a huge watermark
    }
    return earliestWindowEnd(t) <= max - lagMillis;
  }

  /** The exclusive end of the first window an event at {@code t} belongs to. */
  long earliestWindowEnd(long t) {
    if (sizeMillis == 0) {
      return t + 1;
    }
    // Window starts lie on offset + k * slide; the first one holding t is the first after t - size.
    long after = t - sizeMillis + 1 - offsetMillis;
    long firstStart = offsetMillis - Math.floorDiv(-after, slideMillis) * slideMillis;
    return firstStart + sizeMillis;
  }
}
