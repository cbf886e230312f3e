package io.aggregator.time;

import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * How a job treats event time as it reads (docs/semantics.md, "Watermark" and "Lateness").
 *
 * @param lag {@code --allowLateFor}: how far each partition's watermark trails its largest event
 *     time
 * @param lateEvents when an event of the query's window is late, or null for a query without one
 * @param idleTimeout {@code --idleTimeout}: how long a partition may deliver nothing before it
 *     stops holding the watermark back (unbounded jobs); zero for never
 */
public record EventTimeRules(Duration lag, @Nullable LateEvents lateEvents, Duration idleTimeout)
    implements Serializable {}
