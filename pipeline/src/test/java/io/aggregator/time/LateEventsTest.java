package io.aggregator.time;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.joda.time.Duration;
import org.junit.Test;

/** The late-event rule both reads share: 5-minute windows, a 10-minute threshold. */
public class LateEventsTest {

  private static final long MINUTE = 60_000;
  private final LateEvents rule =
      new LateEvents(Duration.standardMinutes(5), Duration.standardMinutes(10), Long.MIN_VALUE);

  @Test
  public void lateOnceTheWatermarkReachesTheEndOfTheWindow() {
    // Largest event time 30 min: the watermark is at 20 min, so [15, 20) has closed, [20, 25) not.
    assertTrue(rule.isLate(19 * MINUTE, 30 * MINUTE));
    assertFalse(rule.isLate(20 * MINUTE, 30 * MINUTE));
    assertFalse(rule.isLate(19 * MINUTE, 30 * MINUTE - 1));
  }

  @Test
  public void nothingIsLateBeforeAnyEventWasRead() {
    // MIN_VALUE - lag would wrap around to a huge watermark.
    assertFalse(rule.isLate(0, Long.MIN_VALUE));
    assertFalse(rule.isLate(Long.MIN_VALUE / 2, Long.MIN_VALUE));
  }
}
