package io.aggregator.quickstart;

import io.aggregator.generator.EventGenerator;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.aggregator.Aggregator;
import io.aggregator.launch.RunningJob;
import io.aggregator.runners.ShutdownHooks;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.options.Durations;
import io.aggregator.metrics.JobMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;

/**
 * The local quick start (README, first command): a real Kafka broker and a MongoDB-wire server in this process
 * on free ports, generated events flowing in, the aggregation of one SQL file running on them, the
 * collection shown as it updates, then the final documents. No external services.
 *
 * <p>Options (besides the job's own, passed through): {@code --seconds=N} stops after N seconds
 * (default: run until Ctrl-C), {@code --rate=events/s}, {@code --users}, {@code --items}, {@code
 * --types}, {@code --outOfOrder=share}, {@code --show=rows shown}. The results page is on at
 * {@link #RESULTS_PAGE_PORT} unless {@code --resultsPage} is given ({@code off} turns it off), or
 * on a free port when that one is taken.
 */
public final class QuickStart {

  public static final String DEFAULT_SQL_FILE = "sql_files/interactions_per_item_5m.sql";
  public static final String TOPIC = EventGenerator.DEFAULT_TOPIC;
  public static final String DATABASE = "aggregator";
  public static final String COLLECTION = "quickstart";
  /** The results page's port on loopback, unless {@code --resultsPage} says otherwise (README). */
  public static final int RESULTS_PAGE_PORT = 8090;

