package io.aggregator.sink;

import java.io.PrintStream;
import java.util.Date;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;

/**
 * Prints each emitted row as one readable line, with the pane that produced it ({@code EARLY}
 * while a window is open, {@code ON_TIME} when it closes): the console sink for debugging, and the
 * rejects destination of the console sink (to standard error).
 */
public class PrintToConsole extends PTransform<PCollection<Row>, PDone> {

  /** What each reject's line starts with. */
  static final String REJECT_PREFIX = "[reject] ";

  private final RowToDocument toDocument;
  private final boolean toStandardError;

  public PrintToConsole(RowToDocument toDocument, boolean toStandardError) {
    this.toDocument = toDocument;
    this.toStandardError = toStandardError;
  }

  @Override
  public PDone expand(PCollection<Row> input) {
    input.apply("PrintRows", ParDo.of(new PrintRowsFn(toDocument, toStandardError)));
    return PDone.in(input.getPipeline());
  }

  static class PrintRowsFn extends DoFn<Row, Void> {
    private final RowToDocument toDocument;
    private final boolean toStandardError;

    PrintRowsFn(RowToDocument toDocument, boolean toStandardError) {
      this.toDocument = toDocument;
      this.toStandardError = toStandardError;
    }

    @ProcessElement
    public void process(@Element Row row, PaneInfo pane) {
      PrintStream out = toStandardError ? System.err : System.out;
      // A result kept in state rather than fired by a trigger (a query without a window on the
      // DirectRunner) carries no timing; like every all-time result, it is an update.
      PaneInfo.Timing timing =
          pane.getTiming() == PaneInfo.Timing.UNKNOWN ? PaneInfo.Timing.EARLY : pane.getTiming();
      String prefix = toStandardError ? REJECT_PREFIX : "[" + timing + "] ";
      out.println(prefix + format(toDocument.apply(row)));
    }
  }

  /** {@code _id=… field=value …}, dates in ISO-8601, nested documents in braces. */
  static String format(Document doc) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Object> e : doc.entrySet()) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(e.getKey()).append('=').append(value(e.getValue()));
    }
    return sb.toString();
  }

  private static String value(Object v) {
    if (v instanceof Date) {
      return ((Date) v).toInstant().toString();
    }
    if (v instanceof Document) {
      return "{" + format((Document) v) + "}";
    }
    return String.valueOf(v);
  }
}
