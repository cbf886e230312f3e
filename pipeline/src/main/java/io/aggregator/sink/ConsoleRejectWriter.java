package io.aggregator.sink;

import io.aggregator.events.RejectWriter;
import org.apache.beam.sdk.values.Row;

/** Prints rejects to standard error from inside the step that finds them, as {@link PrintToConsole} does. */
final class ConsoleRejectWriter implements RejectWriter {

  @Override
  public Session open() {
    RejectDocuments documents = new RejectDocuments();
    return new Session() {
      @Override
      public void write(Row reject) {
        System.err.println(PrintToConsole.REJECT_PREFIX + PrintToConsole.format(documents.apply(reject)));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }
}
