package io.aggregator.sql;

/** A SQL file that cannot run: the message names the file and line ({@code x.sql:12: ...}). */
public class SqlFileException extends IllegalArgumentException {

  private final String file;
  private final int line;

  public SqlFileException(String file, int line, String message) {
    super(file + (line > 0 ? ":" + line : "") + ": " + message);
    this.file = file;
    this.line = line;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }
}
