package io.aggregator.options;

/** A bad option or value: the job stops before it starts, with this one-line message. */
public class InvalidOptionException extends IllegalArgumentException {

  public InvalidOptionException(String option, String expected, String got) {
    super(
        "Invalid value for "
            + option
            + ": expected "
            + expected
            + (got == null ? "" : ", got '" + Secrets.mask(got) + "'"));
  }

  public InvalidOptionException(String message) {
    super(message);
  }
}
