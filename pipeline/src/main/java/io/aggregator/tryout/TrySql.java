package io.aggregator.tryout;

import io.aggregator.Aggregator;
import io.aggregator.JobPlan;
import io.aggregator.launch.JobLauncher;
import io.aggregator.options.AggregatorOptions;
import io.aggregator.options.CommandLine;
import io.aggregator.options.InvalidOptionException;
import io.aggregator.options.JobSettings;
import io.aggregator.runners.RunnerSupport;
import io.aggregator.sink.DocumentMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;

/**
 * Runs a SQL file over sample events from a file, offline (README, "Trying a SQL file"): the job's
 * own graph with a simulated Kafka ({@link SimulatedSource}) and a recording sink ({@link
 * RecordFirings}) in place of Kafka and MongoDB, on the DirectRunner with its usual rewrites, in
 * simulated processing time. Prints every firing, late drop and reject, then the final documents;
 * with {@code --expected}, the differences, exiting 1 when there are any.
 *
 * <pre>scripts/try-sql --sqlFile=x.sql --events=x.jsonl [--expected=x.expected.jsonl]
 *     [--arrivalEvery=1 second] [--output=text|json] [every job option] [@file of options]</pre>
 */
public final class TrySql {

  private TrySql() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) {
    List<String> jobArgs = new ArrayList<>(List.of("--runner=DirectRunner", "--sink=console"));
    boolean parallelismGiven = false;
    String events = null;
    String expected = null;
    String output = "text";
    String arrivalEvery = "1 second";
    try {
      for (String a : withArgumentFiles(args)) {
        if (a.startsWith("--events=")) {
          events = a.substring("--events=".length());
        } else if (a.startsWith("--expected=")) {
          expected = a.substring("--expected=".length());
        } else if (a.startsWith("--output=")) {
          output = a.substring("--output=".length());
        } else if (a.startsWith("--arrivalEvery=")) {
          arrivalEvery = a.substring("--arrivalEvery=".length());
        } else if (!a.startsWith("--sink=") && !a.startsWith("--runner=")) {
          jobArgs.add(a);
          parallelismGiven |= a.startsWith("--targetParallelism=");
        }
      }
      if (!parallelismGiven) {
        jobArgs.add("--targetParallelism=1"); // a sample is small: one worker beats several on few cores
      }
      if (events == null) {
        throw new InvalidOptionException("--events", "a file of JSON messages, one per line", null);
      }
      if (!output.equals("text") && !output.equals("json")) {
        throw new InvalidOptionException("--output", "text or json", output);
      }
      AggregatorOptions options = CommandLine.parse(jobArgs.toArray(new String[0]));
      JobPlan plan = JobPlan.prepare(JobSettings.from(options));
      List<SampleEvents.Message> messages =
          SampleEvents.read(Path.of(events), SampleEvents.arrivalEvery(arrivalEvery));
      Timeline timeline = new Timeline();
      FinalDocuments documents = run(options, plan, messages, timeline);
      if (output.equals("json")) {
        timeline.printJson(out);
        documents.documents().forEach(d -> out.println(new Document("kind", "document").append("document", d)
            .toJson(Timeline.RELAXED)));
      } else {
        timeline.print(out, System.console() != null && System.getenv("NO_COLOR") == null
            && !"dumb".equals(System.getenv("TERM")));
        out.printf("%nfinal documents (%d), as MongoDB would hold them:%n", documents.documents().size());
        documents.documents().forEach(d -> out.println(d.toJson(Timeline.RELAXED)));
        out.printf("%n%d messages: %d rejected, %d dropped as late; %d firings%n", messages.size(),
            timeline.count(Timeline.Kind.REJECT), timeline.count(Timeline.Kind.LATE),
            timeline.count(Timeline.Kind.FIRE));
      }
      if (expected == null) {
        return 0;
      }
      List<String> differences = documents.differences(FinalDocuments.readExpected(Path.of(expected)));
      if (differences.isEmpty()) {
        System.err.println("try-sql: the documents equal " + expected);
        return 0;
      }
      System.err.println("try-sql: " + differences.size() + " differences from " + expected + ":");
      differences.forEach(d -> System.err.println("  " + d));
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("try-sql: " + e.getMessage());
      return Aggregator.EXIT_BAD_INPUT;
    } catch (IOException e) {
      System.err.println("try-sql: cannot read " + e.getMessage());
      return Aggregator.EXIT_BAD_INPUT;
    }
  }

  /** {@code args} with each {@code @file} replaced by the file's lines (blank and # lines skipped). */
  static List<String> withArgumentFiles(String[] args) {
    List<String> all = new ArrayList<>();
    for (String a : args) {
      if (!a.startsWith("@")) {
        all.add(a);
        continue;
      }
      try {
        for (String line : Files.readAllLines(Path.of(a.substring(1)), StandardCharsets.UTF_8)) {
          if (!line.isBlank() && !line.startsWith("#")) {
            all.add(line.strip());
          }
        }
      } catch (IOException e) {
        throw new InvalidOptionException(a, "a readable file of options, one per line", a.substring(1));
      }
    }
    return all;
  }

  /** Runs the job's graph over {@code messages}; returns the documents it leaves. */
  static FinalDocuments run(AggregatorOptions options, JobPlan plan, List<SampleEvents.Message> messages,
      Timeline timeline) {
    JobSettings settings = plan.settings();
    String runId = UUID.randomUUID().toString();
    Pipeline pipeline = Pipeline.create(options);
    SimulatedSource source = new SimulatedSource(messages, plan.parser(), settings.allowLateFor(),
        JobLauncher.lateRule(plan.shape().groupWindow(), settings.allowLateFor()),
        settings.batchInterval(), timeline);
    pipeline.apply("AggregateEvents", plan.graph(source, new RecordFirings(runId), new Discard()));
    RunnerSupport.optimize(pipeline, options, settings.batchInterval());
    pipeline.run().waitUntilFinish();

    DocumentMapper mapper = new DocumentMapper(plan.outputShape());
    FinalDocuments documents = new FinalDocuments();
    long start = BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis(); // the TestStream clock's origin
    List<RecordFirings.Firing> firings = new ArrayList<>(RecordFirings.takeFirings(runId).values());
    firings.sort(Comparator.comparing((RecordFirings.Firing f) -> f.at).thenComparingLong(f -> f.sequence));
    for (RecordFirings.Firing f : firings) {
      timeline.fire(source.dueAt(f.at.getMillis() - start), f.window, f.pane, f.row, f.sequence);
      documents.upsert(mapper.toDocument(f.row));
    }
    return documents;
  }

  /** The rejects sink: the timeline has them already. It must consume, or the run never ends. */
  static final class Discard extends PTransform<PCollection<Row>, PDone> {
    @Override
    public PDone expand(PCollection<Row> input) {
      input.apply("Discard", ParDo.of(new DiscardFn()));
      return PDone.in(input.getPipeline());
    }
  }

  static final class DiscardFn extends DoFn<Row, Void> {
    @ProcessElement
    public void process(@Element Row row) {}
  }
}
