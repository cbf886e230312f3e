package io.aggregator.sql;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An aggregation SQL file (README, "SQL files"): the main query over table {@code SOURCE} and, between the
 * lines {@code -- for_each_batch} and {@code -- end_for}, an optional second query over table
 * {@code AGGREGATED}.
 *
 * <p>Comments are blanked to spaces rather than removed, and each query keeps the lines before it
 * as empty lines, so a position in a planner message is a position in the file.
 */
public final class SqlFile {

  public static final String SOURCE_TABLE = "SOURCE";
  public static final String AGGREGATED_TABLE = "AGGREGATED";
  public static final String FOR_EACH_BATCH = "for_each_batch";
  public static final String END_FOR = "end_for";

  private final String name;
  private final String text;
  private final String mainQuery;
  private final @Nullable String nestedQuery;
  private final int nestedLine;

  private SqlFile(
      String name, String text, String mainQuery, @Nullable String nestedQuery, int nestedLine) {
    this.name = name;
    this.text = text;
    this.mainQuery = mainQuery;
    this.nestedQuery = nestedQuery;
    this.nestedLine = nestedLine;
  }

  /** Reads and parses the file at {@code path}. */
  public static SqlFile read(String path) {
    try {
      return parse(path, Files.readString(Path.of(path), StandardCharsets.UTF_8));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new SqlFileException(path, 0, "no such file (--sqlFile)");
    } catch (IOException e) {
      throw new SqlFileException(path, 0, "cannot read the file (--sqlFile): " + e.getMessage());
    }
  }

  /** Parses {@code text}; {@code name} is the file name used in messages. */
  public static SqlFile parse(String name, String text) {
    String blanked = blankComments(name, text);
    String[] originalLines = text.split("\n", -1);
    String[] lines = blanked.split("\n", -1);
    int begin = -1;
    int end = -1;
    for (int i = 0; i < originalLines.length; i++) {
      String marker = marker(originalLines[i]);
      if (FOR_EACH_BATCH.equals(marker)) {
        if (begin >= 0) {
          throw new SqlFileException(name, i + 1, "a second '-- for_each_batch' block");
        }
        begin = i;
      } else if (END_FOR.equals(marker)) {
        if (begin < 0 || end >= 0) {
          throw new SqlFileException(name, i + 1, "'-- end_for' without '-- for_each_batch'");
        }
        end = i;
      }
    }
    if (begin >= 0 && end < 0) {
      throw new SqlFileException(name, begin + 1, "'-- for_each_batch' without '-- end_for'");
    }
    String main;
    String nested = null;
    if (begin < 0) {
      main = statement(name, lines, 0, lines.length);
    } else {
      main = statement(name, lines, 0, begin);
      nested = statement(name, lines, begin + 1, end);
      String after = join(lines, end + 1, lines.length).strip();
      if (!after.isEmpty()) {
        throw new SqlFileException(
            name, firstContentLine(lines, end + 1), "SQL after '-- end_for' is not allowed");
      }
    }
    return new SqlFile(name, text, main, nested, begin + 2);
  }

  /** The marker word of a line {@code -- word}, or null. */
  private static @Nullable String marker(String line) {
    String t = line.strip();
    if (!t.startsWith("--")) {
      return null;
    }
    String word = t.substring(2).strip();
    return word.equalsIgnoreCase(FOR_EACH_BATCH) || word.equalsIgnoreCase(END_FOR)
        ? word.toLowerCase(java.util.Locale.ROOT)
        : null;
  }

  /**
   * The statement in lines [from, to), earlier lines kept as blank lines; one trailing semicolon
   * allowed, a second statement refused.
   */
  private static String statement(String name, String[] lines, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < from; i++) {
      sb.append('\n');
    }
    String body = join(lines, from, to);
    int lastContent = body.length() - 1;
    while (lastContent >= 0 && Character.isWhitespace(body.charAt(lastContent))) {
      lastContent--;
    }
    if (lastContent < 0) {
      throw new SqlFileException(
          name, from + 1, from == 0 ? "the file holds no query" : "the block holds no query");
    }
    if (body.charAt(lastContent) == ';') {
      body = body.substring(0, lastContent);
    }
    int semi = unquotedSemicolon(body);
    if (semi >= 0) {
      int line = from + 1 + (int) body.substring(0, semi).chars().filter(c -> c == '\n').count();
      throw new SqlFileException(
          name, line, "one query per file (or per block): remove the ';' and what follows it");
    }
    return sb.append(body).toString();
  }

  private static int unquotedSemicolon(String s) {
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == ';') {
        return i;
      }
    }
    return -1;
  }

  /** {@code text} with every {@code --} and {@code /* *\/} comment replaced by spaces. */
  static String blankComments(String name, String text) {
    StringBuilder sb = new StringBuilder(text);
    char quote = 0;
    int i = 0;
    while (i < sb.length()) {
      char c = sb.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
        i++;
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        i++;
      } else if (c == '-' && i + 1 < sb.length() && sb.charAt(i + 1) == '-') {
        while (i < sb.length() && sb.charAt(i) != '\n') {
          sb.setCharAt(i++, ' ');
        }
      } else if (c == '/' && i + 1 < sb.length() && sb.charAt(i + 1) == '*') {
        int close = sb.indexOf("*/", i + 2);
        if (close < 0) {
          int line = 1 + (int) text.substring(0, i).chars().filter(ch -> ch == '\n').count();
          throw new SqlFileException(name, line, "unclosed /* comment");
        }
        for (int k = i; k < close + 2; k++) {
          if (sb.charAt(k) != '\n') {
            sb.setCharAt(k, ' ');
          }
        }
        i = close + 2;
      } else {
        i++;
      }
    }
    return sb.toString();
  }

  private static String join(String[] lines, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append('\n');
      }
      sb.append(lines[i]);
    }
    return sb.toString();
  }

  private static int firstContentLine(String[] lines, int from) {
    for (int i = from; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        return i + 1;
      }
    }
    return from + 1;
  }

  /** The file name, as given. */
  public String name() {
    return name;
  }

  /** The file's text, exactly as read (it goes into the query id). */
  public String text() {
    return text;
  }

  /** The main query over {@code SOURCE}, comments blanked, positions as in the file. */
  public String mainQuery() {
    return mainQuery;
  }

  /** The query over {@code AGGREGATED}, or null when the file has no for_each_batch block. */
  public @Nullable String nestedQuery() {
    return nestedQuery;
  }

  public boolean hasNestedQuery() {
    return nestedQuery != null;
  }

  /** The file line of the first line of the nested block. */
  public int nestedLine() {
    return nestedLine;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SqlFile && ((SqlFile) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text);
  }
}
