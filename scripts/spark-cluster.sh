#!/usr/bin/env bash
# A Spark 3.5 standalone cluster on this machine without Docker or a Spark download: one master and
# two workers (--workers=N), each its own JVM, run from the Spark runner's jar with the settings in
# runner-profiles/spark-cluster/. PIDs, logs and the workers' Spark home go to .spark-cluster/.
#
#   scripts/spark-cluster.sh start      # master at spark://127.0.0.1:7077, UI http://127.0.0.1:8090
#   SPARK_MASTER=spark://127.0.0.1:7077 scripts/submit-spark.sh --sqlFile=... --bootstrapServers=...
#   scripts/spark-cluster.sh status
#   scripts/spark-cluster.sh add-worker   # one more, e.g. to replace one that was lost
#   scripts/spark-cluster.sh stop
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command="${1:-status}"
workers=2
for arg in "${@:2}"; do
  case "$arg" in --workers=*) workers="${arg#--workers=}" ;; esac
done
conf="$AGGREGATOR_ROOT/runner-profiles/spark-cluster"
run="$AGGREGATOR_ROOT/.spark-cluster"
# shellcheck disable=SC1091
source "$conf/cluster.conf"
master="spark://127.0.0.1:$MASTER_PORT"
ui="http://127.0.0.1:$MASTER_WEBUI_PORT"

# A worker starts each executor as `java -cp $SPARK_HOME/jars/*`: a Spark home whose jars/ holds
# the runner's jar is all it needs.
spark_home() {
  mkdir -p "$run/home/jars" "$run/work"
  ln -sf "$jar" "$run/home/jars/aggregator-spark.jar"
}

start_jvm() { # name main-class args...
  local name="$1" main="$2"
  shift 2
  SPARK_HOME="$run/home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 \
    nohup java $(jvm_flags spark) -Xmx512m -cp "$jar" "$main" "$@" \
      --properties-file "$conf/spark-defaults.conf" > "$run/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
}

start_worker() { # index
  start_jvm "worker-$1" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
    --work-dir "$run/work" --webui-port 0 "$master"
}

alive_workers() { curl -sf "$ui/json/" 2>/dev/null | grep -o '"aliveworkers" *: *[0-9]*' | grep -o '[0-9]*$' || true; }

case "$command" in
  start)
    jar="$(ensure_jar spark)"
    if [ -n "$(alive_workers)" ]; then
      echo "spark-cluster: already running at $master" >&2; exit 1
    fi
    rm -rf "$run"/*.log "$run/work"
    spark_home
    start_jvm master org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "$MASTER_WEBUI_PORT"
    for i in $(seq 1 "$workers"); do
      start_worker "$i"
    done
    # Ready when every worker has registered with the master (up to 60 s).
    for _ in $(seq 1 120); do
      if [ "$(alive_workers)" = "$workers" ]; then
        echo "spark-cluster: master and $workers workers at $master (UI $ui, logs in $run)"
        exit 0
      fi
      sleep 0.5 # polling the master's JSON page until every worker is there
    done
    echo "spark-cluster: not ready after 60 s; see $run/*.log" >&2
    exit 1
    ;;
  add-worker)
    jar="$(ensure_jar spark)"
    n="$(next_index "$run" worker)"
    start_worker "$n"
    echo "spark-cluster: worker-$n started (pid $(cat "$run/worker-$n.pid"))"
    ;;
  stop)
    stop_pids "$run"
    echo "spark-cluster: stopped"
    ;;
  status)
    n="$(alive_workers)"
    if [ -n "$n" ]; then echo "spark-cluster: $n workers alive at $master"; else echo "spark-cluster: not running" >&2; exit 1; fi
    ;;
  *)
    echo "usage: scripts/spark-cluster.sh start [--workers=N] | add-worker | stop | status" >&2; exit 2 ;;
esac
