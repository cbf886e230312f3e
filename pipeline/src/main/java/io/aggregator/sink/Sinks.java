package io.aggregator.sink;

import io.aggregator.options.JobSettings;
import io.aggregator.options.SinkType;
import io.aggregator.sql.QueryShape;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/** Where results and rejects go: MongoDB (results, {@code <collection>_rejects}) or the console. */
public final class Sinks {

  public static final String DOCUMENTS_WRITTEN = "documents_written";
  public static final String REJECTS_WRITTEN = "rejects_written";
  /** Bulk writes retried because MongoDB could not be reached or timed out. */
  public static final String MONGO_WRITE_RETRIES = WriteToMongo.WRITE_RETRIES;
  /** Milliseconds spent in MongoDB bulk writes, summed over workers. */
  public static final String MONGO_WRITE_MILLIS = WriteToMongo.WRITE_MILLIS;

  private final PTransform<PCollection<Row>, PDone> results;
  private final PTransform<PCollection<Row>, PDone> rejects;

  public Sinks(
      PTransform<PCollection<Row>, PDone> results, PTransform<PCollection<Row>, PDone> rejects) {
    this.results = results;
    this.rejects = rejects;
  }

  /** The sinks {@code --sink} and {@code --writerConf} ask for. */
  public static Sinks forSettings(JobSettings settings, QueryShape shape) {
    DocumentMapper mapper = new DocumentMapper(shape);
    if (settings.sink() == SinkType.CONSOLE) {
      return new Sinks(
          new PrintToConsole(mapper::toDocument, false),
          new PrintToConsole(new RejectDocuments(), true));
    }
    MongoTarget target =
        new MongoTarget(
            settings.mongoUri(),
            settings.mongoDatabase(),
            settings.mongoCollection(),
            settings.mongoBatchSize(),
            settings.retryBudget().getMillis());
    return new Sinks(
        new WriteToMongo(target, mapper::toDocument, DOCUMENTS_WRITTEN),
        new WriteToMongo(
            target.withCollection(target.collection() + RejectDocuments.COLLECTION_SUFFIX),
            new RejectDocuments(),
            REJECTS_WRITTEN));
  }

  public PTransform<PCollection<Row>, PDone> results() {
    return results;
  }

  public PTransform<PCollection<Row>, PDone> rejects() {
    return rejects;
  }
}
