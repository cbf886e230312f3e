/*
 * Licensed to the Apache Software Foundation (ASF) under one
 * or more contributor license agreements.  See the NOTICE file
 * distributed with this work for additional information
 * regarding copyright ownership.  The ASF licenses this file
 * to you under the Apache License, Version 2.0 (the
 * "License"); you may not use this file except in compliance
 * with the License.  You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
// PATCHED COPY of Beam 2.62.0's class for Aggregator (docs/semantics.md, "Watermark"): Beam
// advanced one global watermark from a listener that Spark calls asynchronously after a batch
// completes, so the advance could land between two jobs of the next batch: a group-by fired a
// window by the old watermark and the group-by after it dropped that window's rows as late by the
// new one (a nested per-window file lost windows' final rows). Here each batch's watermarks are
// fixed when the batch is generated (io.aggregator.runners.BatchWatermarkViews) and every task
// looks up its own batch's (Spark's batch-time job property). The public methods keep Beam's
// signatures. Remove with a Beam version whose Spark runner gives a batch one watermark.
package org.apache.beam.runners.spark.util;

import io.aggregator.runners.BatchWatermarkViews;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.annotations.VisibleForTesting;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.streaming.api.java.JavaStreamingListener;
import org.apache.spark.streaming.api.java.JavaStreamingListenerBatchCompleted;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.Iterator;
import scala.reflect.ClassTag;

@SuppressWarnings({"nullness", "rawtypes", "unchecked"})
public class GlobalWatermarkHolder {

  private static final Logger LOG = LoggerFactory.getLogger(GlobalWatermarkHolder.class);

  /** Spark's job property naming the batch a streaming job belongs to (its JobScheduler). */
  static final String BATCH_TIME_PROPERTY = "spark.streaming.internal.batchTime";

  /** The executor id of the driver's JVM (Spark's {@code SparkContext.DRIVER_IDENTIFIER}). */
  static final String DRIVER = "driver";

  private static final BlockId WATERMARKS_BLOCK_ID = BlockId.apply("broadcast_0WATERMARKS");
  private static final ClassTag<Map> WATERMARKS_TAG =
      scala.reflect.ClassManifestFactory.fromClass(Map.class);
  /** How long an executor waits for the driver's block, rewritten at every batch. */
  private static final long BLOCK_WAIT_MILLIS = 10_000;

  /** On the driver, which local-mode executors share: every batch's watermarks. */
  private static final BatchWatermarkViews<SparkWatermarks> views =
      new BatchWatermarkViews<>(GlobalWatermarkHolder::later);

  /** The last batch looked up in this JVM and what it sees. */
  private static volatile Object[] lastLookUp = null;

  private static volatile long lastWatermarkedBatchTime = 0;

  /** Called as a batch is generated, before its jobs run: what {@code sourceId} read in it. */
  public static void add(int sourceId, SparkWatermarks sparkWatermarks) {
    synchronized (GlobalWatermarkHolder.class) {
      views.add(sourceId, sparkWatermarks.getSynchronizedProcessingTime().getMillis(), sparkWatermarks);
      writeRemoteWatermarkBlock();
    }
  }

  @VisibleForTesting
  public static void addAll(Map<Integer, Queue<SparkWatermarks>> sourceTimes) {
    for (Map.Entry<Integer, Queue<SparkWatermarks>> en : sourceTimes.entrySet()) {
      while (!en.getValue().isEmpty()) {
        add(en.getKey(), en.getValue().poll());
      }
    }
  }

  public static long getLastWatermarkedBatchTime() {
    return lastWatermarkedBatchTime;
  }

  /**
   * The watermarks of the calling task's batch. Outside a batch: on the driver, after every batch
   * read; on an executor, the newest batch's.
   */
  public static Map<Integer, SparkWatermarks> get(Long cacheInterval) {
    TaskContext task = TaskContext.get();
    String property = task == null ? null : task.getLocalProperty(BATCH_TIME_PROPERTY);
    SparkEnv env = SparkEnv.get();
    // The driver's JVM, where batches are generated: the driver itself, or local mode's tasks.
    boolean driver = env == null || DRIVER.equals(env.executorId());
    if (property == null) {
      return driver ? views.latest() : fetchRemote(null);
    }
    // A group-by asks once per key: a batch's watermarks, fixed before its jobs ran, are kept.
    long batchTime = Long.parseLong(property);
    Object[] cached = lastLookUp;
    if (cached != null && (Long) cached[0] == batchTime) {
      return (Map<Integer, SparkWatermarks>) cached[1];
    }
    Map<Integer, SparkWatermarks> seen = driver ? views.at(batchTime) : fetchRemote(batchTime);
    lastLookUp = new Object[] {batchTime, seen};
    return seen;
  }

  /** An executor's look-up in the driver's block, written before any job of the batch ran. */
  private static Map<Integer, SparkWatermarks> fetchRemote(Long batchTime) {
    BlockManager blockManager = SparkEnv.get().blockManager();
    long deadline = System.currentTimeMillis() + BLOCK_WAIT_MILLIS;
    Map<Integer, NavigableMap<Long, SparkWatermarks>> block;
    // The driver replaces the block by removing and putting it: a fetch in between finds none.
    while ((block = fetchBlock(blockManager)) == null && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(10); // polling a block another JVM writes; nothing to wait on here
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (block == null) {
      LOG.warn("No watermarks block from the driver after {} ms: batch {} sees none", BLOCK_WAIT_MILLIS, batchTime);
      return new HashMap<>();
    }
    return BatchWatermarkViews.at(block, batchTime == null ? Long.MAX_VALUE : batchTime);
  }

  private static Map<Integer, NavigableMap<Long, SparkWatermarks>> fetchBlock(BlockManager blockManager) {
    Option<BlockResult> result = blockManager.get(WATERMARKS_BLOCK_ID, WATERMARKS_TAG);
    if (!result.isDefined()) {
      return null;
    }
    Iterator<Object> data = result.get().data();
    Map<Integer, NavigableMap<Long, SparkWatermarks>> block =
        (Map<Integer, NavigableMap<Long, SparkWatermarks>>) data.next();
    while (data.hasNext()) {
      data.next(); // Spark completes a block read at the end of its iterator
    }
    return block;
  }

  private static void writeRemoteWatermarkBlock() {
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      return; // no Spark context: nothing to share
    }
    BlockManager blockManager = env.blockManager();
    blockManager.removeBlock(WATERMARKS_BLOCK_ID, true);
    blockManager.putSingle(
        WATERMARKS_BLOCK_ID, views.snapshot(), StorageLevel.MEMORY_ONLY(), true, WATERMARKS_TAG);
  }

  /** Beam's advance, which a batch's completion called: each watermark the later one. */
  private static SparkWatermarks later(SparkWatermarks before, SparkWatermarks batch) {
    return new SparkWatermarks(
        laterOf(before.getLowWatermark(), batch.getLowWatermark()),
        laterOf(before.getHighWatermark(), batch.getHighWatermark()),
        batch.getSynchronizedProcessingTime());
  }

  private static Instant laterOf(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /** Kept for Beam's callers: a batch's watermarks no longer move once it is generated. */
  public static void advance() {}

  @VisibleForTesting
  public static synchronized void clear() {
    views.clear();
    lastLookUp = null;
    lastWatermarkedBatchTime = 0;
    SparkEnv sparkEnv = SparkEnv.get();
    if (sparkEnv != null) {
      sparkEnv.blockManager().removeBlock(WATERMARKS_BLOCK_ID, true);
    }
  }

  /**
   * A {@link SparkWatermarks} holds the watermarks and batch time relevant to a micro-batch input
   * from a specific source.
   */
  public static class SparkWatermarks implements Serializable {
    private final Instant lowWatermark;
    private final Instant highWatermark;
    private final Instant synchronizedProcessingTime;

    @VisibleForTesting
    public SparkWatermarks(
        Instant lowWatermark, Instant highWatermark, Instant synchronizedProcessingTime) {
      this.lowWatermark = lowWatermark;
      this.highWatermark = highWatermark;
      this.synchronizedProcessingTime = synchronizedProcessingTime;
    }

    public Instant getLowWatermark() {
      return lowWatermark;
    }

    public Instant getHighWatermark() {
      return highWatermark;
    }

    public Instant getSynchronizedProcessingTime() {
      return synchronizedProcessingTime;
    }

    @Override
    public String toString() {
      return "SparkWatermarks{lowWatermark=" + lowWatermark + ", highWatermark=" + highWatermark
          + ", synchronizedProcessingTime=" + synchronizedProcessingTime + '}';
    }
  }

  /** Notes each completed batch: its watermarks and older ones are no longer asked for. */
  public static class WatermarkAdvancingStreamingListener extends JavaStreamingListener {
    @Override
    public void onBatchCompleted(JavaStreamingListenerBatchCompleted batchCompleted) {
      long batchTime = batchCompleted.batchInfo().batchTime().milliseconds();
      views.completed(batchTime);
      lastWatermarkedBatchTime = Math.max(lastWatermarkedBatchTime, batchTime);
      LOG.debug("Batch with timestamp: {} has completed.", batchTime);
    }
  }
}