  /**
   * {@code preferred} when nothing listens on it on loopback, else 0 (any free port): a first
   * try of the product should not stop because another program has the page's port. A job given
   * {@code --resultsPage=PORT} still stops at start when PORT is taken.
   */
  static int pagePort(int preferred) {
    try (ServerSocket probe = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
      return preferred;
    } catch (IOException taken) {
      return 0;
    }
  }

  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  public static int run(String[] args) throws Exception {
    Map<String, String> own = new LinkedHashMap<>();
    List<String> jobArgs = new ArrayList<>();
    for (String a : args) {
      String name = a.startsWith("--") && a.contains("=") ? a.substring(2, a.indexOf('=')) : "";
      if (List.of("seconds", "rate", "users", "items", "types", "outOfOrder", "show").contains(name)) {
        own.put(name, a.substring(a.indexOf('=') + 1));
      } else {
        jobArgs.add(a);
      }
    }
    long seconds = Long.parseLong(own.getOrDefault("seconds", "0"));
    int rate = Integer.parseInt(own.getOrDefault("rate", "2000"));
    int show = Integer.parseInt(own.getOrDefault("show", "10"));
    EventGenerator generator = EventGenerator.fromOptions(own);

    System.out.println("quickstart: starting an in-process Kafka broker and MongoDB-wire server");
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start()) {
      kafka.createTopic(TOPIC, 2);
      System.out.printf("quickstart: Kafka at %s, MongoDB at %s%n", kafka.bootstrapServers(), mongo.uri());

      List<String> all = new ArrayList<>();
      all.add("--bootstrapServers=" + kafka.bootstrapServers());
      all.add("--topic=" + TOPIC);
      all.add("--sink=mongo");
      all.add("--writerConf=uri=" + mongo.uri());
      all.add("--writerConf=database=" + DATABASE);
      all.add("--writerConf=collection=" + COLLECTION);
      all.add("--jsonFieldsMap=user_id=$.user_id");
      all.add("--jsonFieldsMap=item_id=$.item_id");
      all.add("--jsonFieldsMap=interaction_type=$.interaction_type");
      all.add("--batchInterval=5 seconds");
      if (jobArgs.stream().noneMatch(a -> a.startsWith("--resultsPage"))) {
        int port = pagePort(RESULTS_PAGE_PORT);
        if (port != RESULTS_PAGE_PORT) {
          System.out.println("quickstart: port " + RESULTS_PAGE_PORT
              + " is taken; the results page takes a free port (--resultsPage=PORT chooses one)");
        }
        all.add("--resultsPage=" + port);
      }
      boolean sqlGiven = jobArgs.stream().anyMatch(a -> a.startsWith("--sqlFile") || a.startsWith("--sql-file"));
      if (!sqlGiven) {
        all.add("--sqlFile=" + DEFAULT_SQL_FILE);
      }
      all.addAll(jobArgs); // the user's options come last and win
      long intervalMillis = batchIntervalMillis(all);

      AtomicBoolean producing = new AtomicBoolean(true);
      AtomicLong produced = new AtomicLong();
      Thread producer = new Thread(() -> generator.produceAtRate(kafka.bootstrapServers(), TOPIC, 2, rate, producing, produced), "generator");
      producer.setDaemon(true);
      producer.start();

      RunningJob job;
      try {
        job = Aggregator.start(all.toArray(new String[0]));
      } catch (IllegalArgumentException | IllegalStateException e) {
        System.err.println("quickstart: " + e.getMessage());
        producing.set(false);
        return Aggregator.EXIT_BAD_INPUT;
      }
      CountDownLatch stop = new CountDownLatch(1);
      RunningJob started = job;
      Thread onCtrlC =
          new Thread(
              () -> {
                stop.countDown();
                started.cancel(); // before the runner's own hooks take it down (ShutdownHooks)
              },
              "quickstart-stop");
      ShutdownHooks hooks = job.onShutdown(onCtrlC);
      if (job.resultsPageUrl() != null) {
        System.out.println("quickstart: results page at " + job.resultsPageUrl() + " (open it in a browser)");
      }
      System.out.printf("quickstart: producing about %d events/s; results every %d s. %s%n",
          rate, intervalMillis / 1000, seconds > 0 ? "Stopping after " + seconds + " s." : "Ctrl-C stops.");

      long deadline = seconds > 0 ? System.currentTimeMillis() + seconds * 1000 : Long.MAX_VALUE;
      try (MongoClient client = MongoClients.create(mongo.uri())) {
        MongoCollection<Document> results = client.getDatabase(DATABASE).getCollection(COLLECTION);
        while (System.currentTimeMillis() < deadline && !job.ended()) {
          if (stop.await(Math.min(intervalMillis, Math.max(1, deadline - System.currentTimeMillis())),
              java.util.concurrent.TimeUnit.MILLISECONDS)) {
            break;
          }
          printTable("live", results, show, produced.get(), job.counter(JobMetrics.EVENTS_READ));
        }
        // Stop producing, let the job read everything and emit once more, then show the result.
        producing.set(false);
        producer.join();
        long target = produced.get();
        long waitUntil = System.currentTimeMillis() + 60_000;
        while (job.counter(JobMetrics.EVENTS_READ) < target
            && System.currentTimeMillis() < waitUntil
            && !job.ended()) {
          Thread.sleep(200); // polling a counter of another thread's job: no event to wait on
        }
        Thread.sleep(intervalMillis + 1000); // one more emission of the groups changed last
        job.cancel();
        printTable("final", results, Integer.MAX_VALUE, target, job.counter(JobMetrics.EVENTS_READ));
        long documents = results.countDocuments();
        System.out.printf("quickstart: %d events produced, %d documents in %s.%s%n",
            target, documents, DATABASE, COLLECTION);
        if (documents == 0) {
          System.err.println("quickstart: no documents were written");
          return 1;
        }
      } finally {
        hooks.remove();
      }
    }
    return 0;
  }

  private static long batchIntervalMillis(List<String> args) {
    String value = "5 seconds";
    for (String a : args) {
      if (a.startsWith("--batchInterval=") || a.startsWith("--batch-interval=")) {
        value = a.substring(a.indexOf('=') + 1);
      }
    }
    return Durations.parse("--batchInterval", value).getMillis();
  }

  private static void printTable(String title, MongoCollection<Document> results, int limit, long produced, long read) {
    List<Document> docs = results.find().into(new ArrayList<>());
    docs.sort((a, b) -> String.valueOf(b.get("_id")).compareTo(String.valueOf(a.get("_id"))));
    System.out.printf(Locale.ROOT, "%n== %s: %d documents (%d events produced, %d read) ==%n", title, docs.size(), produced, read);
    int n = 0;
    for (Document d : docs) {
      if (n++ >= limit) {
        System.out.printf("   … %d more%n", docs.size() - limit);
        break;
      }
      System.out.println("   " + d.toJson());
    }
  }
}
