# deploy/grid's shared helpers: Java 17, packages, processes, ports, templates and jars.
# Sourced by deploy/grid, which sets DEPLOY.

CONF=$DEPLOY/conf       # the client conf: what skein, run-job and the shims read
LIB=$DEPLOY/lib
LOGS=$DEPLOY/logs
RUN=$DEPLOY/run
WAIT_SECONDS=${GRID_WAIT_SECONDS:-90}
STOP_SECONDS=${GRID_STOP_SECONDS:-30}
# The Hadoop line in one place. GRID_HADOOP picks it at bootstrap (the layout keeps it for the verbs that
# follow): its pom is deploy/maven/$HADOOP_JARS/pom.xml, its jars deploy/lib/$HADOOP_JARS.
HADOOP_VERSIONS="3.5.0 2.10.2"
REQUESTED_HADOOP=${GRID_HADOOP:-3.5.0}

use_hadoop() { # use_hadoop VERSION: set GRID_HADOOP, HADOOP_JARS and HADOOP_LIB after checking it
  case "$1" in
    3.5.0) HADOOP_JARS=hadoop ;;
    2.10.2) HADOOP_JARS=hadoop-2.10.2 ;;
    *) die "GRID_HADOOP must be one of: ${HADOOP_VERSIONS// /, } (not '$1')" ;;
  esac
  GRID_HADOOP=$1
  HADOOP_LIB=$LIB/$HADOOP_JARS
}
use_hadoop "$REQUESTED_HADOOP"

die() { echo "grid: $*" >&2; exit 1; }
say() { echo "grid: $*"; }

