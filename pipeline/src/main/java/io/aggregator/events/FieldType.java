package io.aggregator.events;

import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;

/** The column types a {@code --jsonFieldsMap} entry may declare (docs/semantics.md, "Events"). */
public enum FieldType {
  STRING(Schema.FieldType.STRING),
  BIGINT(Schema.FieldType.INT64),
  INTEGER(Schema.FieldType.INT32),
  DOUBLE(Schema.FieldType.DOUBLE),
  BOOLEAN(Schema.FieldType.BOOLEAN),
  TIMESTAMP(Schema.FieldType.DATETIME);

  private final Schema.FieldType beamType;

  FieldType(Schema.FieldType beamType) {
    this.beamType = beamType;
  }

  public Schema.FieldType beamType() {
    return beamType;
  }

  /** The type named {@code name}, case-insensitive; {@code INT} and {@code LONG} are aliases. */
  public static FieldType named(String name) {
    String n = name.trim().toUpperCase(Locale.ROOT);
    switch (n) {
      case "INT":
        return INTEGER;
      case "LONG":
        return BIGINT;
      case "VARCHAR":
        return STRING;
      default:
        return valueOf(n);
    }
  }
}
