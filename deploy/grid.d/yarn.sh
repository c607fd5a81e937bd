# YARN: the ResourceManager on node1, a NodeManager on every node registered under the node's name.

RM_PORT=8032
RM_WEB_PORT=8088
NM_PORT=8041
# 8040 and 8042 unless GRID_NM_LOCALIZER_PORT / GRID_NM_WEB_PORT say otherwise (see nodes.sh).
default_nm_ports() { NM_LOCALIZER_PORT=${GRID_NM_LOCALIZER_PORT:-8040} NM_WEB_PORT=${GRID_NM_WEB_PORT:-8042}; }
default_nm_ports

nm_local() { echo "$(node_home "$1")/yarn/local"; }
nm_userlogs() { echo "$(node_home "$1")/yarn/userlogs"; }

# The site files every node's conf dir shares with the client conf, filled for this layout.
site_vars() {
  local memory=10240
  # Several nodes: room for two 512 MB containers and a 512 MB AM per node, so a job spreads out.
  if [ "$NODES" -gt 1 ]; then memory=1280; fi
  echo "RM_HOST=$(node_addr 1)" "RM_WEB=$(node_addr 1):$RM_WEB_PORT" "NM_MEMORY=$memory" \
    "FS=$(grid_fs)" "NN_HOST=$(node_name 1)" "NN_ADDRESS=$(node_addr 1)" "NN_PORT=$NN_PORT" \
    "NN_WEB_PORT=$NN_WEB_PORT" "REPLICATION=$((NODES < 3 ? NODES : 3))" "HADOOP_LIB=$HADOOP_LIB"
}

# A node's own settings: its name and address, ports, local dirs and LOGGED_STORE_BASE_DIR.
node_vars() {
  local k=$1 admin_env="MALLOC_ARENA_MAX=\$MALLOC_ARENA_MAX"
  # State on the node's disk outlives containers there, so a processor back on its node reuses it.
  # One node keeps the container-directory default, which the single-node tests count on.
  if [ "$NODES" -gt 1 ]; then admin_env+=",LOGGED_STORE_BASE_DIR=$(node_state_dir "$k")"; fi
  echo "NODE_NAME=$(node_name "$k")" "NODE_ADDRESS=$(node_addr "$k")" "NODE_HOME=$(node_home "$k")" \
    "NM_PORT=$NM_PORT" "NM_LOCALIZER_PORT=$NM_LOCALIZER_PORT" "NM_WEB_PORT=$NM_WEB_PORT" \
    "NM_LOCAL=$(nm_local "$k")" "NM_USERLOGS=$(nm_userlogs "$k")" "NM_ADMIN_ENV=$admin_env" \
    "DN_PORT=$(dn_port "$k")" "DN_WEB_PORT=$DN_WEB_PORT" "DN_IPC_PORT=$DN_IPC_PORT"
}

# The client conf (deploy/conf) and every node's conf (deploy/nodes/nodek/conf, client conf + node's own).
install_confs() {
  local k dir vars
  read -r -a vars <<<"$(site_vars)"
  for dir in "$CONF" $(for k in $(node_ids); do node_conf "$k"; done); do
    render core-site.xml "$dir/core-site.xml" "${vars[@]}"
    render capacity-scheduler.xml "$dir/capacity-scheduler.xml"
    render log4j.properties "$dir/log4j.properties"
  done
  render yarn-site.xml "$CONF/yarn-site.xml" "${vars[@]}"
  render hdfs-site.xml "$CONF/hdfs-site.xml" "${vars[@]}"
  render tools-log4j.properties "$CONF/tools-log4j.properties"
  for k in $(node_ids); do
    local node
    read -r -a node <<<"$(node_vars "$k")"
    dir=$(node_conf "$k")
    render_site yarn-site.xml yarn-node.xml "$dir/yarn-site.xml" "${vars[@]}" "${node[@]}"
    render_site hdfs-site.xml hdfs-node.xml "$dir/hdfs-site.xml" "${vars[@]}" "${node[@]}"
    mkdir -p "$(nm_local "$k")" "$(nm_userlogs "$k")"
    if [ "$NODES" -gt 1 ]; then mkdir -p "$(node_state_dir "$k")"; fi
  done
}

