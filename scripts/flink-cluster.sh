#!/usr/bin/env bash
# A Flink 1.19 session cluster on this machine without Docker or flink-dist: one JobManager and
# two TaskManagers (--taskManagers=N), each its own JVM, run from the Flink runner's jar with the
# configuration in runner-profiles/flink-cluster/. PIDs and logs go to .flink-cluster/.
#
#   scripts/flink-cluster.sh start      # REST and web UI on http://127.0.0.1:8081
#   scripts/aggregator --runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --parallelism=2 --sqlFile=...
#   scripts/flink-cluster.sh status
#   scripts/flink-cluster.sh add-taskmanager   # one more, e.g. to replace one that was lost
#   scripts/flink-cluster.sh stop
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command="${1:-status}"
taskmanagers=2
for arg in "${@:2}"; do
  case "$arg" in --taskManagers=*) taskmanagers="${arg#--taskManagers=}" ;; esac
done
conf="$AGGREGATOR_ROOT/runner-profiles/flink-cluster"
run="$AGGREGATOR_ROOT/.flink-cluster"
rest="http://127.0.0.1:8081"

start_jvm() { # name main-class
  local name="$1" main="$2"
  nohup java $(jvm_flags flink) -cp "$jar" "$main" --configDir "$conf" > "$run/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
}

overview() { curl -sf "$rest/overview" 2>/dev/null || true; }

case "$command" in
  start)
    jar="$(ensure_jar flink)"
    mkdir -p "$run"
    if [ -n "$(overview)" ]; then
      echo "flink-cluster: already running at $rest" >&2; exit 1
    fi
    rm -f "$run"/*.log
    start_jvm jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    for i in $(seq 1 "$taskmanagers"); do
      start_jvm "taskmanager-$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    done
    # Ready when every TaskManager has registered with the JobManager (up to 60 s).
    for _ in $(seq 1 120); do
      if overview | grep -q "\"taskmanagers\":$taskmanagers,"; then
        echo "flink-cluster: JobManager and $taskmanagers TaskManagers at $rest (logs in $run)"
        exit 0
      fi
      sleep 0.5 # polling the REST API until the cluster answers
    done
    echo "flink-cluster: not ready after 60 s; see $run/*.log" >&2
    exit 1
    ;;
  add-taskmanager)
    jar="$(ensure_jar flink)"
    n="$(next_index "$run" taskmanager)"
    start_jvm "taskmanager-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    echo "flink-cluster: taskmanager-$n started (pid $(cat "$run/taskmanager-$n.pid"))"
    ;;
  stop)
    stop_pids "$run"
    echo "flink-cluster: stopped"
    ;;
  status)
    o="$(overview)"
    if [ -n "$o" ]; then echo "$o"; else echo "flink-cluster: not running" >&2; exit 1; fi
    ;;
  *)
    echo "usage: scripts/flink-cluster.sh start [--taskManagers=N] | add-taskmanager | stop | status" >&2; exit 2 ;;
esac
