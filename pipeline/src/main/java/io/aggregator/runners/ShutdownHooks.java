package io.aggregator.runners;

import java.lang.reflect.Proxy;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Runs a hook when the JVM is asked to stop (Ctrl-C, SIGTERM), before the runner's own hooks tear
 * the runner down.
 *
 * <p>Why this matters on Spark: Spark registers its own shutdown hooks, and since 3.x the local
 * executor's (priority 100) stops its task threads before the StreamingContext's (51) stops the
 * stream. A micro-batch in flight then waits forever for tasks that are never run, holding the
 * lock the stream's stop needs: a streaming job in {@code local[N]} never exits after SIGTERM.
 * A JVM hook of ours runs at the same time as Spark's, so the job is cancelled from Spark's own
 * hook manager at a higher priority, while the executor still runs tasks. Elsewhere it is a plain
 * JVM hook. Spark is reached by reflection: the other runners' jars have no Spark classes.
 */
public final class ShutdownHooks {

  /** Runs before every Spark hook: the executor's (100), the StreamingContext's (51), ... */
  static final int BEFORE_SPARK = 1000;

  static final String SPARK_HOOKS = "org.apache.spark.util.ShutdownHookManager";

  private final @Nullable Object sparkHook;
  private final @Nullable Thread jvmHook;

  private ShutdownHooks(@Nullable Object sparkHook, @Nullable Thread jvmHook) {
    this.sparkHook = sparkHook;
    this.jvmHook = jvmHook;
  }

  /** Registers {@code hook} to run at shutdown, before the Spark runner's hooks on Spark. */
  public static ShutdownHooks add(Runner runner, Thread hook) {
    if (runner == Runner.SPARK) {
      try {
        Class<?> function0 = Class.forName("scala.Function0");
        Object body =
            Proxy.newProxyInstance(
                function0.getClassLoader(),
                new Class<?>[] {function0},
                (proxy, method, args) -> {
                  switch (method.getName()) {
                    case "apply":
                    case "apply$mcV$sp":
                      hook.run();
                      return null;
                    case "toString":
                      return hook.getName();
                    case "hashCode":
                      return System.identityHashCode(proxy);
                    case "equals":
                      return proxy == args[0];
                    default:
                      throw new UnsupportedOperationException(method.getName());
                  }
                });
        Object ref =
            Class.forName(SPARK_HOOKS)
                .getMethod("addShutdownHook", int.class, function0)
                .invoke(null, BEFORE_SPARK, body);
        return new ShutdownHooks(ref, null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot register a Spark shutdown hook: " + e, e);
      }
    }
    Runtime.getRuntime().addShutdownHook(hook);
    return new ShutdownHooks(null, hook);
  }

  /** Unregisters the hook; does nothing once the JVM is shutting down. */
  public void remove() {
    try {
      if (jvmHook != null) {
        Runtime.getRuntime().removeShutdownHook(jvmHook);
      } else if (sparkHook != null) {
        Class.forName(SPARK_HOOKS).getMethod("removeShutdownHook", Object.class).invoke(null, sparkHook);
      }
    } catch (IllegalStateException | ReflectiveOperationException e) {
      // already shutting down
    }
  }
}
