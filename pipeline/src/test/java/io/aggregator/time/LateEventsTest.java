package io.aggregator.time;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.joda.time.Duration;
import org.junit.Test;

/** The late-event rule both reads share, per kind of window, with a 10-minute threshold. */
public class LateEventsTest {

  private static final long MINUTE = 60_000;
  private static final Duration LAG = Duration.standardMinutes(10);

  private final LateEvents tumble =
      LateEvents.tumbling(Duration.standardMinutes(5), Duration.ZERO, LAG);
  /** HOP(ts, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE): every event is in two windows. */
  private final LateEvents hop =
      LateEvents.sliding(Duration.standardMinutes(10), Duration.standardMinutes(5), Duration.ZERO, LAG);
  private final LateEvents session = LateEvents.sessions(LAG);

  @Test
  public void tumbleLateOnceTheWatermarkReachesTheEndOfTheWindow() {
    // Largest event time 30 min: the watermark is at 20 min, so [15, 20) has closed, [20, 25) not.
    assertTrue(tumble.isLate(19 * MINUTE, 30 * MINUTE));
    assertFalse(tumble.isLate(20 * MINUTE, 30 * MINUTE));
    assertFalse(tumble.isLate(19 * MINUTE, 30 * MINUTE - 1));
  }

  @Test
  public void tumbleWithAnOffsetShiftsTheWindows() {
    LateEvents shifted = LateEvents.tumbling(Duration.standardMinutes(5), Duration.standardMinutes(2), LAG);
    assertEquals(22 * MINUTE, shifted.earliestWindowEnd(19 * MINUTE)); // window [17, 22)
    assertEquals(17 * MINUTE, shifted.earliestWindowEnd(16 * MINUTE)); // window [12, 17)
    assertEquals(22 * MINUTE, shifted.earliestWindowEnd(17 * MINUTE));
  }

  @Test
  public void hopIsLateWhenItsFirstWindowHasClosed() {
    // An event at 12 min is in [5, 15) and [10, 20).
    assertEquals(15 * MINUTE, hop.earliestWindowEnd(12 * MINUTE));
    assertEquals(15 * MINUTE, hop.earliestWindowEnd(10 * MINUTE)); // [5, 15) and [10, 20)
    assertEquals(10 * MINUTE, hop.earliestWindowEnd(9 * MINUTE)); // [0, 10) and [5, 15)
    // Watermark 15 min: [5, 15) has closed, so the event goes from both windows.
    assertTrue(hop.isLate(12 * MINUTE, 25 * MINUTE));
    assertFalse(hop.isLate(12 * MINUTE, 25 * MINUTE - 1));
  }

  @Test
  public void hopWithGapsBetweenWindows() {
    // Windows of 2 min every 5 min: [0, 2), [5, 7), ...; an event at 3 min is in none, and its
    // next window would end at 7.
    LateEvents sparse =
        LateEvents.sliding(Duration.standardMinutes(2), Duration.standardMinutes(5), Duration.ZERO, LAG);
    assertEquals(2 * MINUTE, sparse.earliestWindowEnd(1 * MINUTE));
    assertEquals(7 * MINUTE, sparse.earliestWindowEnd(3 * MINUTE));
  }

  @Test
  public void sessionEventIsLateWhenBehindTheWatermark() {
    assertTrue(session.isLate(20 * MINUTE - 1, 30 * MINUTE));
    assertFalse(session.isLate(20 * MINUTE, 30 * MINUTE));
  }

  @Test
  public void negativeEventTimesUseTheSameGrid() {
    assertEquals(0, tumble.earliestWindowEnd(-1));
    assertEquals(-5 * MINUTE, tumble.earliestWindowEnd(-5 * MINUTE - 1));
  }

  @Test
  public void nothingIsLateBeforeAnyEventWasRead() {
    // MIN_VALUE - lag would wrap around to a huge watermark.
    assertFalse(tumble.isLate(0, Long.MIN_VALUE));
    assertFalse(session.isLate(Long.MIN_VALUE / 2, Long.MIN_VALUE));
  }
}