# ---------------------------------------------------------------------------------------- Java 17
# Hadoop's UGI breaks on JDK 23+, and Hadoop 3.5 needs 17 on the server side: pin 17 everywhere.
java17_home() {
  if [ -n "${GRID_JAVA_HOME:-}" ]; then echo "$GRID_JAVA_HOME"; return; fi
  local d
  for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/*17*; do
    if [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -q 'version "17'; then
      echo "$d"; return
    fi
  done
  return 1
}

ensure_java17() {
  if ! JAVA_HOME=$(java17_home); then
    say "installing OpenJDK 17 from Debian"
    apt_install openjdk-17-jdk-headless
    JAVA_HOME=$(java17_home) || die "no JDK 17 found after installing openjdk-17-jdk-headless"
  fi
  export JAVA_HOME
}

# Hadoop's JVMs (daemons, the hdfs shim, the skein driver and so the containers) run on HADOOP_JAVA_HOME:
# JDK 17 for Hadoop 3.5, Java 11 for Hadoop 2.10 (it supports 8 and 11 only; deploy/jdk11 installs it).
# ZooKeeper and Kafka stay on JAVA_HOME (17) whatever the Hadoop line.
ensure_java() { # JDK 17 and the Hadoop line's Java; after the layout (and so GRID_HADOOP) is known
  ensure_java17
  HADOOP_JAVA_HOME=$JAVA_HOME
  case "$GRID_HADOOP" in
    2.*) HADOOP_JAVA_HOME=$("$DEPLOY/jdk11") || die "no Java 11 for Hadoop $GRID_HADOOP (deploy/jdk11 failed)" ;;
  esac
}

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Hadoop's own launcher adds these on Java 17 (HADOOP-19310); a direct java launch must add them.
HADOOP_JPMS_OPTS=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.math=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.zip=ALL-UNNAMED --add-opens=java.base/sun.security.util=ALL-UNNAMED
  --add-opens=java.base/sun.security.x509=ALL-UNNAMED)

# -------------------------------------------------------------------------------- process helpers
pid_file() { echo "$RUN/$1.pid"; }

running_pid() {
  local f pid
  f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; } # port_open ADDRESS PORT

# Refuse to start on a port somebody else holds: waiting on it would "succeed" against a stranger.
check_port_free() { # check_port_free NAME ADDRESS PORT
  local name=$1 addr=$2 port=$3 holder
  if port_open "$addr" "$port"; then
    holder=$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -1)
    die "cannot start $name: port $port is already in use by another process${holder:+ ($holder)}"
  fi
}

# launch NAME LOGFILE CMD...: run detached in its own session, remember the pid.
launch() {
  local name=$1 log=$2; shift 2
  mkdir -p "$RUN" "$(dirname "$log")"
  setsid nohup "$@" >"$log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

wait_for_port() { # wait_for_port NAME ADDRESS PORT LOG
  local name=$1 addr=$2 port=$3 log=$4 deadline=$((SECONDS + WAIT_SECONDS))
  until port_open "$addr" "$port"; do
    if ! running_pid "$name" >/dev/null; then
      tail -n 30 "$log" >&2 || true
      die "$name exited during start-up; log: $log"
    fi
    [ $SECONDS -lt $deadline ] || die "$name did not open $addr:$port within ${WAIT_SECONDS}s; log: $log"
    sleep 1
  done
}

# wait_until WHAT LOG CMD...: poll CMD once a second until it succeeds, for WAIT_SECONDS at most.
wait_until() {
  local what=$1 log=$2 deadline=$((SECONDS + WAIT_SECONDS)); shift 2
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "no $what within ${WAIT_SECONDS}s; log: $log"
    sleep 1
  done
}

# stop_services NAME...: SIGTERM to all at once (brokers that are also controllers can only stop
# together), then wait for each, SIGKILL for what is left after STOP_SECONDS.
stop_services() {
  local name pid pids=() deadline
  for name in "$@"; do
    if pid=$(running_pid "$name"); then
      say "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$name:$pid")
    else
      rm -f "$(pid_file "$name")"
    fi
  done
  deadline=$((SECONDS + STOP_SECONDS))
  for name in "${pids[@]}"; do
    pid=${name##*:} name=${name%:*}
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then
        say "$name did not stop within ${STOP_SECONDS}s; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.5
    done
    rm -f "$(pid_file "$name")"
  done
}

stop_service() { stop_services "$1"; }

crash_service() { # kill -9, as a machine crash would: no shutdown hooks, no goodbyes to the cluster
  local name=$1 pid
  if pid=$(running_pid "$name"); then
    say "killing $name (pid $pid) with SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$(pid_file "$name")"
}

# ----------------------------------------------------------------------------------- templates
# render TEMPLATE DEST [NAME=VALUE...]: copy deploy/templates/TEMPLATE filling @DEPLOY@ and each @NAME@.
render() {
  local template=$1 dest=$2 kv name value; shift 2
  local args=(-e "s|@DEPLOY@|$DEPLOY|g")
  for kv in "$@"; do
    name=${kv%%=*} value=${kv#*=}
    value=$(printf '%s' "$value" | sed 's/[|&\\]/\\&/g')
    args+=(-e "s|@$name@|$value|g")
  done
  mkdir -p "$(dirname "$dest")"
  sed "${args[@]}" "$DEPLOY/templates/$template" >"$dest"
  if grep -q '@[A-Z_]*@' "$dest"; then die "unfilled placeholder in $dest: $(grep -o '@[A-Z_]*@' "$dest" | head -1)"; fi
}

# render_site BASE FRAGMENT DEST [NAME=VALUE...]: a site file of BASE's properties plus FRAGMENT's.
render_site() {
  local base=$1 fragment=$2 dest=$3; shift 3
  render "$base" "$dest.base" "$@"
  render "$fragment" "$dest.node" "$@"
  { grep -v '</configuration>' "$dest.base"; cat "$dest.node"; echo '</configuration>'; } >"$dest"
  rm -f "$dest.base" "$dest.node"
}

# Resolve a component's jars with Maven, skipped when the pom has not changed since the last run.
resolve_jars() {
  local component=$1 pom=$DEPLOY/maven/$1/pom.xml dest=$LIB/$1 stamp
  stamp=$(sha256sum "$pom" | cut -d' ' -f1)
  if [ -f "$dest/.pom-sha256" ] && [ "$(cat "$dest/.pom-sha256")" = "$stamp" ]; then
    say "$component jars are up to date in $dest"
    return
  fi
  command -v mvn >/dev/null || apt_install maven
  say "resolving $component jars from Maven Central into $dest"
  rm -rf "$dest" && mkdir -p "$dest" "$LOGS"
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$dest" >"$LOGS/maven-$component.log" 2>&1; then
    tail -n 30 "$LOGS/maven-$component.log" >&2
    die "Maven could not resolve the $component jars; log: $LOGS/maven-$component.log"
  fi
  echo "$stamp" >"$dest/.pom-sha256"
}
