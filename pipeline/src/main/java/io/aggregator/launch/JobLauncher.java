package io.aggregator.launch;

import io.aggregator.JobPlan;
import io.aggregator.options.AggregatorOptions;
import io.aggregator.options.JobSettings;
import io.aggregator.options.PageAddress;
import io.aggregator.page.PageView;
import io.aggregator.page.ResultsPage;
import io.aggregator.runners.JobControl;
import io.aggregator.runners.RunnerCheckpoints;
import io.aggregator.runners.RunnerSupport;
import io.aggregator.sink.MongoTarget;
import io.aggregator.sink.Sinks;
import io.aggregator.source.ConsumerSettings;
import io.aggregator.source.KafkaReachability;
import io.aggregator.source.KafkaReadMethod;
import io.aggregator.source.TopicGrowth;
import io.aggregator.source.ReadKafkaEvents;
import io.aggregator.source.RetainedHistory;
import io.aggregator.source.TopicSnapshot;
import io.aggregator.sql.GroupWindow;
import io.aggregator.sql.QueryId;
import io.aggregator.time.EventTimeRules;
import io.aggregator.time.LateEvents;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a planned job for real: Kafka as the source, the configured sinks, the runner's
 * checkpoints and mode, then the runner's own rewrites of the built graph.
 */
