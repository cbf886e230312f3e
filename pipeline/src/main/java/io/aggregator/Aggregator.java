package io.aggregator;

import io.aggregator.options.AggregatorOptions;
import io.aggregator.options.CommandLine;
import io.aggregator.options.JobSettings;
import io.aggregator.options.Secrets;
import io.aggregator.runners.RunnerCheckpoints;
import io.aggregator.runners.RunnerSupport;
import io.aggregator.sink.Sinks;
import io.aggregator.source.EventTags;
import io.aggregator.source.KafkaReachability;
import io.aggregator.source.ReadKafkaEvents;
import io.aggregator.source.TopicSnapshot;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.QueryId;
import io.aggregator.sql.SqlFile;
import io.aggregator.sql.nested.ApplyNestedQuery;
import io.aggregator.windowing.ApplyTriggerPolicy;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Aggregator job: Kafka JSON events → table SOURCE → the SQL file's query → MongoDB upserts
 * (or the console). {@code main} parses the options, builds the pipeline and runs it; {@link
 * #buildPipeline} is the graph, callable by tests with another source and sinks.
 */
public final class Aggregator {

  private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);

  /** Exit status for a bad option or SQL file. */
  public static final int EXIT_BAD_INPUT = 2;

  private Aggregator() {}

  public static void main(String[] args) {
    int status = run(args);
    if (RunningJob.jobLeftRunning()) {
      // The job could not be stopped (RunningJob#cancel): the runner's own shutdown hooks would
      // hang on it as well, so exit without running them.
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(status);
    }
    System.exit(status);
  }

  /** Runs the job; returns the process exit status (0 when a bounded run completes). */
  public static int run(String[] args) {
    if (CommandLine.wantsHelp(args)) {
      return printHelp(args);
    }
    RunningJob job;
    try {
      job = start(args);
    } catch (IllegalArgumentException e) {
      System.err.println("aggregator: " + Secrets.mask(e.getMessage()));
      return EXIT_BAD_INPUT;
    } catch (IllegalStateException e) {
      System.err.println("aggregator: " + Secrets.mask(e.getMessage()));
      return 1;
    }
    return job.awaitCompletion();
  }

  /**
   * Checks the command line and the SQL file, builds the pipeline and starts it.
   *
   * @throws IllegalArgumentException for a bad option or SQL file (one line, naming it)
   * @throws IllegalStateException when Kafka cannot describe the topic
   */
  public static RunningJob start(String[] args) {
    AggregatorOptions options = CommandLine.parse(args);
    JobPlan plan = JobPlan.prepare(JobSettings.from(options));
    JobSettings settings = plan.settings();
    LOG.info("Query id {} for {} (consumer group {}, checkpoints in {})",
        plan.queryId(), settings.sqlFile(), consumerGroup(plan), plan.checkpointDirectory());
    LOG.info("Settings: {}", settings.describe());

    Map<String, Object> consumerConfig = consumerConfig(plan);
    TopicSnapshot snapshot =
        TopicSnapshot.take(
            settings.bootstrapServers(),
            settings.topic(),
            consumerConfig,
            settings.readUntilLatest(),
            plan.parser());
    if (settings.readUntilLatest()) {
      LOG.info("Bounded replay of {} messages; the watermark starts at the head event time {}",
          snapshot.totalMessages(),
          snapshot.headEventTime() == null ? "(unknown)" : new org.joda.time.Instant(snapshot.headEventTime()));
    }
    RunnerCheckpoints.configure(options, plan.checkpointDirectory(), settings.readUntilLatest());
    RunnerSupport.configure(options, settings.readUntilLatest());
    Pipeline pipeline = Pipeline.create(options);
    buildPipeline(
        pipeline,
        plan,
        new ReadKafkaEvents(
            settings.bootstrapServers(),
            consumerConfig,
            snapshot,
            plan.parser(),
            settings.allowLateFor(),
            plan.shape().tumbleSize(),
            RunnerSupport.readMethod(options),
            settings.retryBudget().getMillis()),
        Sinks.forSettings(settings, plan.outputShape()));
    RunnerSupport.optimize(pipeline, options);
    return RunningJob.start(
        pipeline,
        options,
        snapshot.totalMessages(),
        new KafkaReachability(settings.bootstrapServers(), consumerConfig),
        settings.retryBudget().getMillis());
  }

  /**
   * The graph: events from {@code source}, rejects to their sink, the trigger policy, the SQL
   * query, the {@code for_each_batch} query over its snapshots when the file has one, results to
   * their sink.
   *
   * @param source emits {@link EventTags#EVENTS} (rows of SOURCE stamped with event time, the
   *     watermark lagging as {@code --allowLateFor} says) and {@link EventTags#REJECTS}
   * @return the query's results
   */
  public static PCollection<Row> buildPipeline(
      Pipeline pipeline, JobPlan plan, PTransform<PBegin, PCollectionTuple> source, Sinks sinks) {
    JobSettings settings = plan.settings();
    PCollectionTuple read = pipeline.apply("ReadEvents", source);
    read.get(EventTags.REJECTS)
        .setRowSchema(EventTags.REJECT_SCHEMA)
        .apply("WriteRejects", sinks.rejects());
    PCollection<Row> results =
        read.get(EventTags.EVENTS)
            .setRowSchema(plan.sourceSchema())
            .apply(
                "ApplyTriggerPolicy",
                new ApplyTriggerPolicy(
                    settings.writeMethod(), plan.shape().windowed(), settings.batchInterval()))
            .apply("AggregateWithSql", new ApplySqlQuery(plan.sqlFile().mainQuery(), SqlFile.SOURCE_TABLE));
    if (plan.sqlFile().hasNestedQuery()) {
      results =
          results.apply(
              "AggregateEachBatch",
              new ApplyNestedQuery(
                  plan.sqlFile().nestedQuery(), plan.shape(), settings.batchInterval()));
    }
    results.apply("WriteResults", sinks.results());
    return results;
  }

  /**
   * Consumer settings: the user's {@code --kafkaConf}, over ours. Offsets are not committed: on
   * the DirectRunner a restart keeps no state, so it must re-read from the start to rebuild its
   * windows (idempotent upserts make that safe); Flink resumes from its checkpoints, which hold
   * the offsets together with the windows they produced ({@link RunnerCheckpoints}).
   */
  static Map<String, Object> consumerConfig(JobPlan plan) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.GROUP_ID_CONFIG, QueryId.consumerGroup(plan.queryId()));
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.putAll(plan.settings().kafkaConf());
    return config;
  }

  private static String consumerGroup(JobPlan plan) {
    return plan.settings().kafkaConf().getOrDefault(
        ConsumerConfig.GROUP_ID_CONFIG, QueryId.consumerGroup(plan.queryId()));
  }

  private static int printHelp(String[] args) {
    for (String a : args) {
      if (a.startsWith("--help=")) {
        // Beam's own help for one options interface, such as a runner's.
        try {
          Class<?> type = Class.forName(a.substring("--help=".length()));
          PipelineOptionsFactory.printHelp(System.out, type.asSubclass(PipelineOptions.class));
          return 0;
        } catch (ClassNotFoundException | ClassCastException e) {
          System.err.println("aggregator: --help=" + a.substring(7) + " is not an options interface");
          return EXIT_BAD_INPUT;
        }
      }
    }
    System.out.println(
        "Usage: scripts/aggregator --sqlFile=FILE [--option=value ...]\n"
            + "       (the PySpark module's flags work too: --sql-file FILE --json-fields-map a=$.a b=$.b ...)\n");
    PipelineOptionsFactory.register(AggregatorOptions.class);
    PipelineOptionsFactory.printHelp(System.out, AggregatorOptions.class);
    System.out.println(
        "Runner options: --runner=DirectRunner (default); --help=<OptionsInterface> lists a runner's"
            + " options, e.g. --help=org.apache.beam.sdk.options.PipelineOptions");
    return 0;
  }
}
