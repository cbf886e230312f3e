#!/usr/bin/env bash
# Benchmark (events/s and peak memory per runner, against the raw Kafka + JSON limit measured in
# the same run). Starts a broker and a MongoDB-wire server in-process (or uses --bootstrapServers /
# --mongoUri), loads the events once, then runs each runner and file as a bounded replay in a
# process of its own, --runs times, and the raw consumer as many times. Prints every run and the
# medians; writes results.csv, summary.csv and throughput.png to --out (bench-results/).
#
#   scripts/bench.sh                                      # 2,000,000 events, Direct and Flink, 3 runs
#   scripts/bench.sh --runners=FlinkRunner --events=500000 --runs=5
#   scripts/bench.sh --runners=FlinkRunner --jobArgs="--fasterCopy=false"   # options for every job
#   scripts/bench.sh --sqlFiles=sql_files/interactions_per_item_5m.sql,sql_files/avg_interactions_per_user_5m.sql
#   scripts/bench.sh --runners=DirectRunner --jobArgs="--resultsPage=0"   # with the results page polled every 2 s
#   scripts/bench.sh --peers=none                         # without native Flink SQL and Spark Structured Streaming
#   scripts/bench.sh --runners=DirectRunner --unbounded=true --events=300000   # unbounded jobs, timed until every event is reflected
#   scripts/bench.sh --runners=FlinkRunner --peers=flink-sql,spark-ss-2
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runners=DirectRunner,FlinkRunner
peers=all
for arg in "$@"; do
  case "$arg" in
    --runners=*) runners="${arg#--runners=}" ;;
    --peers=*) peers="${arg#--peers=}" ;;
  esac
done
IFS=, read -ra list <<< "$runners"
for r in "${list[@]}"; do
  ensure_jar "$(runner_profile "$r")" > /dev/null
done
classpath="$(ensure_classpath bench direct)"
if [ "$peers" != none ]; then
  ensure_peers
fi
cd "$AGGREGATOR_ROOT"
exec java -Xmx4g -cp "$classpath" io.aggregator.bench.ThroughputBenchmark \
  --root="$AGGREGATOR_ROOT" "$@"
