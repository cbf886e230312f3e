package io.aggregator.sink;

import io.aggregator.sql.GroupId;
import io.aggregator.sql.QueryShape;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.bson.types.Binary;
import org.joda.time.ReadableInstant;

/**
 * Turns a result row into its MongoDB document (docs/semantics.md, "Output documents"): column
 * names become field names, {@code window_start}/{@code window_end} become {@code window: {start,
 * end}}, timestamps BSON dates, integers stay integers, decimals become doubles; the {@code _id} is
 * the query's own column or the group's derived id ({@link GroupId}).
 */
public final class DocumentMapper implements Serializable {

  public static final String WINDOW_START = "window_start";
  public static final String WINDOW_END = "window_end";
  public static final String WINDOW = "window";
  private final QueryShape shape;
  private final GroupId groupId;

  public DocumentMapper(QueryShape shape) {
    this.shape = shape;
    this.groupId = new GroupId(shape);
  }

  public Document toDocument(Row row) {
    Document doc = new Document();
    doc.put(QueryShape.ID_COLUMN, shape.hasIdColumn() ? bson(row.getValue(QueryShape.ID_COLUMN)) : groupId.derived(row));
    Schema schema = row.getSchema();
    boolean hasStart = schema.hasField(WINDOW_START);
    boolean hasEnd = schema.hasField(WINDOW_END);
    for (Schema.Field f : schema.getFields()) {
      String name = f.getName();
      if (name.equals(QueryShape.ID_COLUMN)) {
        continue;
      }
      if ((name.equals(WINDOW_START) && hasStart) || (name.equals(WINDOW_END) && hasEnd)) {
        if (!doc.containsKey(WINDOW)) {
          Document window = new Document();
          if (hasStart) {
            window.put("start", bson(row.getValue(WINDOW_START)));
          }
          if (hasEnd) {
            window.put("end", bson(row.getValue(WINDOW_END)));
          }
          doc.put(WINDOW, window);
        }
        continue;
      }
      doc.put(name, bson(row.getValue(name)));
    }
    return doc;
  }

  /** A Beam SQL value as the BSON value dashboards expect. */
  static Object bson(Object v) {
    if (v == null
        || v instanceof String
        || v instanceof Long
        || v instanceof Integer
        || v instanceof Double
        || v instanceof Boolean) {
      return v;
    }
    if (v instanceof ReadableInstant) {
      return new Date(((ReadableInstant) v).getMillis());
    }
    if (v instanceof BigDecimal || v instanceof Float) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof Short || v instanceof Byte) {
      return ((Number) v).intValue();
    }
    if (v instanceof byte[]) {
      return new Binary((byte[]) v);
    }
    if (v instanceof Row) {
      Document d = new Document();
      Row r = (Row) v;
      for (Schema.Field f : r.getSchema().getFields()) {
        d.put(f.getName(), bson(r.getValue(f.getName())));
      }
      return d;
    }
    if (v instanceof Map) {
      Document d = new Document();
      ((Map<?, ?>) v).forEach((k, val) -> d.put(String.valueOf(k), bson(val)));
      return d;
    }
    if (v instanceof Collection) {
      List<Object> list = new ArrayList<>();
      for (Object o : (Collection<?>) v) {
        list.add(bson(o));
      }
      return list;
    }
    return v.toString();
  }
}
