# Kafka in KRaft mode: a broker on every node, each also a controller, so the quorum (all N voters)
# survives the loss of one node when N >= 3.

KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093

kafka_data() { echo "$(node_home "$1")/kafka/data"; }
kafka_props() { echo "$(node_conf "$1")/server.properties"; }

install_kafka() {
  resolve_jars kafka
  local k voters="" rf=$((NODES < 3 ? NODES : 3)) min_isr=1
  if [ "$NODES" -ge 3 ]; then min_isr=2; fi
  for k in $(node_ids); do voters+="${voters:+,}$k@$(node_addr "$k"):$KAFKA_CONTROLLER_PORT"; done
  for k in $(node_ids); do
    render server.properties "$(kafka_props "$k")" "NODE_ID=$k" "VOTERS=$voters" "ADDRESS=$(node_addr "$k")" \
      "PORT=$KAFKA_PORT" "CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT" "DATA=$(kafka_data "$k")" \
      "REPLICATION=$rf" "MIN_ISR=$min_isr"
    mkdir -p "$(kafka_data "$k")"
  done
  render log4j.properties "$DEPLOY/kafka/log4j.properties"
  render tools-log4j.properties "$DEPLOY/kafka/tools-log4j.properties"
  mkdir -p "$DEPLOY/bin"
  # Kafka's command-line tools, run from the grid's jars (hello-samza's tutorial uses these).
  kafka_tool kafka-topics org.apache.kafka.tools.TopicCommand
  kafka_tool kafka-console-producer kafka.tools.ConsoleProducer
  kafka_tool kafka-console-consumer org.apache.kafka.tools.consumer.ConsoleConsumer
}

kafka_tool() { # kafka_tool NAME MAINCLASS: write deploy/bin/NAME
  {
    echo '#!/bin/sh'
    echo "# Written by deploy/grid: Kafka's $1, run from the grid's jars."
    echo "exec '$JAVA_HOME/bin/java' -Xmx256m -Dlog4j.configuration=file:$DEPLOY/kafka/tools-log4j.properties \\"
    echo "  -cp '$LIB/kafka/*' $2 \"\$@\""
  } >"$DEPLOY/bin/$1"
  chmod +x "$DEPLOY/bin/$1"
}

kafka_storage() { # kafka_storage ARGS...: Kafka's StorageTool
  "$JAVA_HOME/bin/java" -Xmx256m -Dlog4j.configuration="file:$DEPLOY/kafka/log4j.properties" \
    -cp "$LIB/kafka/*" kafka.tools.StorageTool "$@"
}

# A KRaft cluster id: a random UUID, base64url without padding, not starting with '-' (Kafka's rule).
kafka_cluster_id() {
  local id=-
  while [ "${id:0:1}" = - ]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22); done
  echo "$id"
}

# KRaft storage is formatted once, before the first start, with one cluster id for every node
# (the nodes' formats run side by side: each is a JVM start).
format_kafka() {
  local k cluster_id="" pids=() log
  for k in $(node_ids); do [ -f "$(kafka_data "$k")/meta.properties" ] || cluster_id=new; done
  [ -n "$cluster_id" ] || return 0
  cluster_id=$(kafka_cluster_id)
  for k in $(node_ids); do
    kafka_storage format -t "$cluster_id" -c "$(kafka_props "$k")" --ignore-formatted \
      >"$LOGS/kafka-format-node$k.log" 2>&1 &
    pids+=($!)
  done
  for k in $(node_ids); do
    log=$LOGS/kafka-format-node$k.log
    wait "${pids[$((k - 1))]}" || die "formatting Kafka storage of node$k failed; log: $log"
  done
}

start_broker() { # start_broker K: launch node K's broker (wait_for_broker waits for it)
  local k=$1 name addr
  name=$(svc_id kafka "$k") addr=$(node_addr "$k")
  if running_pid "$name" >/dev/null; then say "$name already running"; return; fi
  check_port_free "$name" "$addr" $KAFKA_PORT
  check_port_free "$name" "$addr" $KAFKA_CONTROLLER_PORT
  launch "$name" "$LOGS/$name.log" "$JAVA_HOME/bin/java" -Xmx512m -Xms512m -server -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:MaxInlineLevel=15 -Djava.awt.headless=true -Dkafka.logs.dir="$LOGS" \
    -Dlog4j.configuration="file:$DEPLOY/kafka/log4j.properties" \
    -cp "$LIB/kafka/*" kafka.Kafka "$(kafka_props "$k")"
}

wait_for_broker() {
  local name
  name=$(svc_id kafka "$1")
  wait_for_port "$name" "$(node_addr "$1")" $KAFKA_PORT "$LOGS/$name.log"
  say "$name up on $(node_addr "$1"):$KAFKA_PORT; log: $LOGS/$name.log"
}

start_kafka() {
  local k
  for k in $(node_ids); do
    [ -f "$(kafka_props "$k")" ] && [ -f "$LIB/kafka/.pom-sha256" ] \
      || die "kafka is not installed. Run: deploy/grid install kafka"
  done
  format_kafka
  # All brokers first: with several controllers none serves before a majority of them is up.
  for k in $(node_ids); do start_broker "$k"; done
  for k in $(node_ids); do wait_for_broker "$k"; done
}

stop_kafka() {
  local k names=()
  for k in $(node_ids); do names+=("$(svc_id kafka "$k")"); done
  stop_services "${names[@]}"
}
