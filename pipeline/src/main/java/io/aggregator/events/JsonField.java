package io.aggregator.events;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One column of table {@code SOURCE}: {@code alias[:TYPE]=$.json.path}. The path is compiled once
 * into steps (object keys and array indices): {@code $.a.b}, {@code $.a[0].b}, {@code $['odd key']}.
 */
public final class JsonField implements Serializable {

  /** The event-time column; always present (docs/semantics.md, "Event time"). */
  public static final String TIMESTAMP = "timestamp";

  private static final Pattern ENTRY =
      Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*(?::\\s*([A-Za-z]+)\\s*)?=\\s*(\\S.*?)\\s*");

  private final String alias;
  private final FieldType type;
  private final String path;
  private final List<Object> steps; // String for a key, Integer for an array index

  private JsonField(String alias, FieldType type, String path, List<Object> steps) {
    this.alias = alias;
    this.type = type;
    this.path = path;
    this.steps = Collections.unmodifiableList(steps);
  }

  public static JsonField of(String alias, FieldType type, String path) {
    return new JsonField(alias, type, path, compile(path));
  }

  /**
   * Parses one {@code alias:TYPE=$.path} entry.
   *
   * @throws IllegalArgumentException when it is malformed, its message saying what was expected
   */
  public static JsonField parse(String entry) {
    String expected = "alias=$.json.path or alias:TYPE=$.json.path (TYPE one of STRING, BIGINT,"
        + " INTEGER, DOUBLE, BOOLEAN, TIMESTAMP)";
    Matcher m = ENTRY.matcher(entry);
    if (!m.matches()) {
      throw new IllegalArgumentException(expected);
    }
    FieldType type;
    try {
      type = m.group(2) == null ? FieldType.STRING : FieldType.named(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(expected);
    }
    String alias = m.group(1);
    if (alias.equals(TIMESTAMP) && m.group(2) == null) {
      type = FieldType.TIMESTAMP;
    }
    if (alias.equals(TIMESTAMP) && type != FieldType.TIMESTAMP) {
      throw new IllegalArgumentException("'timestamp' to be the event time, of type TIMESTAMP");
    }
    try {
      return of(alias, type, m.group(3));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a JSON path such as $.a.b or $.a[0] (" + e.getMessage() + ")");
    }
  }

  static List<Object> compile(String path) {
    if (!path.startsWith("$")) {
      throw new IllegalArgumentException("a path starts with $");
    }
    List<Object> steps = new ArrayList<>();
    int i = 1;
    int n = path.length();
    while (i < n) {
      char c = path.charAt(i);
      if (c == '.') {
        int j = i + 1;
        while (j < n && path.charAt(j) != '.' && path.charAt(j) != '[') {
          j++;
        }
        if (j == i + 1) {
          throw new IllegalArgumentException("empty key at position " + i);
        }
        steps.add(path.substring(i + 1, j));
        i = j;
      } else if (c == '[') {
        int close = path.indexOf(']', i);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed [ at position " + i);
        }
        String inside = path.substring(i + 1, close).trim();
        if (inside.length() >= 2
            && (inside.charAt(0) == '\'' || inside.charAt(0) == '"')
            && inside.charAt(inside.length() - 1) == inside.charAt(0)) {
          steps.add(inside.substring(1, inside.length() - 1));
        } else {
          try {
            int index = Integer.parseInt(inside);
            if (index < 0) {
              throw new NumberFormatException();
            }
            steps.add(index);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad index [" + inside + "]");
          }
        }
        i = close + 1;
      } else {
        throw new IllegalArgumentException("unexpected '" + c + "' at position " + i);
      }
    }
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("the path names no field");
    }
    return steps;
  }

  public String alias() {
    return alias;
  }

  public FieldType type() {
    return type;
  }

  public String path() {
    return path;
  }

  List<Object> steps() {
    return steps;
  }

  /** The canonical form, {@code alias:TYPE=path}, used in the query id. */
  @Override
  public String toString() {
    return alias + ":" + type + "=" + path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonField && o.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
