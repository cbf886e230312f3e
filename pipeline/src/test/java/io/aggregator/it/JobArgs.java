package io.aggregator.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a test job: what the integration tests share, then the runner's options. */
final class JobArgs {

  private JobArgs() {}

  /**
   * {@code --writeMethod=update}, 1-second batches and the suite's lateness, on this build's
   * runner; the caller adds its own ({@code --readUntilLatest}, ...) to the list returned.
   *
   * @param fields {@code alias=$.path} entries of {@code --jsonFieldsMap}
   */
  static List<String> of(String bootstrapServers, String topic, Path sqlFile, String mongoUri,
      String database, String collection, String... fields) {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + bootstrapServers,
        "--topic=" + topic,
        "--sqlFile=" + sqlFile,
        "--allowLateFor=" + TestData.ALLOW_LATE_FOR,
        "--batchInterval=1 second",
        "--writeMethod=update",
        "--writerConf=uri=" + mongoUri,
        "--writerConf=database=" + database,
        "--writerConf=collection=" + collection));
    for (String f : fields) {
      args.add("--jsonFieldsMap=" + f);
    }
    args.addAll(Runners.options(Runners.current()));
    return args;
  }
}
