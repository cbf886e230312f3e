package io.aggregator.tryout;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * The results sink of a try run: every row the job would write, with its window, its pane and the
 * simulated processing time at which it fired, kept in this JVM under the run's id. The try run
 * is a DirectRunner pipeline in this process, so the rows need no coder to come back.
 *
 * <p>Why two steps: a plain DoFn sees the row's window and pane, but not the processing clock; a
 * stateful DoFn's processing-time timer reads the runner's clock ({@code
 * Timer#getCurrentRelativeTime}), the TestStream's simulated one. The pane is read before keying,
 * which would lose it.
 */
final class RecordFirings extends PTransform<PCollection<Row>, PDone> {

  /** A row as it fired; {@code at} is filled in by the second step. */
  static final class Firing {
    final long sequence;
    final BoundedWindow window;
    final PaneInfo pane;
    final Row row;
    volatile Instant at;

    Firing(long sequence, BoundedWindow window, PaneInfo pane, Row row) {
      this.sequence = sequence;
      this.window = window;
      this.pane = pane;
      this.row = row;
    }
  }

  private static final Map<String, Map<Long, Firing>> RUNS = new ConcurrentHashMap<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final String runId;

  RecordFirings(String runId) {
    this.runId = runId;
    RUNS.put(runId, new ConcurrentHashMap<>());
  }

  /** The firings of {@code runId}, once its pipeline has finished; forgets them. */
  static Map<Long, Firing> takeFirings(String runId) {
    return RUNS.remove(runId);
  }

  @Override
  public PDone expand(PCollection<Row> rows) {
    rows.apply("DescribeFirings", ParDo.of(new DescribeFiringFn(runId)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
        .apply("StampProcessingTime", ParDo.of(new StampProcessingTimeFn(runId)));
    return PDone.in(rows.getPipeline());
  }

  static final class DescribeFiringFn extends DoFn<Row, KV<String, Long>> {
    private final String runId;

    DescribeFiringFn(String runId) {
      this.runId = runId;
    }

    @ProcessElement
    public void process(@Element Row row, BoundedWindow window, PaneInfo pane,
        OutputReceiver<KV<String, Long>> out) {
      long sequence = SEQUENCE.incrementAndGet();
      RUNS.get(runId).put(sequence, new Firing(sequence, window, pane, row));
      out.output(KV.of("", sequence));
    }
  }

  static final class StampProcessingTimeFn extends DoFn<KV<String, Long>, Void> {
    private final String runId;

    @TimerId("clock")
    private final TimerSpec clock = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    StampProcessingTimeFn(String runId) {
      this.runId = runId;
    }

    @ProcessElement
    public void process(@Element KV<String, Long> firing, @TimerId("clock") Timer clock) {
      // Never set: the timer is declared only to read the runner's processing clock.
      RUNS.get(runId).get(firing.getValue()).at = clock.getCurrentRelativeTime();
    }

    @OnTimer("clock")
    public void onClock() {}
  }
}
