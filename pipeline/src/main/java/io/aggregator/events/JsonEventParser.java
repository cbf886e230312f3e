package io.aggregator.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Maps one JSON message to a {@link Row} of table {@code SOURCE} in a single streaming pass: the
 * paths of all columns are compiled once into a trie, the parser walks the document once, reads
 * the values the trie names and skips every other subtree without building it.
 *
 * <p>Values are converted to the declared type; a number given as a string converts (as a SQL cast
 * would), a value that does not fit rejects the message. A missing value or JSON null is SQL
 * NULL, except for the event time, whose absence rejects the message.
 */
public final class JsonEventParser implements Serializable {

  /** Messages larger than this are rejected before parsing (docs/semantics.md, "Bad input"). */
  public static final int MAX_MESSAGE_BYTES = 1 << 20;

  /**
   * Jackson refuses numbers over 1,000 digits by default, which would report a valid message as
   * malformed JSON. Such a number is a value that does not fit its type, so let it through to the
   * type check (the message size limit still bounds it).
   */
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNumberLength(MAX_MESSAGE_BYTES).build())
          .build();

  private final List<JsonField> fields;
  private final Schema schema;
  private final int timestampSlot;
  private final long maxAheadMillis;
  private transient Node root;

  /** A parser that accepts any event time Beam can represent (tests, tools). */
  public JsonEventParser(List<JsonField> fields) {
    this(fields, Long.MAX_VALUE);
  }

  /**
   * @param maxAheadMillis how far ahead of the processing clock an event time may be
   *     ({@code --maxEventTimeSkew}); later ones are rejects (docs/semantics.md, "Event time")
   */
  public JsonEventParser(List<JsonField> fields, long maxAheadMillis) {
    this.maxAheadMillis = maxAheadMillis;
    this.fields = List.copyOf(fields);
    Schema.Builder b = Schema.builder();
    int ts = -1;
    for (int i = 0; i < fields.size(); i++) {
      JsonField f = fields.get(i);
      b.addNullableField(f.alias(), f.type().beamType());
      if (f.alias().equals(JsonField.TIMESTAMP)) {
        ts = i;
      }
    }
    if (ts < 0) {
      throw new IllegalArgumentException("the fields have no 'timestamp' column");
    }
    this.schema = b.build();
    this.timestampSlot = ts;
    this.root = compile(this.fields);
  }

  /**
   * Checks that {@code fields} can be read from one message: no path may lie inside another's
   * value. Throws {@link IllegalArgumentException} naming the two fields.
   */
  public static void checkPaths(List<JsonField> fields) {
    compile(fields);
  }

  /** The schema of table {@code SOURCE}. */
  public Schema schema() {
    return schema;
  }

  /** Parses {@code message}; never throws: a message that cannot become a row is a reject. */
  public ParsedEvent parse(byte[] message) {
    if (message == null || message.length == 0) {
      return ParsedEvent.reject(RejectReason.EMPTY_MESSAGE, "empty message", message);
    }
    if (message.length > MAX_MESSAGE_BYTES) {
      return ParsedEvent.reject(
          RejectReason.TOO_LARGE,
          message.length + " bytes, over the limit of " + MAX_MESSAGE_BYTES,
          Arrays.copyOf(message, 1024));
    }
    int illFormed = Utf8.firstIllFormed(message);
    if (illFormed >= 0) {
      // JSON text is UTF-8 (RFC 8259): a message that is not is not JSON.
      return ParsedEvent.reject(RejectReason.MALFORMED_JSON,
          "not well-formed UTF-8 at byte " + illFormed, message);
    }
    if (root == null) {
      root = compile(fields);
    }
    Object[] values = new Object[fields.size()];
    try (JsonParser p = JSON.createParser(message)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        return ParsedEvent.reject(RejectReason.MALFORMED_JSON, "not a JSON object", message);
      }
      walk(p, root, values);
      if (p.nextToken() != null) {
        return ParsedEvent.reject(
            RejectReason.MALFORMED_JSON, "trailing content after the JSON object", message);
      }
    } catch (ValueException e) {
      return ParsedEvent.reject(e.reason, e.getMessage(), message);
    } catch (IOException | RuntimeException e) {
      return ParsedEvent.reject(RejectReason.MALFORMED_JSON, firstLine(e.getMessage()), message);
    }
    Object ts = values[timestampSlot];
    if (ts == null) {
      return ParsedEvent.reject(
          RejectReason.MISSING_TIMESTAMP,
          "no value at " + fields.get(timestampSlot).path(),
          message);
    }
    long eventTime = ((Instant) ts).getMillis();
    if (eventTime < BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()) {
      return ParsedEvent.reject(RejectReason.BAD_TIMESTAMP,
          "event time " + eventTime + " ms is before the earliest time Beam can represent", message);
    }
    String impossible = futureTime(eventTime);
    if (impossible != null) {
      return ParsedEvent.reject(RejectReason.FUTURE_TIMESTAMP, impossible, message);
    }
    return ParsedEvent.event(Row.withSchema(schema).attachValues(Arrays.asList(values)), eventTime);
  }

  /**
   * Why {@code eventTime} is too far ahead to be a real event's, or null when it is not. A time
   * ahead of the processing clock comes from a producer whose clock, or unit (micro- or nanoseconds
   * for milliseconds), is wrong; taken as an event it would move its partition's watermark ahead,
   * and every later event of the partition would be late. Beyond Beam's last timestamp it would
   * fail the job. So it is a reject, and never reaches the watermark.
   */
  private String futureTime(long eventTime) {
    if (eventTime > BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()) {
      return "event time " + eventTime + " ms is after the last time Beam can represent";
    }
    long now = System.currentTimeMillis();
    if (maxAheadMillis < Long.MAX_VALUE - now && eventTime > now + maxAheadMillis) {
      return "event time " + Instant.ofEpochMilli(eventTime) + " is more than "
          + maxAheadMillis / 1000 + " s ahead of the clock (--maxEventTimeSkew)";
    }
    return null;
  }

  private void walk(JsonParser p, Node node, Object[] values) throws IOException {
    if (node.slot >= 0) {
      values[node.slot] = readValue(p, fields.get(node.slot));
      return;
    }
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        Node child = node.keys == null ? null : node.keys.get(p.currentName());
        p.nextToken();
        if (child != null) {
          walk(p, child, values);
        } else {
          p.skipChildren();
        }
      }
    } else if (t == JsonToken.START_ARRAY) {
      int index = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        Node child = node.indices == null ? null : node.indices.get(index);
        if (child != null) {
          walk(p, child, values);
        } else {
          p.skipChildren();
        }
        index++;
      }
    } else {
      p.skipChildren(); // a scalar where the path expects more: the deeper columns are missing
    }
  }

  private static Object readValue(JsonParser p, JsonField f) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    switch (f.type()) {
      case STRING:
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          StringWriter w = new StringWriter();
          try (JsonGenerator g = JSON.createGenerator(w)) {
            g.copyCurrentStructure(p);
          }
          return w.toString();
        }
        return p.getText();
      case BIGINT:
        return readLong(p, f, Long.MIN_VALUE, Long.MAX_VALUE);
      case INTEGER:
        return (int) readLong(p, f, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case DOUBLE:
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          return p.getDoubleValue();
        }
        if (t == JsonToken.VALUE_STRING) {
          try {
            return Double.parseDouble(p.getText().trim());
          } catch (NumberFormatException e) {
            throw mismatch(p, f);
          }
        }
        throw mismatch(p, f);
      case BOOLEAN:
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          return t == JsonToken.VALUE_TRUE;
        }
        if (t == JsonToken.VALUE_STRING) {
          String s = p.getText().trim();
          if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
          }
        }
        throw mismatch(p, f);
      case TIMESTAMP:
        return readTimestamp(p, f);
      default:
        throw new IllegalStateException("unknown type " + f.type());
    }
  }

  private static long readLong(JsonParser p, JsonField f, long min, long max) throws IOException {
    JsonToken t = p.currentToken();
    long v;
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw mismatch(p, f);
      }
      v = p.getLongValue();
    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw mismatch(p, f);
      }
      v = (long) d;
    } else if (t == JsonToken.VALUE_STRING) {
      try {
        v = Long.parseLong(p.getText().trim());
      } catch (NumberFormatException e) {
        throw mismatch(p, f);
      }
    } else {
      throw mismatch(p, f);
    }
    if (v < min || v > max) {
      throw mismatch(p, f);
    }
    return v;
  }

  private static Instant readTimestamp(JsonParser p, JsonField f) throws IOException {
    JsonToken t = p.currentToken();
    boolean eventTime = f.alias().equals(JsonField.TIMESTAMP);
    RejectReason reason = eventTime ? RejectReason.BAD_TIMESTAMP : RejectReason.TYPE_MISMATCH;
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return new Instant(p.getLongValue());
    }
    if (t == JsonToken.VALUE_STRING) {
      String text = p.getText();
      if (text.isBlank() && eventTime) {
        throw new ValueException(RejectReason.MISSING_TIMESTAMP, "empty timestamp at " + f.path());
      }
      try {
        return new Instant(EventTimes.parseMillis(text));
      } catch (EventTimes.BadTimestampException | NumberFormatException e) {
        throw new ValueException(
            reason, "field " + f.alias() + ": unparsable timestamp " + quote(text));
      }
    }
    throw new ValueException(
        reason, "field " + f.alias() + ": expected a timestamp, got " + describe(p));
  }

  private static ValueException mismatch(JsonParser p, JsonField f) throws IOException {
    return new ValueException(
        RejectReason.TYPE_MISMATCH,
        "field " + f.alias() + ": expected " + f.type() + ", got " + describe(p));
  }

  private static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      return "an object";
    }
    if (t == JsonToken.START_ARRAY) {
      return "an array";
    }
    return t == JsonToken.VALUE_STRING ? quote(p.getText()) : p.getText();
  }

  private static String quote(String s) {
    return "\"" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "\"";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed JSON";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** A trie of the compiled paths: a node is a column (slot >= 0) or leads to deeper ones. */
  private static final class Node {
    int slot = -1;
    Map<String, Node> keys;
    Map<Integer, Node> indices;
  }

  private static Node compile(List<JsonField> fields) {
    Node root = new Node();
    for (int i = 0; i < fields.size(); i++) {
      Node node = root;
      List<Object> steps = fields.get(i).steps();
      for (Object step : steps) {
        if (node.slot >= 0) {
          throw new IllegalArgumentException(conflict(fields, i));
        }
        if (step instanceof String) {
          if (node.keys == null) {
            node.keys = new HashMap<>();
          }
          node = node.keys.computeIfAbsent((String) step, k -> new Node());
        } else {
          if (node.indices == null) {
            node.indices = new HashMap<>();
          }
          node = node.indices.computeIfAbsent((Integer) step, k -> new Node());
        }
      }
      if (node.slot >= 0 || node.keys != null || node.indices != null) {
        throw new IllegalArgumentException(conflict(fields, i));
      }
      node.slot = i;
    }
    return root;
  }

  private static String conflict(List<JsonField> fields, int i) {
    List<String> others = new ArrayList<>();
    for (JsonField f : fields) {
      others.add(f.alias() + "=" + f.path());
    }
    return "--jsonFieldsMap: the path of '"
        + fields.get(i).alias()
        + "' overlaps another column's path (one may not lie inside another): "
        + others;
  }

  /** A value that does not fit its column; routine, so no stack trace. */
  private static final class ValueException extends IOException {
    final RejectReason reason;

    ValueException(RejectReason reason, String message) {
      super(message);
      this.reason = reason;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
