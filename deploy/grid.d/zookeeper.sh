# ZooKeeper (Debian's package), standalone on node1.

ZK_PORT=2181
ZK_JARS=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar

install_zookeeper() {
  if [ ! -f /usr/share/java/zookeeper.jar ] || [ ! -f /usr/share/java/slf4j-simple.jar ]; then
    say "installing ZooKeeper from Debian"
    apt_install zookeeper libslf4j-java
  fi
  render zoo.cfg "$DEPLOY/zookeeper/conf/zoo.cfg" "ADDRESS=$(node_addr 1)" "PORT=$ZK_PORT"
  mkdir -p "$DEPLOY/zookeeper/data"
}

start_zookeeper() {
  [ -f "$DEPLOY/zookeeper/conf/zoo.cfg" ] || die "zookeeper is not installed. Run: deploy/grid install zookeeper"
  if running_pid zookeeper >/dev/null; then say "zookeeper already running"; return; fi
  local addr
  addr=$(node_addr 1)
  check_port_free zookeeper "$addr" $ZK_PORT
  launch zookeeper "$LOGS/zookeeper.log" "$JAVA_HOME/bin/java" -Xmx128m \
    -cp "$DEPLOY/zookeeper/conf:$ZK_JARS" -Dzookeeper.log.dir="$LOGS" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$DEPLOY/zookeeper/conf/zoo.cfg"
  wait_for_port zookeeper "$addr" $ZK_PORT "$LOGS/zookeeper.log"
  say "zookeeper up on $addr:$ZK_PORT; log: $LOGS/zookeeper.log"
}

stop_zookeeper() { stop_service zookeeper; }
