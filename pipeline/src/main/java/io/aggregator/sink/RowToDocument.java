package io.aggregator.sink;

import java.io.Serializable;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;

/** How a row becomes the document written for it; the document's {@code _id} is its upsert key. */
@FunctionalInterface
public interface RowToDocument extends Serializable {
  Document apply(Row row);
}
