package io.aggregator.source;

/** Why a message went to the rejects destination (SPEC §8); the name is stored with it. */
public enum RejectReason {
  EMPTY_MESSAGE,
  TOO_LARGE,
  MALFORMED_JSON,
  MISSING_TIMESTAMP,
  BAD_TIMESTAMP,
  TYPE_MISMATCH
}
