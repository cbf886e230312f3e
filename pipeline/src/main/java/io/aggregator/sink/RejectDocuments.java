package io.aggregator.sink;

import io.aggregator.events.EventTags;
import java.util.Date;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;

/** A reject row as a document of {@code <collection>_rejects}, one per Kafka message. */
public final class RejectDocuments implements RowToDocument {

  public static final String COLLECTION_SUFFIX = "_rejects";

  @Override
  public Document apply(Row r) {
    // topic/partition/offset names the message: a replay replaces, never duplicates.
    String id = r.getString("topic") + "/" + r.getInt32("partition") + "/" + r.getInt64("offset");
    Document d = new Document("_id", id);
    for (org.apache.beam.sdk.schemas.Schema.Field f : EventTags.REJECT_SCHEMA.getFields()) {
      d.put(f.getName(), r.getValue(f.getName()));
    }
    d.put("rejected_at", new Date());
    return d;
  }
}
