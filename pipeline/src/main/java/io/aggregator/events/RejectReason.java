package io.aggregator.events;

/** Why a message went to the rejects destination (docs/semantics.md, "Bad input"); the name is stored with it. */
public enum RejectReason {
  EMPTY_MESSAGE,
  TOO_LARGE,
  MALFORMED_JSON,
  MISSING_TIMESTAMP,
  BAD_TIMESTAMP,
  /** An event time further ahead of the processing clock than {@code --maxEventTimeSkew}. */
  FUTURE_TIMESTAMP,
  TYPE_MISMATCH
}
