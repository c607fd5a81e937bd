# HDFS: the NameNode on node1, a DataNode on every node. The grid's default file system.

NN_PORT=8020
NN_WEB_PORT=9870
DN_PORT=9866
DN_WEB_PORT=9864
DN_IPC_PORT=9867

# Every DataNode talks to the NameNode from 127.0.0.1 whatever its node, and the NameNode tells them apart
# by that address and their data port: so each node's DataNode has its own data port, 9866 + 100 (k - 1).
dn_port() { echo $((DN_PORT + 100 * ($1 - 1))); }

grid_fs() { echo "hdfs://$(node_name 1):$NN_PORT"; }
nn_jmx() { # nn_jmx BEAN: one NameNode JMX bean as JSON
  curl -sf "http://$(node_addr 1):$NN_WEB_PORT/jmx?qry=Hadoop:service=NameNode,name=$1" 2>/dev/null
}
live_datanodes() { nn_jmx FSNamesystemState | sed -n 's/.*"NumLiveDataNodes" *: *\([0-9]*\).*/\1/p'; }
all_datanodes_live() { [ "$(live_datanodes)" = "$NODES" ]; }
out_of_safe_mode() { nn_jmx FSNamesystemState | grep -q '"FSState" *: *"Operational"'; }

install_hdfs() {
  resolve_jars "$HADOOP_JARS"
  install_confs
  # The Maven hadoop-hdfs jar lacks the webapps/ folders the daemons' HTTP servers look up; empty ones do.
  mkdir -p "$DEPLOY"/hdfs/classpath/webapps/{hdfs,datanode,secondary,journal} "$DEPLOY/bin"
  cat >"$DEPLOY/bin/hdfs" <<SHIM
#!/bin/sh
# Written by deploy/grid: \`hdfs dfs ...\` and \`hdfs dfsadmin ...\` from the grid's jars and client conf.
case "\$1" in
  dfs) main=org.apache.hadoop.fs.FsShell ;;
  dfsadmin) main=org.apache.hadoop.hdfs.tools.DFSAdmin ;;
  *) echo "this hdfs shim runs only 'hdfs dfs ...' and 'hdfs dfsadmin ...'" >&2; exit 2 ;;
esac
shift
exec '$HADOOP_JAVA_HOME/bin/java' -Xmx256m ${HADOOP_JPMS_OPTS[*]} -Dlog4j.configuration=file:$CONF/tools-log4j.properties \\
  -cp '$CONF:$HADOOP_LIB/*' "\$main" "\$@"
SHIM
  chmod +x "$DEPLOY/bin/hdfs"
}

# The NameNode is formatted once per Hadoop line, non-interactively, before its first start. HDFS that
# another line formatted (bin/test ends on its Hadoop 2 phase, and the demo then starts Hadoop 3) is not
# upgraded: the grid's HDFS holds only what jobs and tests put there, so it starts afresh.
format_namenode() {
  local marker=$DEPLOY/hdfs/formatted-by k
  if [ -f "$DEPLOY/hdfs/name/current/VERSION" ]; then
    [ "$(cat "$marker" 2>/dev/null)" = "$GRID_HADOOP" ] && return 0
    say "HDFS was formatted by Hadoop $(cat "$marker" 2>/dev/null || echo "of another line"); starting it afresh on $GRID_HADOOP"
    rm -rf "$DEPLOY/hdfs/name"
    for k in $(node_ids); do rm -rf "$(node_home "$k")/hdfs/data"; done
  fi
  say "formatting the NameNode"
  mkdir -p "$DEPLOY/hdfs/name" "$LOGS"
  env HADOOP_CONF_DIR="$(node_conf 1)" "$HADOOP_JAVA_HOME/bin/java" -Xmx256m "${HADOOP_JPMS_OPTS[@]}" \
    -Dlog4j.configuration="file:$(node_conf 1)/log4j.properties" \
    -cp "$(node_conf 1):$DEPLOY/hdfs/classpath:$HADOOP_LIB/*" \
    org.apache.hadoop.hdfs.server.namenode.NameNode -format -nonInteractive -force -clusterid grid \
    >"$LOGS/namenode-format.log" 2>&1 || die "formatting the NameNode failed; log: $LOGS/namenode-format.log"
  echo "$GRID_HADOOP" >"$marker"
}

start_datanode() { # start_datanode K: launch node K's DataNode (wait_for_datanode waits for it)
  local k=$1 name addr
  name=$(svc_id datanode "$k") addr=$(node_addr "$k")
  if running_pid "$name" >/dev/null; then say "$name already running"; return; fi
  check_port_free "$name" "$addr" "$(dn_port "$k")"
  mkdir -p "$(node_home "$k")/hdfs/data"
  hadoop_daemon "$name" "$(node_conf "$k")" 256m org.apache.hadoop.hdfs.server.datanode.DataNode
}

wait_for_datanode() {
  local k=$1 name addr
  name=$(svc_id datanode "$k") addr=$(node_addr "$k")
  wait_for_port "$name" "$addr" "$(dn_port "$k")" "$LOGS/$name.log"
  say "$name up on $addr:$(dn_port "$k"); log: $LOGS/$name.log"
}

wait_for_datanodes() {
  wait_until "$NODES live DataNode(s)" "$LOGS/namenode.log" all_datanodes_live
}

start_hdfs() {
  [ -f "$(node_conf 1)/hdfs-site.xml" ] && [ -f "$HADOOP_LIB/.pom-sha256" ] \
    || die "hdfs is not installed. Run: deploy/grid install hdfs"
  local addr k
  addr=$(node_addr 1)
  if running_pid namenode >/dev/null; then
    say "namenode already running"
  else
    check_port_free namenode "$addr" $NN_PORT
    check_port_free namenode "$addr" $NN_WEB_PORT
    format_namenode
    hadoop_daemon namenode "$(node_conf 1)" 512m org.apache.hadoop.hdfs.server.namenode.NameNode
    wait_for_port namenode "$addr" $NN_PORT "$LOGS/namenode.log"
    wait_for_port namenode "$addr" $NN_WEB_PORT "$LOGS/namenode.log"
    say "namenode up on $addr:$NN_PORT (web $NN_WEB_PORT); log: $LOGS/namenode.log"
  fi
  for k in $(node_ids); do start_datanode "$k"; done
  for k in $(node_ids); do wait_for_datanode "$k"; done
  wait_for_datanodes
  wait_until "the NameNode out of safe mode" "$LOGS/namenode.log" out_of_safe_mode
}

stop_hdfs() {
  local k names=()
  for k in $(node_ids); do names+=("$(svc_id datanode "$k")"); done
  stop_services "${names[@]}"
  stop_service namenode
}
