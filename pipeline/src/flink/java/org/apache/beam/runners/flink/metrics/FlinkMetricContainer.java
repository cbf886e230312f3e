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
// PATCHED COPY of Beam 2.62.0's class for Aggregator (docs/semantics.md, "Counters"): Beam put a
// task's metrics into its accumulator only when the task closed, so a running Flink job had no
// counters to read (apache/beam#10415), and a job cancelled or restarted had none of the work
// before. The change: the container joins a live accumulator of its task when it is made
// (LiveMetricsAccumulator below), which Flink sends to the JobManager with every heartbeat, so
// JobClient#getAccumulators answers while the job runs; registerMetricsForPipelineResult() then
// has nothing left to add. Everything else is Beam's code unchanged. Remove with a Beam version
// whose FlinkRunner reports metrics while a job runs.
package org.apache.beam.runners.flink.metrics;

import java.io.ObjectStreamException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.SimpleAccumulator;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helper class for holding a {@link MetricsContainerImpl} and forwarding Beam metrics to Flink
 * accumulators and metrics.
 *
 * <p>Using accumulators can be turned off because it is memory and network intensive. The
 * accumulator results are only meaningful in batch applications or testing streaming applications
 * which have a defined end. They are not essential during execution because metrics will also be
 * reported using the configured metrics reporter.
 */
public class FlinkMetricContainer extends FlinkMetricContainerBase {
  public static final String ACCUMULATOR_NAME = "__metricscontainers";
  private static final Logger LOG = LoggerFactory.getLogger(FlinkMetricContainer.class);

  private final RuntimeContext runtimeContext;
  // PATCHED: whether this container's metrics are in its task's live accumulator.
  private final boolean live;

  public FlinkMetricContainer(RuntimeContext runtimeContext) {
    super(runtimeContext.getMetricGroup());
    this.runtimeContext = runtimeContext;
    this.live = joinLiveAccumulator();
  }

  // PATCHED: the task's chained operators share one accumulator of this name; each adds its own
  // container to it.
  private boolean joinLiveAccumulator() {
    Accumulator<MetricsContainerStepMap, MetricsContainerStepMap> accumulator =
        runtimeContext.getAccumulator(ACCUMULATOR_NAME);
    if (accumulator == null) {
      accumulator = new LiveMetricsAccumulator();
      try {
        runtimeContext.addAccumulator(ACCUMULATOR_NAME, accumulator);
      } catch (UnsupportedOperationException e) {
        return false; // Not supported in all environments, e.g. tests
      }
    }
    if (accumulator instanceof LiveMetricsAccumulator) {
      ((LiveMetricsAccumulator) accumulator).join(metricsContainers);
      return true;
    }
    return false;
  }

  /**
   * This should be called at the end of the Flink job and sets up an accumulator to push the
   * metrics to the PipelineResult. This should not be called beforehand, to avoid the overhead
   * which accumulators cause at runtime.
   */
  public void registerMetricsForPipelineResult() {
    if (live) {
      return; // PATCHED: already in the live accumulator
    }
    Accumulator<MetricsContainerStepMap, MetricsContainerStepMap> metricsAccumulator =
        runtimeContext.getAccumulator(ACCUMULATOR_NAME);
    if (metricsAccumulator == null) {
      metricsAccumulator = new MetricsAccumulator();
      try {
        runtimeContext.addAccumulator(ACCUMULATOR_NAME, metricsAccumulator);
      } catch (UnsupportedOperationException e) {
        // Not supported in all environments, e.g. tests
      } catch (Exception e) {
        LOG.error("Failed to create metrics accumulator.", e);
      }
    }
    metricsAccumulator.add(metricsContainers);
  }

  /**
   * PATCHED (new): the accumulator of one task whose value is, whenever Flink asks (a heartbeat, the
   * task's end), the sum of its operators' containers as they are. It travels as a plain {@link
   * MetricsAccumulator} of that sum, so the JobManager and the job's result see Beam's own class.
   */
  static final class LiveMetricsAccumulator implements SimpleAccumulator<MetricsContainerStepMap> {

    private final transient List<MetricsContainerStepMap> containers = new CopyOnWriteArrayList<>();

    void join(MetricsContainerStepMap container) {
      containers.add(container);
    }

    @Override
    public void add(MetricsContainerStepMap value) {
      throw new UnsupportedOperationException("a live accumulator adds containers, not values");
    }

    @Override
    public MetricsContainerStepMap getLocalValue() {
      MetricsContainerStepMap sum = new MetricsContainerStepMap();
      for (MetricsContainerStepMap container : containers) {
        sum.updateAll(container);
      }
      return sum;
    }

    @Override
    public void resetLocal() {
      containers.clear();
    }

    @Override
    public void merge(Accumulator<MetricsContainerStepMap, MetricsContainerStepMap> other) {
      throw new UnsupportedOperationException("merged as the MetricsAccumulator it travels as");
    }

    @Override
    public Accumulator<MetricsContainerStepMap, MetricsContainerStepMap> clone() {
      MetricsAccumulator copy = new MetricsAccumulator();
      copy.add(getLocalValue());
      return copy;
    }

    private Object writeReplace() throws ObjectStreamException {
      return clone();
    }
  }
}
