# Shared by the scripts: locate the repository and build a runner's jar when it is missing or
# older than the sources. Sourced, not run.

AGGREGATOR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# runner_profile RUNNER -> the Maven profile that packages it (direct, flink, spark)
runner_profile() {
  case "${1:-DirectRunner}" in
    DirectRunner|direct|"") echo direct ;;
    FlinkRunner|flink) echo flink ;;
    SparkRunner|spark) echo spark ;;
    *) echo "aggregator: unknown --runner=$1 (DirectRunner, FlinkRunner or SparkRunner)" >&2; return 2 ;;
  esac
}

# ensure_jar PROFILE -> prints the jar's path, building it first if needed
ensure_jar() {
  local profile="$1"
  local jar="$AGGREGATOR_ROOT/pipeline/target/aggregator-$profile.jar"
  # pipeline/src/<profile>: the runner's patched Beam classes, built into its jar only.
  local patches=()
  [ -d "$AGGREGATOR_ROOT/pipeline/src/$profile" ] && patches=("$AGGREGATOR_ROOT/pipeline/src/$profile")
  if [ ! -f "$jar" ] || [ -n "$(find "$AGGREGATOR_ROOT/pipeline/src/main" "${patches[@]}" "$AGGREGATOR_ROOT/pom.xml" \
      "$AGGREGATOR_ROOT/pipeline/pom.xml" -newer "$jar" -print -quit)" ]; then
    echo "aggregator: building the $profile jar (first use or changed sources)..." >&2
    mvn -B -q -f "$AGGREGATOR_ROOT/pom.xml" -pl pipeline -am -P"$profile",package-jar -DskipTests package >&2
  fi
  echo "$jar"
}

# ensure_peers: builds the benchmark's peers (peers/, profile peers: native Flink SQL, Spark
# Structured Streaming), each with a classpath of its own, when missing or older than the sources
ensure_peers() {
  local cp
  for cp in "$AGGREGATOR_ROOT"/peers/flink-sql/target/classpath.txt "$AGGREGATOR_ROOT"/peers/spark-sql/target/classpath.txt; do
    if [ ! -f "$cp" ] || [ -n "$(find "$AGGREGATOR_ROOT/peers" -path '*/src/*' -newer "$cp" -print -quit)" ] \
        || [ -n "$(find "$AGGREGATOR_ROOT"/peers -name pom.xml -newer "$cp" -print -quit)" ]; then
      echo "aggregator: building the benchmark's peers (first use or changed sources)..." >&2
      mvn -B -q -f "$AGGREGATOR_ROOT/pom.xml" -Ppeers -pl peers/flink-sql,peers/spark-sql -am -DskipTests package >&2
      touch "$AGGREGATOR_ROOT"/peers/*/target/classpath.txt
      return
    fi
  done
}

# ensure_classpath MODULE PROFILE -> prints the classpath of MODULE (quickstart, bench) with the
# runner of PROFILE, building it first when missing or older than the sources
ensure_classpath() {
  local module="$1" profile="$2"
  local cp="$AGGREGATOR_ROOT/$module/target/classpath-$profile.txt"
  if [ ! -f "$cp" ] || [ -n "$(find "$AGGREGATOR_ROOT/$module/src" "$AGGREGATOR_ROOT/pipeline/src/main" "$AGGREGATOR_ROOT/peers/common/src" \
      "$AGGREGATOR_ROOT/testkit/src" "$AGGREGATOR_ROOT"/pom.xml "$AGGREGATOR_ROOT"/*/pom.xml -newer "$cp" -print -quit)" ]; then
    echo "aggregator: building $module for the $profile runner (first use or changed sources)..." >&2
    mvn -B -q -f "$AGGREGATOR_ROOT/pom.xml" -pl "$module" -am -P"$profile" -DskipTests package >&2
    # Maven leaves the classpath file untouched when it has not changed: mark it as new, or every
    # later start would build again.
    touch "$cp"
  fi
  echo "$AGGREGATOR_ROOT/$module/target/classes:$(cat "$cp")"
}

# jvm_flags PROFILE -> JVM flags the runner needs on Java 17, from runner-profiles/PROFILE.conf
jvm_flags() {
  local conf="$AGGREGATOR_ROOT/runner-profiles/$1.conf"
  local JVM_FLAGS=""
  # shellcheck disable=SC1090
  [ -f "$conf" ] && source "$conf"
  echo "$JVM_FLAGS"
}

# local_jvm_flags PROFILE -> jvm_flags and the profile's LOCAL_HEAP: a job run in this JVM
local_jvm_flags() {
  local conf="$AGGREGATOR_ROOT/runner-profiles/$1.conf"
  local JVM_FLAGS="" LOCAL_HEAP=""
  # shellcheck disable=SC1090
  [ -f "$conf" ] && source "$conf"
  echo "$JVM_FLAGS $LOCAL_HEAP"
}

# runner_defaults PROFILE ARGS... -> the profile's RUNNER_DEFAULTS (local runs) the command line
# does not set; cluster_defaults PROFILE ARGS... -> the same for CLUSTER_DEFAULTS (submit scripts)
runner_defaults() { profile_defaults RUNNER_DEFAULTS "$@"; }
cluster_defaults() { profile_defaults CLUSTER_DEFAULTS "$@"; }

profile_defaults() {
  local var="$1" conf="$AGGREGATOR_ROOT/runner-profiles/$2.conf"
  shift 2
  local RUNNER_DEFAULTS="" CLUSTER_DEFAULTS=""
  # shellcheck disable=SC1090
  [ -f "$conf" ] && source "$conf"
  local d name given a out=()
  for d in ${!var}; do
    name="${d%%=*}"
    given=no
    for a in "$@"; do
      case "$a" in "$name"=*|"$name") given=yes ;; esac
    done
    [ "$given" = no ] && out+=("$d")
  done
  echo "${out[*]:-}"
}

# run_or_show COMMAND... -> runs it, or prints it when AGGREGATOR_DRY_RUN=1 (to check a submission)
run_or_show() {
  if [ "${AGGREGATOR_DRY_RUN:-0}" = 1 ]; then
    printf '%q ' "$@"
    echo
  else
    exec "$@"
  fi
}

# next_index DIR NAME -> the first N for which DIR/NAME-N.log does not exist (a cluster's next process)
next_index() {
  local n=1
  while [ -f "$1/$2-$n.log" ]; do n=$((n + 1)); done
  echo "$n"
}

# stop_pids DIR -> kills every process whose PID file is in DIR, removing the files
stop_pids() {
  local pidfile
  for pidfile in "$1"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

# ensure_chromium: the results page's browser test (ResultsPageIT) drives the system's headless
# Chromium through its WebDriver. Installs both from the distribution's packages when missing
# (Debian/Ubuntu names; as root, or through sudo).
ensure_chromium() {
  if command -v chromium > /dev/null && command -v chromedriver > /dev/null; then
    return 0
  fi
  echo "aggregator: installing chromium and chromium-driver for the browser test..." >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null
}
