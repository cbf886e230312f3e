package io.aggregator.time;

import org.apache.beam.sdk.transforms.splittabledofn.TimestampObservingWatermarkEstimator;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The watermark of one Kafka partition in a replay read by the splittable read (Flink; unbounded
 * jobs use {@link EventTimePolicyFactory}): the largest event time seen in it, minus the late-data
 * threshold ({@code --allowLateFor}). This is PySpark's {@code withWatermark}, kept per partition:
 * Beam holds the read's output watermark at the minimum over partitions, so a partition read ahead
 * of another never makes the other's on-time events late (docs/semantics.md, "Watermark").
 *
 * <p>It is pure event time: no processing-time component, so replaying old data closes windows
 * exactly as live data did. An idle partition therefore holds the watermark where it is.
 *
 * <p>The state kept across checkpoints is the largest event time seen.
 */
public final class LaggingWatermarkEstimator implements TimestampObservingWatermarkEstimator<Instant> {

  private final Duration lag;
  private Instant maxEventTime;

  public LaggingWatermarkEstimator(Instant initialMaxEventTime, Duration lag) {
    this.maxEventTime = initialMaxEventTime;
    this.lag = lag;
  }

  @Override
  public void observeTimestamp(Instant timestamp) {
    // Rejects carry the minimum timestamp and so never move the watermark.
    if (timestamp.isAfter(maxEventTime)) {
      maxEventTime = timestamp;
    }
  }

  @Override
  public Instant currentWatermark() {
    if (!maxEventTime.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE.plus(lag))) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
    Instant w = maxEventTime.minus(lag);
    return w.isAfter(BoundedWindow.TIMESTAMP_MAX_VALUE) ? BoundedWindow.TIMESTAMP_MAX_VALUE : w;
  }

  @Override
  public Instant getState() {
    return maxEventTime;
  }

}
