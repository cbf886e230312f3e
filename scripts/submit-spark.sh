#!/usr/bin/env bash
# Submits a job to a Spark 3.5 cluster with `spark-submit`: the same options as scripts/aggregator.
#
#   SPARK_MASTER=spark://spark-master:7077 scripts/submit-spark.sh --sqlFile=... --bootstrapServers=...
#
# Uses $SPARK_HOME/bin/spark-submit (or `spark-submit` on the PATH). The driver and executors get
# the Java 17 flags of runner-profiles/spark.conf; its CLUSTER_DEFAULTS are added when not given.
# AGGREGATOR_DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

jar="$(ensure_jar spark)"
master="${SPARK_MASTER:-spark://localhost:7077}"
submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
flags="$(jvm_flags spark)"
set -f
# shellcheck disable=SC2046,SC2086
run_or_show "$submit" --master "$master" --class io.aggregator.Aggregator \
  --conf "spark.driver.extraJavaOptions=$flags" --conf "spark.executor.extraJavaOptions=$flags" \
  ${SPARK_SUBMIT_ARGS:-} "$jar" \
  --runner=SparkRunner --sparkMaster="$master" "$@" $(cluster_defaults spark "$@")
