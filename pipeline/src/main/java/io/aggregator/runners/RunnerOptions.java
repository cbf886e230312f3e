package io.aggregator.runners;

import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * Reads and sets a runner's own options by reflection, so that each runner's jar needs no other
 * runner's classes and the pipeline's code names no runner's options interface.
 */
final class RunnerOptions {

  static final String DIRECT = "org.apache.beam.runners.direct.DirectOptions";
  static final String FLINK = "org.apache.beam.runners.flink.FlinkPipelineOptions";
  static final String SPARK_COMMON = "org.apache.beam.runners.spark.SparkCommonPipelineOptions";
  static final String SPARK = "org.apache.beam.runners.spark.SparkPipelineOptions";

  private RunnerOptions() {}

  /** The value of {@code property} of the options interface {@code type} ({@code get…} or {@code is…}). */
  static Object get(PipelineOptions options, String type, String property) {
    try {
      Class<? extends PipelineOptions> cls = Class.forName(type).asSubclass(PipelineOptions.class);
      PipelineOptions view = options.as(cls);
      try {
        return cls.getMethod("get" + property).invoke(view);
      } catch (NoSuchMethodException e) {
        return cls.getMethod("is" + property).invoke(view);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + property + " of " + type + ": " + e, e);
    }
  }

  /** Sets {@code property} of the options interface {@code type}. */
  static <T> void set(
      PipelineOptions options, String type, String property, Class<T> valueType, T value) {
    try {
      Class<? extends PipelineOptions> cls = Class.forName(type).asSubclass(PipelineOptions.class);
      cls.getMethod("set" + property, valueType).invoke(options.as(cls), value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot set " + property + " of " + type + ": " + e, e);
    }
  }

  /** Sets {@code property} unless the user has set it. */
  static <T> void setIfUnset(
      PipelineOptions options, String type, String property, Class<T> valueType, T value) {
    if (get(options, type, property) == null) {
      set(options, type, property, valueType, value);
    }
  }

  /**
   * Sets {@code property} unless the user gave it. For an option whose default is never null
   * (a default factory), "unset" cannot be read off its value; Beam leaves defaults out of the
   * options' display data, which lists an option only once its interface is known to the options.
   */
  static <T> void setIfNotGiven(
      PipelineOptions options, String type, String property, Class<T> valueType, T value) {
    try {
      options.as(Class.forName(type).asSubclass(PipelineOptions.class));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot read " + property + " of " + type + ": " + e, e);
    }
    String name = Character.toLowerCase(property.charAt(0)) + property.substring(1);
    boolean given =
        DisplayData.from(options).items().stream().anyMatch(item -> item.getKey().equals(name));
    if (!given) {
      set(options, type, property, valueType, value);
    }
  }

  /** Whether the options interface {@code type} is on the classpath (its runner's build). */
  static boolean onClasspath(String type) {
    try {
      Class.forName(type);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
