package io.aggregator.sink;

import io.aggregator.events.RejectWriter;
import io.aggregator.metrics.JobMetrics;
import io.aggregator.options.JobSettings;
import io.aggregator.options.SinkType;
import io.aggregator.sql.QueryShape;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/** Where results and rejects go: MongoDB (results, {@code <collection>_rejects}) or the console. */
public final class Sinks {

  private final PTransform<PCollection<Row>, PDone> results;
  private final PTransform<PCollection<Row>, PDone> rejects;
  private final RejectWriter rejectWriter;

  public Sinks(
      PTransform<PCollection<Row>, PDone> results,
      PTransform<PCollection<Row>, PDone> rejects,
      RejectWriter rejectWriter) {
    this.results = results;
    this.rejects = rejects;
    this.rejectWriter = rejectWriter;
  }

  /**
   * The sinks {@code --sink} and {@code --writerConf} ask for.
   *
   * @throws io.aggregator.options.InvalidOptionException for bad writer settings
   */
  public static Sinks forSettings(JobSettings settings, QueryShape shape) {
    DocumentMapper mapper = new DocumentMapper(shape);
    if (settings.sink() == SinkType.CONSOLE) {
      return new Sinks(
          new PrintToConsole(mapper::toDocument, false),
          new PrintToConsole(new RejectDocuments(), true),
          new ConsoleRejectWriter());
    }
    MongoTarget target =
        MongoTarget.fromWriterConf(settings.writerConf(), settings.retryBudget().getMillis());
    MongoTarget rejects =
        target.withCollection(target.collection() + RejectDocuments.COLLECTION_SUFFIX);
    return new Sinks(
        new WriteToMongo(target, mapper::toDocument, JobMetrics.DOCUMENTS_WRITTEN),
        new WriteToMongo(rejects, new RejectDocuments(), JobMetrics.REJECTS_WRITTEN),
        new MongoRejectWriter(rejects));
  }

  public PTransform<PCollection<Row>, PDone> results() {
    return results;
  }

  public PTransform<PCollection<Row>, PDone> rejects() {
    return rejects;
  }

  /** The rejects destination for a read that writes its rejects itself (see {@link RejectWriter}). */
  public RejectWriter rejectWriter() {
    return rejectWriter;
  }
}
