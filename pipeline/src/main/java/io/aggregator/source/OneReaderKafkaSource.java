package io.aggregator.source;

import java.lang.reflect.Method;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaCheckpointMark;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * KafkaIO's classic unbounded source, read by one reader whatever parallelism the runner asks
 * for, so that the watermark the runner sees is the slowest partition's (docs/semantics.md,
 * "Watermark").
 *
 * <p>Why: Beam 2.62's Spark runner takes the <em>largest</em> watermark over the readers of a
 * source ({@code SparkUnboundedSource.ReadReportDStream#compute}). With two readers, one that had
 * read its partitions further would move the job's watermark past events the other had not read
 * yet, and the aggregation would drop those unseen and uncounted; a quiet partition's reader would
 * never hold a window, so the idle rule would mean nothing. A single reader's watermark is the
 * minimum over its partitions ({@code KafkaUnboundedReader#getWatermark}), the rule every other
 * runner follows. The runner's other
 * steps still run in parallel; only the read and parse of the messages is one thread.
 *
 * <p>Why reflection: {@code KafkaIO.Read#makeSource} and the builder that sets the coders are
 * package-private in Beam 2.62. If a later Beam renames them, the job stops at start with this
 * class's message rather than reading with a watermark that runs ahead.
 */
final class OneReaderKafkaSource<K, V> extends UnboundedSource<KafkaRecord<K, V>, KafkaCheckpointMark> {

  private final UnboundedSource<KafkaRecord<K, V>, KafkaCheckpointMark> kafka;

  private OneReaderKafkaSource(UnboundedSource<KafkaRecord<K, V>, KafkaCheckpointMark> kafka) {
    this.kafka = kafka;
  }

  /** The source {@code read} expands to, with its coders set as its own expansion would. */
  @SuppressWarnings("unchecked")
  static <K, V> OneReaderKafkaSource<K, V> of(
      KafkaIO.Read<K, V> read, Coder<K> keyCoder, Coder<V> valueCoder) {
    try {
      Method toBuilder = KafkaIO.Read.class.getDeclaredMethod("toBuilder");
      toBuilder.setAccessible(true);
      Object builder = toBuilder.invoke(read);
      Class<?> builderType = Class.forName(KafkaIO.Read.class.getName() + "$Builder");
      invoke(builderType, builder, "setKeyCoder", keyCoder);
      invoke(builderType, builder, "setValueCoder", valueCoder);
      Method build = builderType.getDeclaredMethod("build");
      build.setAccessible(true);
      KafkaIO.Read<K, V> withCoders = (KafkaIO.Read<K, V>) build.invoke(builder);
      Method makeSource = KafkaIO.Read.class.getDeclaredMethod("makeSource");
      makeSource.setAccessible(true);
      return new OneReaderKafkaSource<>(
          (UnboundedSource<KafkaRecord<K, V>, KafkaCheckpointMark>) makeSource.invoke(withCoders));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this Beam version's KafkaIO.Read cannot be made into one reader's source: " + e, e);
    }
  }

  private static void invoke(Class<?> type, Object target, String setter, Coder<?> coder)
      throws ReflectiveOperationException {
    Method m = type.getDeclaredMethod(setter, Coder.class);
    m.setAccessible(true);
    m.invoke(target, coder);
  }

  /** One split holding every partition, whatever {@code desiredNumSplits} the runner asks for. */
  @Override
  public List<? extends UnboundedSource<KafkaRecord<K, V>, KafkaCheckpointMark>> split(
      int desiredNumSplits, PipelineOptions options) throws Exception {
    return kafka.split(1, options);
  }

  @Override
  public UnboundedReader<KafkaRecord<K, V>> createReader(
      PipelineOptions options, @Nullable KafkaCheckpointMark checkpointMark) throws java.io.IOException {
    return kafka.createReader(options, checkpointMark);
  }

  @Override
  public Coder<KafkaCheckpointMark> getCheckpointMarkCoder() {
    return kafka.getCheckpointMarkCoder();
  }

  @Override
  public boolean requiresDeduping() {
    return kafka.requiresDeduping();
  }

  @Override
  public Coder<KafkaRecord<K, V>> getOutputCoder() {
    return kafka.getOutputCoder();
  }
}
