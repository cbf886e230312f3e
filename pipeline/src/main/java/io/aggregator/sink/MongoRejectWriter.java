package io.aggregator.sink;

import io.aggregator.events.RejectWriter;
import io.aggregator.metrics.JobMetrics;
import org.apache.beam.sdk.values.Row;

/**
 * Writes rejects to {@code <collection>_rejects} from inside the step that finds them, with the
 * same documents, batching and retries as {@link WriteToMongo} ({@link MongoBatchWriter}).
 */
final class MongoRejectWriter implements RejectWriter {

  private final MongoTarget target;

  /** @param target the rejects collection */
  MongoRejectWriter(MongoTarget target) {
    this.target = target;
  }

  @Override
  public Session open() {
    MongoBatchWriter writer = new MongoBatchWriter(target, JobMetrics.REJECTS_WRITTEN);
    RejectDocuments documents = new RejectDocuments();
    return new Session() {
      @Override
      public void write(Row reject) {
        writer.add(documents.apply(reject), 0L);
      }

      @Override
      public void flush() {
        writer.flush();
      }

      @Override
      public void close() {
        writer.close();
      }
    };
  }
}
