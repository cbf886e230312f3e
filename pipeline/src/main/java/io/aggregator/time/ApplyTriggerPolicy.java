package io.aggregator.time;

import io.aggregator.options.WriteMethod;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * Sets when results are emitted (docs/semantics.md, "Triggers and write methods"), on the input of the SQL query: Beam SQL replaces only
 * the window function of its input (TUMBLE, HOP, SESSION in GROUP BY) and keeps the trigger,
 * accumulation mode and allowed lateness set here.
 *
 * <p><b>Lateness.</b> The late-data threshold lives in the watermark, which lags the largest event
 * time seen by {@code --allowLateFor} (see {@link LateEvents}). Allowed lateness is
 * therefore zero: a window closes exactly when the watermark passes its end, which is PySpark's
 * {@code withWatermark}, and an event for a closed window is dropped. For tumbling windows the
 * source already drops such events as it reads them, per partition ({@link LateEvents}),
 * because the watermark reaches this step behind the events read with it; Beam's own dropping
 * ({@code droppedDueToLateness}) remains for HOP and SESSION windows. Zero lateness also means no late panes at all, which sidesteps
 * the Spark runner's bug of emitting extra ON_TIME panes with zero counts after the real one
 * while a window with allowed lateness waits to expire.
 *
 * <p><b>Windowed queries.</b>
 *
 * <ul>
 *   <li>{@code update} and {@code complete}: an early pane every {@code --batchInterval} of
 *       processing time while a window receives events, then the on-time pane when the watermark
 *       passes its end. Panes accumulate, so each pane is the window's full current value and the
 *       upsert of the latest pane is the window's result. Both methods write the groups that
 *       changed: for MongoDB upserts, rewriting unchanged groups would change nothing.
 *   <li>{@code append}: the on-time pane only, once per window, when it closes.
 * </ul>
 *
 * <p><b>Queries without a window</b> ("whole"): the global window never closes, so nothing is ever
 * late; every {@code --batchInterval} the groups that changed are emitted, accumulating. A bounded
 * replay emits the final values when the input ends. {@code append} has no meaning here and is
 * refused at start ({@link #checkSupported}).
 */
public class ApplyTriggerPolicy extends PTransform<PCollection<Row>, PCollection<Row>> {

  private final WriteMethod writeMethod;
  private final boolean windowed;
  private final Duration batchInterval;

  public ApplyTriggerPolicy(WriteMethod writeMethod, boolean windowed, Duration batchInterval) {
    checkSupported(writeMethod, windowed);
    this.writeMethod = writeMethod;
    this.windowed = windowed;
    this.batchInterval = batchInterval;
  }

  /** Refuses {@code append} for a query without a window: its result never becomes final. */
  public static void checkSupported(WriteMethod writeMethod, boolean windowed) {
    if (writeMethod == WriteMethod.APPEND && !windowed) {
      throw new IllegalArgumentException(
          "--writeMethod=append needs a query with a window (TUMBLE, HOP or SESSION in GROUP BY):"
              + " an aggregation over all time never closes, so append would write nothing. Use"
              + " update or complete.");
    }
  }

  /** The trigger of this policy (for tests and logs). */
  public Trigger trigger() {
    Trigger.OnceTrigger everyBatch =
        AfterProcessingTime.pastFirstElementInPane().plusDelayOf(batchInterval);
    if (!windowed) {
      return Repeatedly.forever(everyBatch);
    }
    if (writeMethod == WriteMethod.APPEND) {
      return AfterWatermark.pastEndOfWindow();
    }
    return AfterWatermark.pastEndOfWindow().withEarlyFirings(everyBatch);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Window<Row> window =
        windowed
            // The SQL's TUMBLE/HOP/SESSION replaces the window function; only the rest counts.
            ? Window.<Row>configure()
            : Window.<Row>into(new GlobalWindows());
    window = window.triggering(trigger()).withAllowedLateness(Duration.ZERO);
    window =
        writeMethod == WriteMethod.APPEND && windowed
            ? window.discardingFiredPanes() // one pane per window: nothing to accumulate
            : window.accumulatingFiredPanes();
    return input.apply("SetTriggerPolicy", window);
  }
}
