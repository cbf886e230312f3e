package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import java.lang.reflect.Method;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;

/**
 * Gives KafkaIO's splittable read a {@link TimestampPolicyFactory}, as its classic read takes one.
 *
 * <p>Why reflection: {@code ReadSourceDescriptors.withTimestampPolicyFactory} is package-private
 * in Beam 2.62, used only by {@code KafkaIO.read()}'s own splittable expansion, which we cannot use
 * because it discovers partitions only under the portable {@code beam_fn_api} experiment. A
 * policy, unlike the public output-timestamp function, knows its partition: it is what lets one
 * object stamp each record, decide whether it is late and make the partition's watermark
 * ({@code time/EventTimePolicyFactory}). If a later Beam renames the method, the job stops at
 * start with this message rather than reading without its watermark.
 */
final class TimestampPolicies {

  private TimestampPolicies() {}

  @SuppressWarnings("unchecked")
  static KafkaIO.ReadSourceDescriptors<byte[], ParsedEvent> withPolicy(
      KafkaIO.ReadSourceDescriptors<byte[], ParsedEvent> read,
      TimestampPolicyFactory<byte[], ParsedEvent> policy) {
    try {
      Method m =
          KafkaIO.ReadSourceDescriptors.class.getDeclaredMethod(
              "withTimestampPolicyFactory", TimestampPolicyFactory.class);
      m.setAccessible(true);
      return (KafkaIO.ReadSourceDescriptors<byte[], ParsedEvent>) m.invoke(read, policy);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this Beam version's KafkaIO.ReadSourceDescriptors has no withTimestampPolicyFactory: " + e,
          e);
    }
  }
}
