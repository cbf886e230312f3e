#!/usr/bin/env bash
# Submits a job to a Spark 3.5 cluster with `spark-submit`: the same options as scripts/aggregator.
#
#   SPARK_MASTER=spark://spark-master:7077 scripts/submit-spark.sh --sqlFile=... --bootstrapServers=...
#
# Uses $SPARK_HOME/bin/spark-submit, `spark-submit` on the PATH, or else Spark's submit class from
# the runner's jar (as with scripts/spark-cluster.sh, no Spark download). The driver and executors get
# the Java 17 flags of runner-profiles/spark.conf; its CLUSTER_DEFAULTS are added when not given.
# AGGREGATOR_DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

jar="$(ensure_jar spark)"
master="${SPARK_MASTER:-spark://localhost:7077}"
flags="$(jvm_flags spark)"
set -f
if [ -n "${SPARK_HOME:-}" ] || command -v spark-submit > /dev/null; then
  submit=("${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit")
else
  # No Spark installation: Spark's submit class is in the runner's jar. The driver runs in this
  # JVM (client mode), so the flags Spark needs on Java 17 go to this java command.
  # shellcheck disable=SC2206
  submit=(java $flags -cp "$jar" org.apache.spark.deploy.SparkSubmit)
fi
# shellcheck disable=SC2046,SC2086
run_or_show "${submit[@]}" --master "$master" --class io.aggregator.Aggregator \
  --conf "spark.driver.extraJavaOptions=$flags" --conf "spark.executor.extraJavaOptions=$flags" \
  ${SPARK_SUBMIT_ARGS:-} "$jar" \
  --runner=SparkRunner --sparkMaster="$master" "$@" $(cluster_defaults spark "$@")
