package io.aggregator.bench;

import io.aggregator.bench.LongRun.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The samples of {@link LongRunBenchmark}: a CSV, a summary per job and the chart. */
final class LongRunReport {

  private LongRunReport() {}

  static void write(List<Sample> samples, Path out, int days) throws IOException {
    List<String> csv = new ArrayList<>(List.of("runner,file,seconds,day,events,live_heap_mb,rss_mb"));
    Map<String, List<Sample>> runs = new LinkedHashMap<>();
    for (Sample s : samples) {
      csv.add(String.format(Locale.ROOT, "%s,%s,%.0f,%.2f,%d,%d,%d", s.runner(), s.file(),
          s.seconds(), s.day(), s.events(), s.heapAfterGcMb(), s.rssMb()));
      runs.computeIfAbsent(s.runner().replace("Runner", "") + " " + s.file().replace(".sql", ""),
          k -> new ArrayList<>()).add(s);
    }
    Files.write(out.resolve("longrun.csv"), csv);

    System.out.printf(Locale.ROOT, "%nlive heap after a full GC: first and last sample from simulated day 1 on, and"
        + " the least-squares growth per 10 simulated days over those samples (0: flat)%n");
    XYChart chart = new XYChartBuilder().width(900).height(500)
        .title("Live heap after a full GC against simulated days (" + days + " days of events, unbounded jobs)")
        .xAxisTitle("simulated day").yAxisTitle("live heap after a full GC, MB").build();
    for (Map.Entry<String, List<Sample>> run : runs.entrySet()) {
      List<Sample> s = run.getValue();
      List<Sample> settled = s.stream().filter(x -> x.day() >= 1).toList();
      if (settled.isEmpty()) {
        settled = s;
      }
      Sample first = settled.get(0);
      Sample last = settled.get(settled.size() - 1);
      System.out.printf(Locale.ROOT,
          "%-45s day %5.1f: %,5d MB   day %5.1f: %,5d MB   %+,7.1f MB per 10 days   peak RSS %,6d MB%n",
          run.getKey(), first.day(), first.heapAfterGcMb(), last.day(), last.heapAfterGcMb(),
          10 * slope(settled), s.stream().mapToLong(Sample::rssMb).max().orElse(0));
      chart.addSeries(run.getKey(),
          s.stream().mapToDouble(Sample::day).toArray(),
          s.stream().mapToDouble(Sample::heapAfterGcMb).toArray());
    }
    BitmapEncoder.saveBitmap(chart, out.resolve("longrun.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    System.out.println("wrote " + out.resolve("longrun.csv") + " and " + out.resolve("longrun.png"));
  }

  /**
   * The samples of earlier runs' {@code longrun.csv} files, so that one chart can show runners
   * measured at different rates (the DirectRunner keeps up with fewer events a second).
   */
  static List<Sample> read(Path csv) throws IOException {
    List<Sample> samples = new ArrayList<>();
    List<String> lines = Files.readAllLines(csv);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      samples.add(new Sample(f[0], f[1], Double.parseDouble(f[2]), Double.parseDouble(f[3]),
          Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6])));
    }
    return samples;
  }

  /** MB per simulated day, by least squares over the samples. */
  static double slope(List<Sample> s) {
    double n = s.size();
    double mx = s.stream().mapToDouble(Sample::day).sum() / n;
    double my = s.stream().mapToDouble(Sample::heapAfterGcMb).sum() / n;
    double sxy = 0;
    double sxx = 0;
    for (Sample x : s) {
      sxy += (x.day() - mx) * (x.heapAfterGcMb() - my);
      sxx += (x.day() - mx) * (x.day() - mx);
    }
    return sxx == 0 ? 0 : sxy / sxx;
  }
}