public final class JobLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(JobLauncher.class);

  private JobLauncher() {}

  /**
   * The options travel with the job (Flink's job configuration in its REST API, Spark's
   * checkpoint) while every step has its settings already: they keep only what may be shown, a
   * secret as its reference or {@code ***} (README, "Security").
   */
  private static void hideSecrets(AggregatorOptions options, JobSettings settings) {
    options.setWriterConf(JobSettings.shown(settings.writerConf()));
    options.setKafkaConf(JobSettings.shown(settings.kafkaConf()));
  }

  /**
   * Looks at the topic, builds the pipeline and starts it without blocking.
   *
   * @throws IllegalArgumentException for a bad option (one line, naming it)
   * @throws IllegalStateException when Kafka cannot describe the topic
   */
  public static RunningJob start(PipelineOptions options, JobPlan plan) {
    JobSettings settings = plan.settings();
    Sinks sinks = Sinks.forSettings(settings, plan.outputShape()); // checks the writer settings
    ConsumerSettings consumer =
        ConsumerSettings.of(
            settings.bootstrapServers(), QueryId.consumerGroup(plan.queryId()), settings.kafkaConf());
    LOG.info("Query id {} for {} (consumer group {}, checkpoints in {})",
        plan.queryId(), settings.sqlFile(), consumer.groupId(), plan.checkpointDirectory());
    LOG.info("Settings: {}", settings.describe());
    if (!settings.literalSecrets().isEmpty()) {
      LOG.warn("Secrets given on the command line ({}): ps shows them to every local user and they"
          + " travel inside the job and its checkpoints; give them as ${file:PATH} or ${env:NAME}"
          + " (README, Security)", String.join(", ", settings.literalSecrets()));
    }

    TopicSnapshot snapshot =
        TopicSnapshot.take(consumer, settings.topic(), settings.readUntilLatest(), plan.parser());
    if (settings.readUntilLatest()) {
      LOG.info("Bounded replay of {} messages; the watermark starts at the head event time {}",
          snapshot.totalMessages(),
          snapshot.headEventTime() == null ? "(unknown)" : new Instant(snapshot.headEventTime()));
    }
    PrivateCheckpoints.prepare(settings.checkpointDir(), plan.checkpointDirectory());
    String resumedFrom = RunnerCheckpoints.configure(
        options, plan.checkpointDirectory(), settings.readUntilLatest(), snapshot.partitions().size(),
        settings.fingerprint());
    if (resumedFrom == null) {
      refuseWhenHistoryIsGone(plan, RetainedHistory.of(consumer, settings.topic()));
    }
    RunnerSupport.configure(options, settings.readUntilLatest(), settings.sparkConf());
    hideSecrets(options.as(AggregatorOptions.class), settings);
    Pipeline pipeline = Pipeline.create(options);
    ReadKafkaEvents source =
        new ReadKafkaEvents(
            consumer,
            snapshot,
            plan.parser(),
            new EventTimeRules(
                settings.allowLateFor(),
                lateRule(plan.shape().groupWindow(), settings.allowLateFor()),
                settings.idleTimeout()),
            RunnerSupport.readMethod(options),
            settings.retryBudget().getMillis(),
            settings.partitionDiscoveryInterval(),
            sinks.rejectWriter());
    pipeline.apply("AggregateEvents", plan.graph(source, sinks.results(), sinks.rejects()));
    RunnerSupport.optimize(pipeline, options, settings.batchInterval());
    // A read that cannot find new partitions while it runs (Flink's and Spark's classic source) is
    // restarted by the launcher when the topic grows (docs/semantics.md, "Partitions").
    KafkaReadMethod read = RunnerSupport.readMethod(options);
    TopicGrowth growth =
        settings.readUntilLatest() || read.stream() == KafkaReadMethod.Stream.WATCHING_SOURCE
            ? null
            : new TopicGrowth(
                consumer, settings.topic(), snapshot.partitions().size(),
                settings.partitionDiscoveryInterval());
    long startNanos = System.nanoTime();
    return new RunningJob(
        JobControl.start(pipeline, options),
        startNanos,
        snapshot.totalMessages(),
        new KafkaReachability(consumer),
        growth,
        settings.retryBudget().getMillis());
  }

  /**
   * Opens the results page when {@code --resultsPage} asks for it (README, "Results page"), or
   * returns null. It reads the job's collection with the job's own MongoDB settings.
   */
  public static @Nullable ResultsPage openResultsPage(PipelineOptions options, JobPlan plan) {
    JobSettings settings = plan.settings();
    PageAddress address = settings.resultsPage();
    if (address == null) {
      return null;
    }
    MongoTarget target =
        MongoTarget.fromWriterConf(settings.writerConf(), settings.retryBudget().getMillis());
    PageView.Kind kind = plan.sqlFile().hasNestedQuery() ? PageView.Kind.NESTED
        : plan.shape().windowed() ? PageView.Kind.WINDOWED : PageView.Kind.ALL_TIME;
    PageView view = new PageView(settings.sqlFile(), kind, plan.outputShape().keyColumns(),
        target.toString(), settings.allowLateFor().getMillis(),
        options.getRunner().getSimpleName());
    ResultsPage page = ResultsPage.open(address, view, target);
    System.err.println("aggregator: results page at " + page.url());
    return page;
  }

  /**
   * A query whose results reflect every event ever read (no window, or a for_each_batch block),
   * starting without state, cannot rebuild them when events are gone from the topic: it stops
   * here unless {@code --acceptPartialBackfill} says a partial result is wanted (docs/semantics.md,
   * "Restarts"). Windowed queries start: only the windows of the missing events are incomplete,
   * and their stored documents are kept by the sink.
   */
  static void refuseWhenHistoryIsGone(JobPlan plan, RetainedHistory history) {
    JobSettings settings = plan.settings();
    boolean needsAllHistory = !plan.shape().windowed() || plan.sqlFile().hasNestedQuery();
    List<String> unread = history.unread(settings.startsAtLatest());
    if (!needsAllHistory || unread.isEmpty()) {
      return;
    }
    String message = String.format(
        "%s aggregates over all of topic %s, but this start has no state to resume from and cannot"
            + " read %s; start with --acceptPartialBackfill=true to compute from what is left",
        settings.sqlFile(), settings.topic(), String.join(", ", unread));
    if (!settings.acceptPartialBackfill()) {
      throw new IllegalArgumentException(message);
    }
    LOG.warn("Partial backfill accepted (--acceptPartialBackfill): {}", message);
  }

  /** When an event is late for the query's window (docs/semantics.md, "Lateness"), or null. */
  public static @Nullable LateEvents lateRule(@Nullable GroupWindow window, Duration lag) {
    if (window == null) {
      return null;
    }
    if (window.kind() == GroupWindow.Kind.SESSION) {
      return LateEvents.sessions(lag);
    }
    return LateEvents.sliding(
        Duration.millis(window.sizeMillis()),
        Duration.millis(window.slideMillis()),
        Duration.millis(window.offsetMillis()),
        lag);
  }
}
