package io.aggregator.source;

import io.aggregator.events.ParsedEventCoder;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.JsonEventParser;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.io.kafka.DeserializerProvider;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Gives KafkaIO a value deserializer that parses each message into a {@link ParsedEvent} with
 * {@link JsonEventParser}. Parsing inside the deserializer lets the read stamp each record with its
 * event time, so the per-partition watermark is event time from the start (one parse per message).
 */
public final class EventDeserializerProvider implements DeserializerProvider<ParsedEvent> {

  private final JsonEventParser parser;

  public EventDeserializerProvider(JsonEventParser parser) {
    this.parser = parser;
  }

  @Override
  public Deserializer<ParsedEvent> getDeserializer(Map<String, ?> configs, boolean isKey) {
    return (topic, data) -> parser.parse(data);
  }

  @Override
  public Coder<ParsedEvent> getCoder(CoderRegistry coderRegistry) {
    return ParsedEventCoder.of(parser.schema());
  }
}