install_yarn() {
  resolve_jars "$HADOOP_JARS"
  install_confs
  mkdir -p "$DEPLOY/yarn/tmp" "$DEPLOY/bin"
  # skein's driver runs `yarn classpath --glob`; answer it without a Hadoop tarball.
  cat >"$DEPLOY/bin/yarn" <<SHIM
#!/bin/sh
# Written by deploy/grid: answers \`yarn classpath [--glob]\` for skein with the grid's conf and jars.
[ "\$1" = classpath ] || { echo "this yarn shim only answers 'yarn classpath'" >&2; exit 1; }
printf '%s' "$CONF"; for j in "$HADOOP_LIB"/*.jar; do printf ':%s' "\$j"; done; echo
SHIM
  chmod +x "$DEPLOY/bin/yarn"
}

# hadoop_daemon NAME CONFDIR HEAP MAINCLASS [ARGS...]: a Hadoop JVM, launched detached.
hadoop_daemon() {
  local name=$1 conf=$2 heap=$3 main=$4; shift 4
  # The NodeManager hands its JAVA_HOME on to the containers (yarn.nodemanager.env-whitelist).
  launch "$name" "$LOGS/$name.log" env HADOOP_CONF_DIR="$conf" JAVA_HOME="$HADOOP_JAVA_HOME" \
    PATH="$DEPLOY/bin:$HADOOP_JAVA_HOME/bin:$PATH" HADOOP_HOME="$DEPLOY/yarn" HADOOP_YARN_HOME="$DEPLOY/yarn" \
    "$HADOOP_JAVA_HOME/bin/java" "-Xmx$heap" "${HADOOP_JPMS_OPTS[@]}" "-Dproc_$name" \
    -Dhadoop.log.dir="$LOGS" -Dyarn.log.dir="$LOGS" -Dhadoop.log.file="$name.log" -Dyarn.log.file="$name.log" \
    -Dhadoop.home.dir="$DEPLOY/yarn" -Dyarn.home.dir="$DEPLOY/yarn" \
    -Dhadoop.root.logger=INFO,console -Dyarn.root.logger=INFO,console \
    -Dlog4j.configuration="file:$conf/log4j.properties" \
    -cp "$conf:$DEPLOY/hdfs/classpath:$HADOOP_LIB/*" "$main" "$@"
}

rm_nodes() { curl -sf "http://$(node_addr 1):$RM_WEB_PORT/ws/v1/cluster/nodes?states=$1" 2>/dev/null; }
all_nodes_running() { [ "$(rm_nodes RUNNING | grep -o '"state":"RUNNING"' | wc -l)" -eq "$NODES" ]; }

# The NM's port opens before it has registered; jobs submitted earlier would wait in ACCEPTED.
wait_for_running_nodes() {
  wait_until "$NODES RUNNING NodeManager(s)" "$LOGS/resourcemanager.log" all_nodes_running
}

start_nodemanager() { # start_nodemanager K: launch node K's NodeManager (wait_for_nodemanager waits for it)
  local k=$1 name addr
  name=$(svc_id nodemanager "$k") addr=$(node_addr "$k")
  if running_pid "$name" >/dev/null; then say "$name already running"; return; fi
  check_port_free "$name" "$addr" $NM_PORT
  check_port_free "$name" "$addr" "$NM_WEB_PORT"
  hadoop_daemon "$name" "$(node_conf "$k")" 512m org.apache.hadoop.yarn.server.nodemanager.NodeManager
}

wait_for_nodemanager() {
  local k=$1 name addr
  name=$(svc_id nodemanager "$k") addr=$(node_addr "$k")
  wait_for_port "$name" "$addr" "$NM_WEB_PORT" "$LOGS/$name.log"
  say "$name ($(node_name "$k")) up on $addr:$NM_WEB_PORT; log: $LOGS/$name.log; containers: $(nm_userlogs "$k")"
}

start_yarn() {
  [ -f "$(node_conf 1)/yarn-site.xml" ] && [ -f "$HADOOP_LIB/.pom-sha256" ] \
    || die "yarn is not installed. Run: deploy/grid install yarn"
  local addr k
  addr=$(node_addr 1)
  if running_pid resourcemanager >/dev/null; then
    say "resourcemanager already running"
  else
    check_port_free resourcemanager "$addr" $RM_PORT
    check_port_free resourcemanager "$addr" $RM_WEB_PORT
    hadoop_daemon resourcemanager "$(node_conf 1)" 512m org.apache.hadoop.yarn.server.resourcemanager.ResourceManager
    wait_for_port resourcemanager "$addr" $RM_PORT "$LOGS/resourcemanager.log"
    wait_for_port resourcemanager "$addr" $RM_WEB_PORT "$LOGS/resourcemanager.log"
    say "resourcemanager up on $addr:$RM_PORT (web $RM_WEB_PORT); log: $LOGS/resourcemanager.log"
  fi
  for k in $(node_ids); do start_nodemanager "$k"; done
  for k in $(node_ids); do wait_for_nodemanager "$k"; done
  wait_for_running_nodes
}

# A NodeManager that stops (or dies) leaves its containers' processes running; they would go on
# reading Kafka. They are found by their working directory under that node's local dir.
stop_container_processes() { # stop_container_processes K [KILL]
  local k=$1 how=${2:-TERM} local_dir pids=() proc cwd
  local_dir=$(nm_local "$k")
  for proc in /proc/[0-9]*; do
    cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
    case "$cwd" in "$local_dir/"*) pids+=("${proc#/proc/}") ;; esac
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  say "stopping ${#pids[@]} YARN container process(es) of node$k"
  if [ "$how" = TERM ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 2
  fi
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop_yarn() {
  local k names=()
  for k in $(node_ids); do names+=("$(svc_id nodemanager "$k")"); done
  stop_services "${names[@]}"
  for k in $(node_ids); do stop_container_processes "$k"; done
  stop_service resourcemanager
}
