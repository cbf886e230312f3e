package io.aggregator;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * The packages' dependencies run one way (README, "Layout"): what each package of the job may
 * import of ours. A new import outside this table fails here, so that a sink, a runner or the
 * launcher never leaks into the generic steps.
 */
public class PackageDependenciesTest {

  static final Map<String, Set<String>> ALLOWED = Map.of(
      "metrics", Set.of(),
      "events", Set.of(),
      "options", Set.of("events"),
      "time", Set.of("events", "metrics", "options"),
      "sql", Set.of("events", "metrics"),
      "source", Set.of("events", "metrics", "options", "time"),
      "sink", Set.of("events", "metrics", "options", "sql"),
      "runners", Set.of("metrics", "source"),
      // The results page reads what the sink wrote; nothing but the launcher uses it.
      "page", Set.of("events", "metrics", "options", "sql", "sink"));

  static final Path MAIN = Path.of(System.getProperty("user.dir"), "src", "main", "java", "io", "aggregator");
  static final Pattern IMPORT = Pattern.compile("^import io\\.aggregator\\.(\\w+)", Pattern.MULTILINE);

  @Test
  public void eachPackageImportsOnlyWhatItsLayerMay() throws IOException {
    Set<String> read = new TreeSet<>();
    Map<String, Set<String>> unexpected = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        Path rel = MAIN.relativize(f);
        if (rel.getNameCount() < 2) {
          continue; // the root classes (main, graph, plan) may use every package
        }
        String pkg = rel.getName(0).toString();
        read.add(pkg);
        Set<String> allowed = ALLOWED.get(pkg); // null: launch, which starts the job, uses all
        Matcher m = IMPORT.matcher(Files.readString(f));
        while (m.find()) {
          String used = m.group(1); // a package, or a root class such as JobPlan
          if (allowed != null && !used.equals(pkg) && !allowed.contains(used)) {
            unexpected.computeIfAbsent(pkg, k -> new TreeSet<>()).add(used);
          }
        }
      }
    }
    assertEquals("imports outside the allowed table, by package", Map.of(), unexpected);
    assertEquals("every package of the table was read", true, read.containsAll(ALLOWED.keySet()));
  }
}
