# A secure Kafka beside the grid's plaintext one, started on demand (deploy/grid start kafka-secure): one
# KRaft node on 127.0.0.1 whose only client listener is SASL_SSL with SCRAM-SHA-512, a certificate from a
# CA made at install, and ACLs enforced by StandardAuthorizer. Tests of secure clusters run against it and
# leave the shared broker alone; bootstrap neither installs nor starts it (it costs nothing until asked).
#
# deploy/kafka-secure/ holds everything: tls/ (ca.pem, the broker's PEM keystore), conf/, data/, and one
# Java-client properties file per user (admin: a super user; job; other), each with its password.

SECURE_KAFKA_ADDRESS=127.0.0.1
SECURE_KAFKA_PORT=9094
SECURE_KAFKA_CONTROLLER_PORT=9095
SECURE_KAFKA_USERS="job other"   # besides admin, who exists from the storage format on

secure_kafka_home() { echo "$DEPLOY/kafka-secure"; }
secure_kafka_props() { echo "$(secure_kafka_home)/conf/server.properties"; }

new_password() { head -c 18 /dev/urandom | base64 | tr '+/' 'AB'; }

# The CA and the broker's certificate (for 127.0.0.1 and localhost), as PEM. Kafka's file-based PEM
# keystore needs an encrypted PKCS#8 key, so the key is re-encrypted with a password Java can read.
make_secure_kafka_tls() { # make_secure_kafka_tls DIR KEY_PASSWORD
  local dir=$1 pass=$2 log=$LOGS/kafka-secure-tls.log
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$dir" && chmod 700 "$dir"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=samza-py grid CA" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/broker.key" -out "$dir/broker.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/broker.ext"
    openssl x509 -req -days 3650 -in "$dir/broker.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
      -CAcreateserial -extfile "$dir/broker.ext" -out "$dir/broker.pem"
    openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in "$dir/broker.key" -passout "pass:$pass" -out "$dir/broker-key.pem"
  } >"$log" 2>&1 || die "making the secure broker's certificates failed; log: $log"
  cat "$dir/broker-key.pem" "$dir/broker.pem" "$dir/ca.pem" >"$dir/broker-keystore.pem"
  rm -f "$dir/broker.key" "$dir/broker.csr" "$dir/broker.ext"
}

write_client_properties() { # write_client_properties USER PASSWORD: a Java client's settings for USER
  local file
  file=$(secure_kafka_home)/$1.properties
  cat >"$file" <<PROPS
bootstrap.servers=$SECURE_KAFKA_ADDRESS:$SECURE_KAFKA_PORT
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$1" password="$2";
ssl.truststore.type=PEM
ssl.truststore.location=$(secure_kafka_home)/tls/ca.pem
PROPS
  chmod 600 "$file"
}

client_password() { sed -n 's/.*password="\([^"]*\)".*/\1/p' "$(secure_kafka_home)/$1.properties"; }

install_kafka_secure() {
  resolve_jars kafka
  local home admin key_password user
  home=$(secure_kafka_home)
  rm -rf "$home" && mkdir -p "$home/conf" "$home/data" "$LOGS" && chmod 700 "$home"
  admin=$(new_password) key_password=$(new_password)
  make_secure_kafka_tls "$home/tls" "$key_password"
  render secure-server.properties "$(secure_kafka_props)" "ADDRESS=$SECURE_KAFKA_ADDRESS" \
    "PORT=$SECURE_KAFKA_PORT" "CONTROLLER_PORT=$SECURE_KAFKA_CONTROLLER_PORT" "DATA=$home/data" \
    "TLS=$home/tls" "ADMIN_PASSWORD=$admin" "KEY_PASSWORD=$key_password"
  chmod 600 "$(secure_kafka_props)"
  [ -f "$DEPLOY/kafka/log4j.properties" ] || render log4j.properties "$DEPLOY/kafka/log4j.properties"
  [ -f "$DEPLOY/kafka/tools-log4j.properties" ] || render tools-log4j.properties "$DEPLOY/kafka/tools-log4j.properties"
  write_client_properties admin "$admin"
  for user in $SECURE_KAFKA_USERS; do write_client_properties "$user" "$(new_password)"; done
  # The admin's SCRAM credential goes in with the format: the broker needs it for its own SASL_SSL
  # connections before anybody could create it through the broker.
  kafka_storage format -t "$(kafka_cluster_id)" -c "$(secure_kafka_props)" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$admin]" >"$LOGS/kafka-secure-format.log" 2>&1 \
    || die "formatting the secure broker's storage failed; log: $LOGS/kafka-secure-format.log"
  say "kafka-secure installed in $home"
}

kafka_configs() { # kafka_configs ARGS...: Kafka's ConfigCommand as the admin user
  "$JAVA_HOME/bin/java" -Xmx256m -Dlog4j.configuration="file:$DEPLOY/kafka/tools-log4j.properties" \
    -cp "$LIB/kafka/*" kafka.admin.ConfigCommand --bootstrap-server "$SECURE_KAFKA_ADDRESS:$SECURE_KAFKA_PORT" \
    --command-config "$(secure_kafka_home)/admin.properties" "$@"
}

# The users besides admin, created through the running broker with kafka-configs (once: their
# credentials live in the metadata log from then on).
create_secure_kafka_users() {
  local home user pids=() log
  home=$(secure_kafka_home)
  [ -f "$home/users-created" ] && return
  for user in $SECURE_KAFKA_USERS; do  # side by side: each is a JVM start
    kafka_configs --alter --entity-type users --entity-name "$user" \
      --add-config "SCRAM-SHA-512=[password=$(client_password "$user")]" >"$LOGS/kafka-secure-user-$user.log" 2>&1 &
    pids+=("$user:$!")
  done
  for user in "${pids[@]}"; do
    log=$LOGS/kafka-secure-user-${user%%:*}.log
    wait "${user##*:}" || die "creating the secure broker's user ${user%%:*} failed; log: $log"
  done
  touch "$home/users-created"
}

start_kafka_secure() {
  [ -f "$(secure_kafka_props)" ] && [ -f "$LIB/kafka/.pom-sha256" ] || install_kafka_secure
  if running_pid kafka-secure >/dev/null; then say "kafka-secure already running"; return; fi
  check_port_free kafka-secure $SECURE_KAFKA_ADDRESS $SECURE_KAFKA_PORT
  check_port_free kafka-secure $SECURE_KAFKA_ADDRESS $SECURE_KAFKA_CONTROLLER_PORT
  launch kafka-secure "$LOGS/kafka-secure.log" "$JAVA_HOME/bin/java" -Xmx384m -Xms384m -server -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -Dkafka.logs.dir="$LOGS" \
    -Dlog4j.configuration="file:$DEPLOY/kafka/log4j.properties" \
    -cp "$LIB/kafka/*" kafka.Kafka "$(secure_kafka_props)"
  wait_for_port kafka-secure $SECURE_KAFKA_ADDRESS $SECURE_KAFKA_PORT "$LOGS/kafka-secure.log"
  create_secure_kafka_users
  say "kafka-secure up on $SECURE_KAFKA_ADDRESS:$SECURE_KAFKA_PORT (SASL_SSL); clients: $(secure_kafka_home)/*.properties"
}

stop_kafka_secure() { stop_services kafka-secure; }

status_kafka_secure() { status_line node1 kafka-secure $SECURE_KAFKA_ADDRESS $SECURE_KAFKA_PORT; }
