#!/usr/bin/env bash
# Submits a job to a Flink 1.19 cluster with `flink run`: the same options as scripts/aggregator.
#
#   scripts/submit-flink.sh --sqlFile=sql_files/interactions_per_item_5m.sql --bootstrapServers=kafka:9092 ...
#
# Uses $FLINK_HOME/bin/flink (or `flink` on the PATH) and its configured JobManager (-m HOST:PORT
# in FLINK_RUN_ARGS to pick another). Adds the CLUSTER_DEFAULTS of runner-profiles/flink.conf that
# the command line does not set. AGGREGATOR_DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

jar="$(ensure_jar flink)"
flink="${FLINK_HOME:+$FLINK_HOME/bin/}flink"
set -f
# shellcheck disable=SC2046,SC2086
run_or_show "$flink" run ${FLINK_RUN_ARGS:-} -c io.aggregator.Aggregator "$jar" \
  --runner=FlinkRunner "$@" $(cluster_defaults flink "$@")
