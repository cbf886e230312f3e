package io.aggregator.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Polls a job's results page the way the page's script does (every answer it reads, every 2
 * seconds) while the job runs, so a benchmark run with {@code --jobArgs=--resultsPage=0} measures
 * the job with someone watching. The address is read from the job's log, where the launcher prints
 * it at start.
 */
final class PagePoller implements AutoCloseable {

  static final Pattern URL = Pattern.compile("results page at (http://\\S+/)");
  static final List<String> ANSWERS = List.of("api/health", "api/documents", "api/rejects", "api/totals");
  static final long POLL_MILLIS = 2_000;

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong polls = new AtomicLong();
  private final Thread thread;

  PagePoller(Path log) {
    thread = new Thread(() -> poll(log), "page-poller");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether a job's options ask for the page. */
  static boolean wanted(List<String> jobArgs) {
    return jobArgs.stream().anyMatch(a -> a.startsWith("--resultsPage") && !a.endsWith("=off"));
  }

  private void poll(Path log) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String base = null;
    while (running.get()) {
      try {
        if (base == null) {
          Matcher m = URL.matcher(Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "");
          base = m.find() ? m.group(1) : null;
        } else {
          for (String answer : ANSWERS) {
            http.send(HttpRequest.newBuilder(URI.create(base + answer)).build(),
                HttpResponse.BodyHandlers.discarding());
          }
          polls.incrementAndGet();
        }
        Thread.sleep(base == null ? 100 : POLL_MILLIS); // a poll interval, as the page's own
      } catch (IOException e) {
        // the job has ended and its page with it, or has not opened it yet
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  long polls() {
    return polls.get();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.interrupt();
    thread.join(5_000);
  }
}
