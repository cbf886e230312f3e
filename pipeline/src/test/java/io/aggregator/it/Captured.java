package io.aggregator.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Standard output and error, kept while an action runs, and still shown. */
final class Captured {
  final String text;

  private Captured(String text) {
    this.text = text;
  }

  interface Action {
    void run() throws Exception;
  }

  static Captured during(Action action) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(tee(out, bytes), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(tee(err, bytes), true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Captured(bytes.toString(StandardCharsets.UTF_8));
  }

  private static OutputStream tee(PrintStream shown, ByteArrayOutputStream kept) {
    return new OutputStream() {
      @Override
      public void write(int b) {
        shown.write(b);
        synchronized (kept) {
          kept.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        shown.write(b, off, len);
        synchronized (kept) {
          kept.write(b, off, len);
        }
      }
    };
  }
}
