package io.aggregator;

import io.aggregator.options.JobSettings;
import io.aggregator.events.EventTags;
import io.aggregator.events.JsonEventParser;
import io.aggregator.options.Durations;
import io.aggregator.options.InvalidOptionException;
import io.aggregator.options.SinkType;
import io.aggregator.sink.MongoTarget;
import io.aggregator.sql.GroupWindow;
import io.aggregator.sql.QueryId;
import io.aggregator.sql.QueryShape;
import io.aggregator.sql.SqlFile;
import io.aggregator.sql.SqlFileException;
import io.aggregator.sql.nested.TableScope;
import io.aggregator.time.ApplyTriggerPolicy;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.CrashingRunner;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Everything decided before the pipeline is built: the settings, the SQL file, the query's shape
 * and its id. {@link #prepare} checks the SQL by applying the job's graph ({@link #graph}) to an
 * empty input in a scratch pipeline, so a bad file stops the job at start with the planner's
 * message, the file and the line. Why a scratch pipeline: a SqlTransform that fails half-way
 * leaves a half-built node behind, and running that pipeline later fails with an unrelated
 * NullPointerException.
 */
public final class JobPlan {

  private static final Pattern LINE = Pattern.compile("line (\\d+), column (\\d+)");

  /** Version of the nested table's state layout (2: per-window tables and retention). */
  static final String NESTED_TABLE_STATE = "2";

  private final JobSettings settings;
  private final SqlFile sqlFile;
  private final QueryShape shape;
  private final @Nullable QueryShape nestedShape;
  private final String queryId;
  private final JsonEventParser parser;

  private JobPlan(
      JobSettings settings, SqlFile sqlFile, QueryShape shape, @Nullable QueryShape nestedShape) {
    this.settings = settings;
    this.sqlFile = sqlFile;
    this.shape = shape;
    this.nestedShape = nestedShape;
    SortedMap<String, String> deployment = deployment(settings);
    if (sqlFile.hasNestedQuery()) {
      // The layout of the nested table's state: a checkpoint of another layout cannot be
      // restored, so a job upgraded across a change of it backfills under a new id instead.
      deployment.put("nestedTableState", NESTED_TABLE_STATE);
      if (acrossWindows(sqlFile, shape)) {
        // What the table keeps decides what its results mean ("Nested queries").
        deployment.put("aggregatedRetention", settings.aggregatedRetention().toString());
      }
    }
    this.queryId = QueryId.of(sqlFile.text(), settings.fields(), deployment);
    this.parser =
        new JsonEventParser(settings.fields(), settings.maxEventTimeSkew().getMillis());
  }

  /**
   * What besides the SQL file and the fields map decides a job's data, for its query id
   * (docs/semantics.md, "Restarts"): the topic and its cluster, the destination (database and
   * collection; not the MongoDB hosts, whose addresses and credentials change without changing
   * the data), and the time rules that decide what its state holds.
   */
  static SortedMap<String, String> deployment(JobSettings settings) {
    SortedMap<String, String> parts = new TreeMap<>();
    parts.put("bootstrapServers", settings.bootstrapServers());
    parts.put("topic", settings.topic());
    if (settings.sink() == SinkType.MONGO) {
      try {
        MongoTarget target = MongoTarget.fromWriterConf(settings.writerConf(), 0);
        parts.put("destination", "mongo " + target.database() + "." + target.collection());
      } catch (InvalidOptionException e) {
        parts.put("destination", "mongo"); // the launcher names the missing setting
      }
    } else {
      parts.put("destination", settings.sink().toString());
    }
    parts.put("allowLateFor", settings.allowLateFor().toString());
    parts.put("writeMethod", settings.writeMethod().toString());
    return parts;
  }

  /** Reads, analyses and plans the SQL file of {@code settings}; throws {@link SqlFileException}. */
  public static JobPlan prepare(JobSettings settings) {
    return prepare(settings, SqlFile.read(settings.sqlFile()));
  }

  /** As {@link #prepare(JobSettings)}, with the file already read. */
  public static JobPlan prepare(JobSettings settings, SqlFile sqlFile) {
    QueryShape shape = QueryShape.analyze(sqlFile.name(), sqlFile.mainQuery());
    QueryShape nestedShape =
        sqlFile.hasNestedQuery()
            ? QueryShape.analyze(sqlFile.name(), sqlFile.nestedQuery())
            : null;
    try {
      ApplyTriggerPolicy.checkSupported(settings.writeMethod(), shape.windowed());
    } catch (IllegalArgumentException e) {
      throw new SqlFileException(sqlFile.name(), 0, e.getMessage());
    }
    checkRetention(settings, sqlFile, shape);
    JobPlan plan = new JobPlan(settings, sqlFile, shape, nestedShape);
    plan.validate();
    return plan;
  }

  /** Whether the file's second query reads a table spanning windows, which the retention bounds. */
  private static boolean acrossWindows(SqlFile sqlFile, QueryShape shape) {
    return sqlFile.hasNestedQuery()
        && TableScope.of(sqlFile.nestedQuery(), shape) == TableScope.ACROSS_WINDOWS;
  }

  /**
   * Refuses a retention under which a window could leave table AGGREGATED while still open: it
   * must outlast the window and the lateness the watermark allows ("Nested queries").
   */
  private static void checkRetention(JobSettings settings, SqlFile sqlFile, QueryShape shape) {
    GroupWindow window = shape.groupWindow();
    if (window == null || !acrossWindows(sqlFile, shape)) {
      return;
    }
    // A session's gap stands for its length, which is only known when it closes.
    long span = window.sizeMillis();
    Duration needed = Duration.millis(span).plus(settings.allowLateFor());
    if (settings.aggregatedRetention().isShorterThan(needed)) {
      throw new InvalidOptionException(
          "--aggregatedRetention",
          "at least the window (" + Durations.format(Duration.millis(span)) + ") plus"
              + " --allowLateFor (" + Durations.format(settings.allowLateFor()) + "), so that"
              + " only closed windows leave table AGGREGATED of " + sqlFile.name(),
          Durations.format(settings.aggregatedRetention()));
    }
  }

  /** Builds the whole graph on an empty unbounded input, so planning errors surface now. */
  private void validate() {
    PipelineOptions scratchOptions = PipelineOptionsFactory.create();
    // Never run: a runner that refuses to. The default (DirectRunner) is not in the Flink and Spark
    // jars, and Pipeline.create needs some runner.
    scratchOptions.setRunner(CrashingRunner.class);
    Pipeline scratch = Pipeline.create(scratchOptions);
    PTransform<PBegin, PCollectionTuple> emptySource =
        new PTransform<>() {
          @Override
          public PCollectionTuple expand(PBegin input) {
            PCollection<Row> events =
                input.apply("NoEvents", Create.empty(RowCoder.of(sourceSchema())));
            events.setIsBoundedInternal(PCollection.IsBounded.UNBOUNDED);
            PCollection<Row> rejects =
                input.apply("NoRejects", Create.empty(RowCoder.of(EventTags.REJECT_SCHEMA)));
            return PCollectionTuple.of(EventTags.EVENTS, events).and(EventTags.REJECTS, rejects);
          }
        };
    PTransform<PCollection<Row>, PDone> discard =
        new PTransform<>() {
          @Override
          public PDone expand(PCollection<Row> input) {
            return PDone.in(input.getPipeline());
          }
        };
    PCollection<Row> results;
    try {
      results = scratch.apply("AggregateEvents", graph(emptySource, discard, discard));
    } catch (RuntimeException e) {
      throw asSqlFileError(e);
    }
    Schema out = results.getSchema();
    QueryShape written = outputShape();
    if (written.hasIdColumn() && out.hasField(QueryShape.ID_COLUMN)) {
      return;
    }
    for (String key : written.keyColumns()) {
      if (!out.hasField(key)) {
        throw new SqlFileException(sqlFile.name(), 0, "result has no column '" + key + "'");
      }
    }
  }

  private SqlFileException asSqlFileError(RuntimeException e) {
    String message = null;
    int line = 0;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() == null) {
        continue;
      }
      Matcher m = LINE.matcher(t.getMessage());
      if (m.find() && line == 0) {
        line = Integer.parseInt(m.group(1));
        message = t.getMessage();
      }
      if (message == null) {
        message = t.getMessage();
      }
    }
    String oneLine = message == null ? e.toString() : message.strip().replaceAll("\\s*\\n\\s*", " ");
    // Keep the planner's words, not the Java class names wrapped around them.
    oneLine = oneLine.replaceAll("^(?:[a-zA-Z_$][\\w$]*\\.)+[\\w$]*(?:Exception|Error): ", "");
    return new SqlFileException(sqlFile.name(), line, oneLine);
  }

  /**
   * The job's graph over {@code source}, writing to the given sinks ({@link AggregateEvents}).
   */
  public AggregateEvents graph(
      PTransform<PBegin, PCollectionTuple> source,
      PTransform<PCollection<Row>, PDone> resultsSink,
      PTransform<PCollection<Row>, PDone> rejectsSink) {
    return new AggregateEvents(
        sqlFile, shape, sourceSchema(), settings, source, resultsSink, rejectsSink);
  }

  public JobSettings settings() {
    return settings;
  }

  public SqlFile sqlFile() {
    return sqlFile;
  }

  public QueryShape shape() {
    return shape;
  }

  /** The shape of the query whose rows are written: the nested one when there is one. */
  public QueryShape outputShape() {
    return nestedShape != null ? nestedShape : shape;
  }

  public String queryId() {
    return queryId;
  }

  /** The columns of table SOURCE. */
  public Schema sourceSchema() {
    return parser.schema();
  }

  /** The parser of the job's messages (paths compiled once, for the whole job). */
  public JsonEventParser parser() {
    return parser;
  }

  /** {@code <checkpointDir>/<query id>} (docs/semantics.md, "Restarts"). */
  public String checkpointDirectory() {
    String base = settings.checkpointDir();
    return (base.endsWith("/") ? base : base + "/") + queryId;
  }
}
