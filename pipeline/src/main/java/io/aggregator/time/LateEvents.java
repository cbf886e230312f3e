package io.aggregator.time;

import java.io.Serializable;
import org.joda.time.Duration;

/**
 * When an event read from a partition is late for good: the partition's watermark (the largest
 * event time read from it before the event, minus {@code --allowLateFor}, as
 * {@link LaggingWatermarkEstimator}) has passed the end of the event's tumbling window. Shared by
 * both ways of reading, {@link DropLateEventsFn} and {@code KafkaReplaySource}.
 */
public final class LateEvents implements Serializable {

  private final long windowMillis;
  private final long lagMillis;
  private final long floorMillis;

  /**
   * @param window the size of the query's tumbling window
   * @param lag {@code --allowLateFor}
   * @param floorMillis the event time every partition's watermark starts from (the head event of
   *     a bounded replay, see {@code source/TopicSnapshot#headEventTime}), or {@link Long#MIN_VALUE}
   */
  public LateEvents(Duration window, Duration lag, long floorMillis) {
    this.windowMillis = window.getMillis();
    this.lagMillis = lag.getMillis();
    this.floorMillis = floorMillis;
  }

  public long floorMillis() {
    return floorMillis;
  }

  /**
   * Whether the window of an event at {@code t} ends at or before {@code max - lag}, where
   * {@code max} is the largest event time read before it ({@link Long#MIN_VALUE}: none yet).
   */
  public boolean isLate(long t, long max) {
    if (max == Long.MIN_VALUE) {
      return false;
    }
    long windowEnd = Math.floorDiv(t, windowMillis) * windowMillis + windowMillis;
    return windowEnd <= max - lagMillis;
  }
}
