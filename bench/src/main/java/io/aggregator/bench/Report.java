package io.aggregator.bench;

import io.aggregator.bench.ThroughputBenchmark.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Medians, CSV files and the chart of a benchmark run. */
final class Report {

  static final String RAW = "raw Kafka + JSON";

  private Report() {}

  static void write(List<Run> runs, Path out) throws IOException {
    List<String> csv = new ArrayList<>();
    csv.add("runner,file,round,events,wall_s,job_s,events_per_s_process,events_per_s_job,peak_rss_mb,documents,mongo_write_s,cpu_s");
    for (Run r : runs) {
      csv.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%.3f,%.0f,%.0f,%d,%d,%.3f,%.1f",
          r.runner(), r.file(), r.round(), r.events(), r.wallSeconds(), r.jobSeconds(),
          r.wallRate(), r.jobRate(), r.peakRssKb() / 1024, r.documents(), r.mongoSeconds(),
          r.cpuSeconds()));
    }
    Files.write(out.resolve("results.csv"), csv);

    Map<String, List<Run>> groups = new LinkedHashMap<>();
    for (Run r : runs) {
      groups.computeIfAbsent(r.runner() + " " + r.file(), k -> new ArrayList<>()).add(r);
    }
    double raw = median(groups.get(RAW + " -").stream().mapToDouble(Run::wallRate).toArray());
    List<String> summary = new ArrayList<>();
    summary.add("runner,file,runs,median_events_per_s_process,min,max,ratio_to_raw,median_events_per_s_job,median_peak_rss_mb,median_mongo_share,median_cores_used");
    System.out.printf(Locale.ROOT, "%nmedians of %d rounds (events/s over the whole process; ratio to the raw limit measured in the same run)%n",
        groups.get(RAW + " -").size());
    List<String> labels = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    for (Map.Entry<String, List<Run>> g : groups.entrySet()) {
      List<Run> rs = g.getValue();
      double[] wall = rs.stream().mapToDouble(Run::wallRate).toArray();
      double med = median(wall);
      double min = java.util.Arrays.stream(wall).min().orElse(0);
      double max = java.util.Arrays.stream(wall).max().orElse(0);
      double job = median(rs.stream().mapToDouble(Run::jobRate).toArray());
      double rss = median(rs.stream().mapToDouble(r -> r.peakRssKb() / 1024.0).toArray());
      double mongo = median(rs.stream().mapToDouble(r -> r.mongoSeconds() / r.jobSeconds()).toArray());
      double cores = median(rs.stream().mapToDouble(Run::coresUsed).toArray());
      Run first = rs.get(0);
      summary.add(String.format(Locale.ROOT, "%s,%s,%d,%.0f,%.0f,%.0f,%.3f,%.0f,%.0f,%.3f,%.2f",
          first.runner(), first.file(), rs.size(), med, min, max, med / raw, job, rss, mongo, cores));
      System.out.printf(Locale.ROOT,
          "%-18s %-32s median %,9.0f/s (min %,9.0f, max %,9.0f)  %.3f x raw   job-only %,9.0f/s"
              + "   %.2f cores   peak RSS %,5.0f MB%s%n",
          first.runner(), first.file(), med, min, max, med / raw, job, cores, rss,
          mongo > 0 ? String.format(Locale.ROOT, "   MongoDB %.1f%% of the job", 100 * mongo) : "");
      labels.add(first.runner().equals(RAW) ? "raw limit"
          : first.runner().replace("Runner", "") + (files(runs) > 1 ? " " + first.file().replace(".sql", "") : ""));
      rates.add((double) Math.round(med));
    }
    Files.write(out.resolve("summary.csv"), summary);

    CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
        .title(String.format(Locale.ROOT, "Events/s over the whole process, median of %d runs (%s)",
            groups.get(RAW + " -").size(), runs.stream().filter(r -> !r.runner().equals(RAW))
                .map(Run::file).distinct().reduce((a, b) -> a + ", " + b).orElse("")))
        .xAxisTitle("").yAxisTitle("events/s").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setYAxisDecimalPattern("#,###");
    chart.getStyler().setLabelsVisible(true);
    chart.addSeries("events/s", labels, rates);
    BitmapEncoder.saveBitmap(chart, out.resolve("throughput.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    System.out.println("wrote " + out.resolve("results.csv") + ", " + out.resolve("summary.csv")
        + " and " + out.resolve("throughput.png"));
  }

  private static long files(List<Run> runs) {
    return runs.stream().filter(r -> !r.runner().equals(RAW)).map(Run::file).distinct().count();
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
