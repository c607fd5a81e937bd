# The grid's nodes: how many, their addresses, names and directories, /etc/hosts, and the per-node verbs.
#
# One node keeps the historical layout: every service on 127.0.0.1, the node called localhost, its data
# under deploy/{kafka,yarn,hdfs}. N nodes: node k is 127.0.1.k, called nodek (an /etc/hosts line the grid
# manages), its data under deploy/nodes/nodek/; ZooKeeper, the ResourceManager and the NameNode run on node1.
# The layout a grid was bootstrapped with is kept in deploy/run/grid.conf for the verbs that follow, with
# the NodeManagers' web and localizer ports (GRID_NM_WEB_PORT, GRID_NM_LOCALIZER_PORT: 8042 and 8040
# unless a grid of an older deploy/grid holds them on every address) and its Hadoop line (GRID_HADOOP).

LAYOUT_FILE=$RUN/grid.conf
HOSTS_FILE=${GRID_HOSTS_FILE:-/etc/hosts}
HOSTS_BEGIN="# BEGIN samza-py grid nodes (written by deploy/grid)"
HOSTS_END="# END samza-py grid nodes"

# use_layout N: set NODES after checking it.
use_layout() {
  case "$1" in ''|*[!0-9]*) die "GRID_NODES must be a number of nodes from 1 to 9, not '$1'" ;; esac
  [ "$1" -ge 1 ] && [ "$1" -le 9 ] || die "GRID_NODES must be from 1 to 9, not $1"
  NODES=$1
}

# The layout of the grid that runs (or ran last), else GRID_NODES, else one node; likewise its Hadoop line.
running_layout() {
  local n="" p h=""
  if [ -f "$LAYOUT_FILE" ]; then
    n=$(sed -n 's/^GRID_NODES=//p' "$LAYOUT_FILE")
    h=$(sed -n 's/^GRID_HADOOP=//p' "$LAYOUT_FILE")
    p=$(sed -n 's/^GRID_NM_WEB_PORT=//p' "$LAYOUT_FILE") && NM_WEB_PORT=${p:-$NM_WEB_PORT}
    p=$(sed -n 's/^GRID_NM_LOCALIZER_PORT=//p' "$LAYOUT_FILE") && NM_LOCALIZER_PORT=${p:-$NM_LOCALIZER_PORT}
  fi
  use_layout "${n:-${GRID_NODES:-1}}"
  use_hadoop "${h:-$REQUESTED_HADOOP}"
}

save_layout() {
  mkdir -p "$RUN"
  printf 'GRID_NODES=%s\nGRID_NM_WEB_PORT=%s\nGRID_NM_LOCALIZER_PORT=%s\nGRID_HADOOP=%s\n' \
    "$NODES" "$NM_WEB_PORT" "$NM_LOCALIZER_PORT" "$GRID_HADOOP" >"$LAYOUT_FILE"
}

node_addr() { if [ "$NODES" -eq 1 ]; then echo 127.0.0.1; else echo "127.0.1.$1"; fi; }
node_name() { if [ "$NODES" -eq 1 ]; then echo localhost; else echo "node$1"; fi; }
node_home() { if [ "$NODES" -eq 1 ]; then echo "$DEPLOY"; else echo "$DEPLOY/nodes/node$1"; fi; }
node_conf() { echo "$DEPLOY/nodes/node$1/conf"; }
node_state_dir() { echo "$(node_home "$1")/state"; }
# A per-node service's pid and log name: the plain name on one node (as before), name-nodek on several.
svc_id() { if [ "$NODES" -eq 1 ]; then echo "$1"; else echo "$1-node$2"; fi; }
node_ids() { seq 1 "$NODES"; }

node_index() { # node_index nodeK -> K, checked against the layout
  local k=${1#node}
  case "$k" in ''|*[!0-9]*) die "unknown node '$1' (node1..node$NODES)" ;; esac
  [ "$k" -ge 1 ] && [ "$k" -le "$NODES" ] || die "unknown node '$1': this grid has node1..node$NODES"
  echo "$k"
}

# Names resolve through a marked block in /etc/hosts, replaced whole; other lines are never touched.
write_hosts_block() {
  [ "$NODES" -gt 1 ] || return 0
  local tmp k
  tmp=$(mktemp)
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0 == b {skip = 1} !skip {print} $0 == e {skip = 0}' "$HOSTS_FILE" >"$tmp"
  {
    echo "$HOSTS_BEGIN"
    for k in $(node_ids); do echo "$(node_addr "$k") $(node_name "$k")"; done
    echo "$HOSTS_END"
  } >>"$tmp"
  # Rewrite in place: /etc/hosts may be a bind mount that cannot be replaced by a rename.
  cat "$tmp" >"$HOSTS_FILE" || die "cannot write $HOSTS_FILE (run as root, or add the node names yourself)"
  rm -f "$tmp"
}

# One line per service: node, service, state, pid, address:port.
status_line() { # status_line NODE SERVICE-ID ADDRESS PORT
  local node=$1 name=$2 addr=$3 port=$4 pid state
  if pid=$(running_pid "$name"); then
    if port_open "$addr" "$port"; then state=up; else state=starting; fi
  else
    pid=- state=down
  fi
  printf '%-6s %-22s %-9s %-8s %s\n' "$node" "$name" "$state" "$pid" "$addr:$port"
}

status() {
  local k a
  printf '%-6s %-22s %-9s %-8s %s\n' NODE SERVICE STATE PID ADDRESS
  a=$(node_addr 1)
  status_line node1 zookeeper "$a" "$ZK_PORT"
  status_line node1 namenode "$a" "$NN_PORT"
  status_line node1 resourcemanager "$a" "$RM_PORT"
  for k in $(node_ids); do
    a=$(node_addr "$k")
    status_line "node$k" "$(svc_id datanode "$k")" "$a" "$(dn_port "$k")"
    status_line "node$k" "$(svc_id nodemanager "$k")" "$a" "$NM_WEB_PORT"
    status_line "node$k" "$(svc_id kafka "$k")" "$a" "$KAFKA_PORT"
  done
  status_kafka_secure
}

# stop-node: what a crash of that machine does to the grid. Its NodeManager, broker and DataNode die
# with SIGKILL and so do the YARN containers running there (they would otherwise go on reading Kafka).
stop_node() {
  local k=$1
  crash_service "$(svc_id nodemanager "$k")"
  stop_container_processes "$k" KILL
  crash_service "$(svc_id kafka "$k")"
  crash_service "$(svc_id datanode "$k")"
  say "node$k is down"
}

# start-node: the node's services again, on the data they had.
start_node() {
  local k=$1
  start_datanode "$k"
  start_nodemanager "$k"
  start_broker "$k"
  wait_for_datanode "$k"
  wait_for_nodemanager "$k"
  wait_for_broker "$k"
  wait_for_datanodes
  wait_for_running_nodes
  say "node$k is up"
}
