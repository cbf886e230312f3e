package io.aggregator.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.Serializable;
import java.util.Map;
import org.junit.Test;

/**
 * A Spark batch's watermarks (docs/semantics.md, "Watermark"): what earlier batches read, fixed
 * once the batch is generated, whatever is added or completes while its jobs run.
 */
public class BatchWatermarkViewsTest {

  record Marks(long low, long high) implements Serializable {}

  static final int SOURCE = 0;
  static final long BATCH = 1_000;

  final BatchWatermarkViews<Marks> views = new BatchWatermarkViews<>(
      (before, batch) -> new Marks(Math.max(before.low, batch.low), Math.max(before.high, batch.high)));

  @Test
  public void aBatchSeesWhatEarlierBatchesReadAndNotItsOwn() {
    views.add(SOURCE, BATCH, new Marks(0, 10));
    assertTrue("the first batch sees no watermark", views.at(BATCH).isEmpty());
    views.add(SOURCE, 2 * BATCH, new Marks(10, 25));
    views.add(SOURCE, 3 * BATCH, new Marks(25, 40));
    assertEquals(Map.of(SOURCE, new Marks(0, 10)), views.at(2 * BATCH));
    assertEquals(Map.of(SOURCE, new Marks(10, 25)), views.at(3 * BATCH));
    assertEquals(Map.of(SOURCE, new Marks(25, 40)), views.latest());
  }

  /** The race Beam's listener had: the next batch generated, the last one completed, mid-batch. */
  @Test
  public void aBatchsWatermarksStayWhileLaterBatchesAreAddedAndEarlierOnesComplete() {
    views.add(SOURCE, BATCH, new Marks(0, 10));
    views.add(SOURCE, 2 * BATCH, new Marks(10, 25));
    Map<Integer, Marks> first = views.at(2 * BATCH);
    views.add(SOURCE, 3 * BATCH, new Marks(25, 40));
    views.completed(BATCH);
    assertEquals(first, views.at(2 * BATCH));
    assertEquals(first, BatchWatermarkViews.at(views.snapshot(), 2 * BATCH));
  }

  @Test
  public void watermarksNeverMoveBack() {
    views.add(SOURCE, BATCH, new Marks(0, 30));
    views.add(SOURCE, 2 * BATCH, new Marks(5, 20)); // a reader reporting less than before
    views.add(SOURCE, 3 * BATCH, new Marks(20, 35));
    assertEquals(Map.of(SOURCE, new Marks(5, 30)), views.at(3 * BATCH));
  }

  @Test
  public void completedBatchesAreForgottenButEachSourcesNewestStays() {
    views.add(SOURCE, BATCH, new Marks(0, 10));
    views.add(SOURCE, 2 * BATCH, new Marks(10, 25));
    views.add(SOURCE, 3 * BATCH, new Marks(25, 40));
    views.completed(10 * BATCH);
    assertEquals("only the newest view is kept", 1, views.snapshot().get(SOURCE).size());
    assertEquals(Map.of(SOURCE, new Marks(10, 25)), views.at(11 * BATCH));
  }

  @Test
  public void sourcesAreSeenApart() {
    views.add(SOURCE, BATCH, new Marks(0, 10));
    views.add(SOURCE + 1, BATCH, new Marks(0, 99));
    views.add(SOURCE, 2 * BATCH, new Marks(10, 25));
    views.add(SOURCE + 1, 2 * BATCH, new Marks(99, 120));
    assertEquals(Map.of(SOURCE, new Marks(0, 10), SOURCE + 1, new Marks(0, 99)), views.at(2 * BATCH));
  }
}
