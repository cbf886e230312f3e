package io.aggregator.page;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aggregator.options.PageAddress;
import io.aggregator.options.Secrets;
import io.aggregator.sink.MongoTarget;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.metrics.MetricResults;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results page (README, "Results page"): a small Javalin server in the launcher's process
 * that serves one HTML page, its script and Apache ECharts from the jar, and the JSON answers
 * the page polls: {@code /api/job}, {@code /api/documents}, {@code /api/totals}, {@code
 * /api/health}, {@code /api/rejects}. It reads MongoDB and the job's counters only when polled, so a job nobody looks
 * at pays nothing, and it listens on loopback unless {@code --resultsPage} names a host.
 */
public final class ResultsPage implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResultsPage.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  // Its own folder: a test package of the same name elsewhere on the class path would hide it.
  private static final String ASSETS = "/io/aggregator/page/assets";

  private final Javalin server;
  private final ResultsReader reader;
  private final PageView view;
  private final String host;
  private volatile @Nullable JobHealth health;

  private ResultsPage(Javalin server, ResultsReader reader, PageView view, String host) {
    this.server = server;
    this.host = host;
    this.reader = reader;
    this.view = view;
  }

  /**
   * Listens at {@code address} before the job starts, so a port in use stops the job at start.
   *
   * @throws IllegalArgumentException naming {@code --resultsPage} when the address cannot be bound
   */
  public static ResultsPage open(PageAddress address, PageView view, MongoTarget target) {
    ResultsReader reader = new ResultsReader(target, view.kind() == PageView.Kind.WINDOWED);
    Javalin server = Javalin.create(config -> {
      config.showJavalinBanner = false;
      config.staticFiles.add(files -> {
        files.hostedPath = "/";
        files.directory = ASSETS;
        files.location = Location.CLASSPATH;
      });
      config.staticFiles.enableWebjars(); // /webjars/echarts/<version>/dist/echarts.min.js
    });
    ResultsPage page = new ResultsPage(server, reader, view, address.host());
    server.get("/api/job", ctx -> page.json(ctx, view.asJson()));
    server.get("/api/documents", ctx -> page.fromMongo(ctx, reader::documents));
    server.get("/api/rejects", ctx -> page.fromMongo(ctx, reader::latestRejects));
    server.get("/api/totals", ctx -> page.fromMongo(ctx, reader::totals));
    server.get("/api/health", page::health);
    try {
      server.start(address.host(), address.port());
    } catch (RuntimeException e) {
      reader.close();
      throw new IllegalArgumentException(String.format(
          "Invalid value for %s: cannot listen on %s:%d (%s); give another port, or 0 for any free one",
          PageAddress.OPTION, address.host(), address.port(), rootMessage(e)), e);
    }
    LOG.info("Results page at {}", page.url());
    return page;
  }

  /** Shows the counters of the job started after the page: its metrics. */
  public void watch(Supplier<MetricResults> metrics) {
    health = new JobHealth(metrics, view.allowLateForMillis());
  }

  /** The page's address, with the port actually bound ({@code --resultsPage=0}). */
  public String url() {
    return "http://" + host + ":" + server.port() + "/";
  }

  private void health(Context ctx) {
    JobHealth h = health;
    json(ctx, h == null ? Map.of("starting", true) : h.snapshot(System.currentTimeMillis()));
  }

  private void fromMongo(Context ctx, Supplier<String> read) {
    try {
      ctx.contentType("application/json").result(read.get());
    } catch (RuntimeException e) {
      // MongoDB away: the page says so and polls again; the job has its own retry budget.
      ctx.status(503).contentType("text/plain").result("MongoDB: " + Secrets.mask(rootMessage(e)));
    }
  }

  private void json(Context ctx, Object value) {
    try {
      ctx.contentType("application/json").result(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers are JSON", e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  @Override
  public void close() {
    server.stop();
    reader.close();
  }
}
