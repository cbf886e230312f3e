package io.aggregator.events;

import java.io.Serializable;
import org.apache.beam.sdk.values.Row;

/**
 * The rejects destination, written from inside the step that finds the rejects rather than fed by
 * an output of it. Where a runner makes a step's second output costly (Spark's batch translation
 * persists every element of a step with two outputs; README, "No step with two outputs"), the read
 * hands its rejects to one of these and has only one output. Implemented by the sinks, so that the
 * source imports none.
 *
 * <p>A step opens one {@link Session} when it is set up, writes each reject to it, flushes it at
 * the end of every bundle (a bundle is committed only after its rejects are written: nothing is
 * lost) and closes it at tear-down. A reject's document is named by its message's topic, partition
 * and offset, so a bundle run again replaces the rejects it wrote, never duplicates them.
 */
public interface RejectWriter extends Serializable {

  /** Opens a session on the destination; called once per instance of the step. */
  Session open();

  /** One step instance's writes. */
  interface Session extends AutoCloseable {

    /** Takes one {@link EventTags#REJECT_SCHEMA} row; it may be held until {@link #flush()}. */
    void write(Row reject);

    /**
     * Writes everything held.
     *
     * @throws RuntimeException when the destination cannot be written within its retry budget:
     *     the bundle fails, and the job with it, rather than losing a reject
     */
    void flush();

    @Override
    void close();
  }
}
