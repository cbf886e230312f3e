package io.aggregator.page;

import static org.junit.Assert.assertEquals;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.Aggregator;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import io.aggregator.launch.RunningJob;
import io.aggregator.metrics.JobMetrics;
import io.aggregator.quickstart.QuickStart;
import io.aggregator.sink.RejectDocuments;
import io.aggregator.sql.EventCount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.bson.Document;
import org.junit.Test;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The results page in a real browser (headless Chromium through WebDriver) against an unbounded
 * job over the in-process Kafka and MongoDB-wire servers: the table shows exactly the documents
 * MongoDB holds and the counts worked out here from the events sent, it updates when new events
 * arrive, its counters are the job's and agree with MongoDB, and a reject shows in its panel. The
 * screenshot it takes is the README's ({@link #SCREENSHOT}).
 */
public class ResultsPageIT {

  static final String SCREENSHOT = "docs/results-page.png";
  static final String TOPIC = "page";
  static final String COLLECTION = "page";
  static final long T0 = Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();
  static final long WINDOW = 5 * 60_000L;
  static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  public void showsTheCollectionLiveWithTheJobsCounters() throws Exception {
    Path root = Path.of(System.getProperty("aggregator.repoRoot", "..")).toAbsolutePath().normalize();
    EventGenerator generator = new EventGenerator(7, 50, 6, 3, 0.0, 0);
    List<Interaction> first = generator.batch(300, T0, WINDOW);
    List<Interaction> second = generator.batch(200, T0 + WINDOW, WINDOW);
    String malformed = "{\"item_id\": \"i-1\", \"timestamp\": ";

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start();
        KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers());
        MongoClient client = MongoClients.create(mongo.uri())) {
      kafka.createTopic(TOPIC, 2);
      send(producer, first);
      // The reject goes to partition 0 after the first batch's events there: its offset is known.
      long rejectOffset = (first.size() + 1) / 2;
      EventGenerator.send(producer, TOPIC, List.of(malformed.getBytes(StandardCharsets.UTF_8)), i -> 0);

      RunningJob job = Aggregator.start(jobArgs(root, kafka, mongo));
      WebDriver browser = Browser.headlessChromium();
      try {
        browser.get(job.resultsPageUrl());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.withMessage(() -> "page status '" + PageContent.status(browser) + "', table "
            + PageContent.table(browser) + ", MongoDB "
            + countsInMongo(client) + ", job counters " + JobMetrics.counterSums(job.metrics()));

        Map<String, Long> expected = countsByGroup(first);
        wait.until(b -> PageContent.table(b).equals(expected));
        assertEquals("the page shows what MongoDB holds", countsInMongo(client), PageContent.table(browser));
        wait.until(b -> PageContent.rejectRows(b).contains("0/" + rejectOffset + " MALFORMED_JSON"));

        send(producer, second); // a new window and its groups: the page follows without a reload
        List<Interaction> all = new ArrayList<>(first);
        all.addAll(second);
        Map<String, Long> expectedAll = countsByGroup(all);
        wait.until(b -> PageContent.table(b).equals(expectedAll));
        assertEquals(countsInMongo(client), PageContent.table(browser));

        // Counters: the page's are the job's, and agree with MongoDB once everything is written.
        long messages = all.size() + 1;
        wait.until(b -> PageContent.counter(b, "messagesRead") == messages
            && PageContent.counter(b, "documentsWritten") == job.counter(JobMetrics.DOCUMENTS_WRITTEN)
            && PageContent.counter(b, "rejectsWritten") == 1);
        assertEquals(messages, job.counter(JobMetrics.EVENTS_READ) + job.counter(JobMetrics.EVENTS_DROPPED_LATE));
        assertEquals(1, PageContent.counter(browser, "rejected"));
        assertEquals(0, PageContent.counter(browser, "droppedLate"));
        assertEquals("events in MongoDB's documents", all.size(), eventsInMongo(client));
        wait.until(b -> PageContent.total(b, "events") == all.size()
            && PageContent.total(b, "documents") == expectedAll.size());
        assertEquals(1, client.getDatabase(QuickStart.DATABASE)
            .getCollection(COLLECTION + RejectDocuments.COLLECTION_SUFFIX).countDocuments());
        assertEquals("both partitions' watermarks", 2, PageContent.watermarkRows(browser));

        Path shot = root.resolve(SCREENSHOT);
        Files.write(shot, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
      } finally {
        browser.quit();
        job.cancel();
      }
    }
  }

  private static String[] jobArgs(Path root, EmbeddedKafka kafka, EmbeddedMongo mongo) throws Exception {
    return new String[] {
      "--bootstrapServers=" + kafka.bootstrapServers(),
      "--topic=" + TOPIC,
      "--sqlFile=" + root.resolve(QuickStart.DEFAULT_SQL_FILE),
      "--jsonFieldsMap=item_id=$.item_id",
      "--jsonFieldsMap=interaction_type=$.interaction_type",
      "--batchInterval=1 second",
      "--sink=mongo",
      "--writerConf=uri=" + mongo.uri(),
      "--writerConf=database=" + QuickStart.DATABASE,
      "--writerConf=collection=" + COLLECTION,
      "--checkpointDir=" + Files.createTempDirectory("page-checkpoints"),
      "--resultsPage=0",
    };
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, List<Interaction> events) throws Exception {
    List<byte[]> values = new ArrayList<>();
    events.forEach(e -> values.add(e.toJsonBytes()));
    EventGenerator.send(producer, TOPIC, values, i -> i % 2);
  }

  /** The counts the file computes, worked out in plain Java: window start / item / type → events. */
  static Map<String, Long> countsByGroup(List<Interaction> events) {
    Map<String, Long> counts = new TreeMap<>();
    for (Interaction e : events) {
      long start = e.timestampMillis - Math.floorMod(e.timestampMillis, WINDOW);
      counts.merge(PageContent.key(Instant.ofEpochMilli(start), e.itemId, e.interactionType), 1L, Long::sum);
    }
    return counts;
  }

  private static Map<String, Long> countsInMongo(MongoClient client) {
    Map<String, Long> counts = new TreeMap<>();
    for (Document d : client.getDatabase(QuickStart.DATABASE).getCollection(COLLECTION).find()) {
      Instant start = ((Document) d.get("window")).getDate("start").toInstant();
      counts.put(PageContent.key(start, d.getString("item_id"), d.getString("interaction_type")),
          ((Number) d.get("interaction_count")).longValue());
    }
    return counts;
  }

  private static long eventsInMongo(MongoClient client) {
    long sum = 0;
    for (Document d : client.getDatabase(QuickStart.DATABASE).getCollection(COLLECTION).find()) {
      sum += ((Number) d.get(EventCount.COLUMN)).longValue();
    }
    return sum;
  }
}
