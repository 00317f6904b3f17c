#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on 127.0.0.1, without
# Docker. See deploy/kafka/README.md.
#
#   kafka.sh start [--clean]   fetch the jars if missing, format the storage once, start detached, wait until ready
#   kafka.sh stop              stop our broker (the pid in the pid file, nothing else)
#   kafka.sh status            exit 0 if our broker runs and answers, 3 if it does not run, 1 if it runs but does not answer
#   kafka.sh clean             stop our broker if it runs, then delete its data, log and generated config
#   kafka.sh tool NAME ARGS    run a Kafka command-line tool against it (topics, consumer-groups,
#                              console-producer, console-consumer, ...), --bootstrap-server filled in
#                              (and, on a secured broker, the client properties file)
#
# Secured broker (PPRUNING_KAFKA_SECURITY=sasl_ssl): the client port is a SASL_SSL listener with
# SCRAM-SHA-512 and nothing else (the controller port stays PLAINTEXT on 127.0.0.1). On the first
# start the script makes, with the JDK's keytool, a CA and a broker certificate for 127.0.0.1 /
# localhost, a client truststore, and SCRAM users created when the storage is formatted: the
# client user ($PPRUNING_KAFKA_USER) and the broker's own. Everything sits in RUN_DIR/secure
# (mode 700), with client.properties: the keys a client needs (security.protocol, sasl.mechanism,
# sasl.jaas.config, ssl.truststore.*). A data directory formatted in one mode is refused in the
# other ('kafka.sh clean' first).
#
# Environment:
#   PPRUNING_CACHE              cache root (default ~/.cache/ppruning); jars go to $PPRUNING_CACHE/kafka
#   PPRUNING_KAFKA_PORT         client port (default 9092); the controller listens on PORT+1
#   PPRUNING_KAFKA_CONTROLLER_PORT  controller port (default PORT+1)
#   PPRUNING_KAFKA_DATA         data directory (default $PPRUNING_CACHE/kafka/data); the log file
#                               (kafka.log), pid file (kafka.pid) and generated config sit beside it,
#                               in its parent directory
#   PPRUNING_KAFKA_AUTO_CREATE_TOPICS  true|false (default false)
#   PPRUNING_KAFKA_SECURITY     plaintext (default) | sasl_ssl (see above)
#   PPRUNING_KAFKA_USER         sasl_ssl: the client user (default ppruning)
#   PPRUNING_KAFKA_PASSWORD     sasl_ssl: its password (default: random, made once, kept in
#                               RUN_DIR/secure/client.properties); letters, digits, . _ - only
#   PPRUNING_KAFKA_JVM_OPTS     broker JVM options (default -Xmx512m -XX:TieredStopAtLevel=1 ...)
#   PPRUNING_KAFKA_START_TIMEOUT / PPRUNING_KAFKA_STOP_TIMEOUT  seconds (default 60 / 30)
#   PPRUNING_MAVEN_REPO         local Maven repository for the jar fetch (default: Maven's own)
#   JAVA_HOME                   Java 17+ (default: java on the PATH)
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
readonly BROKER_POM="$SCRIPT_DIR/broker-pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$BROKER_POM" | head -n 1)"
readonly KAFKA_VERSION
readonly CACHE_DIR="${PPRUNING_CACHE:-$HOME/.cache/ppruning}/kafka"
readonly DIST_DIR="$CACHE_DIR/kafka_2.13-$KAFKA_VERSION"
readonly PORT="${PPRUNING_KAFKA_PORT:-9092}"
readonly CONTROLLER_PORT="${PPRUNING_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA_DIR="$(realpath -m "${PPRUNING_KAFKA_DATA:-$CACHE_DIR/data}")"
readonly DATA_DIR
readonly RUN_DIR="$(dirname "$DATA_DIR")"
readonly PID_FILE="$RUN_DIR/kafka.pid"
readonly LOG_FILE="$RUN_DIR/kafka.log"
readonly PROPS_FILE="$RUN_DIR/server.properties"
readonly LOG4J_FILE="$RUN_DIR/log4j2.properties"
readonly AUTO_CREATE="${PPRUNING_KAFKA_AUTO_CREATE_TOPICS:-false}"
readonly MODE_FILE="$RUN_DIR/security" # "MODE USER" of the formatted data directory
# Unset: the mode the data directory was formatted in (so stop, status and tool need no setting).
SECURITY="${PPRUNING_KAFKA_SECURITY:-$(awk '{ print $1; exit }' "$MODE_FILE" 2>/dev/null || true)}"
readonly SECURITY="${SECURITY:-plaintext}"
readonly SECURE_DIR="$RUN_DIR/secure"
readonly CLIENT_PROPS="$SECURE_DIR/client.properties"
readonly CLIENT_USER="${PPRUNING_KAFKA_USER:-ppruning}"
readonly JVM_OPTS="${PPRUNING_KAFKA_JVM_OPTS:--Xmx512m -Xms64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError}"
readonly START_TIMEOUT="${PPRUNING_KAFKA_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${PPRUNING_KAFKA_STOP_TIMEOUT:-30}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/java}"
readonly JAVA="${JAVA:-java}"
readonly HOST=127.0.0.1

say() { echo "kafka: $*"; }
die() {
  echo "kafka: $*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

check_settings() {
  [[ -n "$KAFKA_VERSION" ]] || die "no <kafka.version> in $BROKER_POM"
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "not a TCP port: '$p' (PPRUNING_KAFKA_PORT / PPRUNING_KAFKA_CONTROLLER_PORT)"
  done
  [[ "$PORT" != "$CONTROLLER_PORT" ]] || die "client and controller port are both $PORT"
  [[ "$AUTO_CREATE" == true || "$AUTO_CREATE" == false ]] \
    || die "PPRUNING_KAFKA_AUTO_CREATE_TOPICS must be true or false, not '$AUTO_CREATE'"
  [[ "$SECURITY" == plaintext || "$SECURITY" == sasl_ssl ]] \
    || die "PPRUNING_KAFKA_SECURITY must be plaintext or sasl_ssl, not '$SECURITY'"
  [[ "$CLIENT_USER" =~ ^[A-Za-z0-9._-]+$ ]] \
    || die "PPRUNING_KAFKA_USER may hold letters, digits, '.', '_' and '-' only, not '$CLIENT_USER'"
  [[ -z "${PPRUNING_KAFKA_PASSWORD:-}" || "$PPRUNING_KAFKA_PASSWORD" =~ ^[A-Za-z0-9._-]+$ ]] \
    || die "PPRUNING_KAFKA_PASSWORD may hold letters, digits, '.', '_' and '-' only"
}
secure() { [[ "$SECURITY" == sasl_ssl ]]; }

# --- the jars ----------------------------------------------------------------------------------

fetch_jars() {
  [[ -f "$DIST_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] && return 0
  mkdir -p "$CACHE_DIR"
  local tmp
  tmp="$(mktemp -d "$CACHE_DIR/.fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  say "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies into $DIST_DIR" >&2
  local repo_arg=()
  [[ -n "${PPRUNING_MAVEN_REPO:-}" ]] && repo_arg=("-Dmaven.repo.local=$PPRUNING_MAVEN_REPO")
  # Run outside the project so Maven reads only the broker pom.
  (cd "$tmp" && "$ROOT_DIR/bin/mvn" -q -B -f "$BROKER_POM" "${repo_arg[@]}" -Dstyle.color=never \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp/kafka_2.13-$KAFKA_VERSION/libs" >&2) \
    || die "could not fetch the broker jars (see the Maven output above)"
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] \
    || die "the fetch did not produce kafka_2.13-$KAFKA_VERSION.jar"
  # Atomic publish; if a concurrent run won the race, keep its copy.
  mv -T "$tmp/kafka_2.13-$KAFKA_VERSION" "$DIST_DIR" 2>/dev/null \
    || [[ -f "$DIST_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "could not move the jars into $DIST_DIR"
  rm -rf "$tmp"
  trap - EXIT
}

# --- our process -------------------------------------------------------------------------------

# True if PID is a live (not zombie) process running kafka.Kafka with our server.properties.
is_our_broker() {
  local pid="$1" state cmd
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  state="$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
  cmd="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  grep -qxF kafka.Kafka <<<"$cmd" && grep -qxF "$PROPS_FILE" <<<"$cmd"
}

# Prints our broker's pid if it runs; removes a stale pid file.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(head -n 1 "$PID_FILE" 2>/dev/null || true)"
  if is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

# The port our running broker was configured with.
configured_port() {
  sed -n "s|^listeners=[A-Z_]*://$HOST:\([0-9]*\),.*|\1|p" "$PROPS_FILE" 2>/dev/null | head -n 1
}

# --- ports -------------------------------------------------------------------------------------

# Fails with a message naming the holder if something listens on the port (any address).
require_free_port() {
  local port="$1" what="$2" holder=""
  if command -v ss >/dev/null; then
    holder="$(ss -Hltnp "( sport = :$port )" 2>/dev/null || true)"
    if [[ -n "$holder" ]]; then
      die "port $port ($what) is already taken; not starting. ss says:
$holder
(a leftover broker from an interrupted build shows as java; stop it by its pid, or pick another port with PPRUNING_KAFKA_PORT)"
    fi
    # An outgoing connection whose local (ephemeral) port is this one blocks bind() as surely as a
    # listener, and neither the listen check above nor a connect shows it; TIME-WAIT does not block.
    holder="$(ss -Htnp state connected exclude time-wait "( sport = :$port )" 2>/dev/null || true)"
    if [[ -n "$holder" ]]; then
      die "port $port ($what) is the local end of an open connection, so the broker could not bind it; not starting. ss says:
$holder
(ports in the kernel's ephemeral range, $(tr -s '\t ' '-' </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo unknown), are handed to outgoing connections; pick a broker port below it with PPRUNING_KAFKA_PORT)"
    fi
  fi
  # Without ss (or if ss cannot see it): try to connect.
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
    die "port $port ($what) on $HOST already accepts connections; not starting (pick another port with PPRUNING_KAFKA_PORT)"
  fi
}

# --- a real metadata request -------------------------------------------------------------------

# Sends a Kafka Metadata request (v4, all topics) over bash's /dev/tcp and parses the answer.
# Prints "CLUSTER_ID NODE_ID HOST:PORT" of the first broker listed; fails if there is no answer.
metadata() {
  local port="$1"
  (
    exec 3<>"/dev/tcp/$HOST/$port" || exit 1
    # size 32 | api_key 3 (Metadata) | api_version 4 | correlation_id 42
    # | client_id "ppruning-kafka.sh" (17 bytes) | topics null (-1: all) | allow_auto_topic_creation false
    printf '\x00\x00\x00\x20\x00\x03\x00\x04\x00\x00\x00\x2a\x00\x11ppruning-kafka.sh\xff\xff\xff\xff\x00' >&3
    local size_hex size
    size_hex="$(timeout 5 head -c 4 <&3 | od -An -v -tx1 | tr -d ' \n')"
    [[ ${#size_hex} -eq 8 ]] || exit 1
    size=$((16#$size_hex))
    ((size > 16 && size < 10000000)) || exit 1
    local -a b
    read -r -a b <<<"$(timeout 5 head -c "$size" <&3 | od -An -v -tx1 | tr '\n' ' ')"
    ((${#b[@]} == size)) || exit 1
    # Big-endian reads at offset i; callers advance i.
    local i=0
    u32() { echo $((16#${b[i]}${b[i + 1]}${b[i + 2]}${b[i + 3]})); }
    u16() { echo $((16#${b[i]}${b[i + 1]})); }
    bytes() { local k s=""; for ((k = 0; k < $1; k++)); do s+="\\x${b[i + k]}"; done; printf "$s"; }
    # Response header v0: correlation_id. Body v4: throttle_time_ms, brokers[node_id, host, port,
    # rack], cluster_id, controller_id, topics (not read).
    (($(u32) == 42)) || exit 1
    i=8
    local brokers n j node host bport cluster first=""
    brokers=$(u32); i=$((i + 4))
    ((brokers >= 1 && brokers < 1000)) || exit 1
    for ((j = 0; j < brokers; j++)); do
      node=$(u32); i=$((i + 4))
      n=$(u16); i=$((i + 2)); host="$(bytes "$n")"; i=$((i + n))
      bport=$(u32); i=$((i + 4))
      n=$(u16); i=$((i + 2)); ((n != 65535)) && i=$((i + n)) # rack (nullable)
      [[ -z "$first" ]] && first="$node $host:$bport"
    done
    n=$(u16); i=$((i + 2)); cluster="-"
    ((n != 65535)) && cluster="$(bytes "$n")"
    echo "$cluster $first"
  ) 2>/dev/null
}

# --- config ------------------------------------------------------------------------------------

# The listeners: PLAINTEXT on the client port, or (sasl_ssl) only SASL_SSL with SCRAM-SHA-512 there;
# the broker's own connections to itself use the same listener with its own SCRAM user.
listener_config() {
  if ! secure; then
    cat <<EOF
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
    return
  fi
  local store_pw broker_pw
  store_pw="$(secret store)"
  broker_pw="$(secret broker)"
  cat <<EOF
listeners=SASL_SSL://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$PORT
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_DIR/truststore.p12
ssl.truststore.password=$store_pw
ssl.client.auth=none
EOF
}

# A password kept in RUN_DIR/secure/NAME.password, made once (the client's may come from
# PPRUNING_KAFKA_PASSWORD, which then replaces the kept one).
secret() {
  local f="$SECURE_DIR/$1.password"
  if [[ "$1" == client && -n "${PPRUNING_KAFKA_PASSWORD:-}" ]]; then
    printf '%s' "$PPRUNING_KAFKA_PASSWORD" >"$f"
  elif [[ ! -s "$f" ]]; then
    head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 >"$f"
  fi
  chmod 600 "$f"
  cat "$f"
}

# sasl_ssl: the CA, the broker's key and certificate (signed by the CA, for 127.0.0.1 and
# localhost), the clients' truststore and client.properties, made with the JDK's keytool once.
make_secrets() {
  secure || return 0
  mkdir -p "$SECURE_DIR"
  chmod 700 "$SECURE_DIR"
  local pw kt="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
  pw="$(secret store)"
  secret broker >/dev/null
  if [[ ! -f "$SECURE_DIR/truststore.p12" || ! -f "$SECURE_DIR/broker.p12" ]]; then
    command -v "$kt" >/dev/null || die "no '$kt' (the JDK's keytool) to make the broker certificate"
    say "making a CA and a broker certificate for $HOST in $SECURE_DIR" >&2
    local d="$SECURE_DIR" k=(-storetype PKCS12 -storepass "$pw" -keypass "$pw")
    rm -f "$d"/{ca,broker,truststore}.p12 "$d"/{ca,broker}.pem "$d"/broker.csr
    {
      "$kt" -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 3650 \
        -dname "CN=ppruning kafka.sh CA" -ext bc:c -keystore "$d/ca.p12" "${k[@]}" &&
        "$kt" -exportcert -alias ca -rfc -keystore "$d/ca.p12" -storepass "$pw" -file "$d/ca.pem" &&
        "$kt" -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
          -dname "CN=$HOST" -keystore "$d/broker.p12" "${k[@]}" &&
        "$kt" -certreq -alias broker -keystore "$d/broker.p12" -storepass "$pw" -file "$d/broker.csr" &&
        "$kt" -gencert -alias ca -keystore "$d/ca.p12" -storepass "$pw" -rfc -validity 3650 \
          -ext "SAN=ip:$HOST,dns:localhost" -ext EKU=serverAuth \
          -infile "$d/broker.csr" -outfile "$d/broker.pem" &&
        "$kt" -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/broker.p12" "${k[@]}" &&
        "$kt" -importcert -noprompt -alias broker -file "$d/broker.pem" -keystore "$d/broker.p12" "${k[@]}" &&
        "$kt" -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/truststore.p12" "${k[@]}"
    } >>"$SECURE_DIR/keytool.log" 2>&1 \
      || { tail -n 20 "$SECURE_DIR/keytool.log" >&2; die "keytool failed (log: $SECURE_DIR/keytool.log)"; }
  fi
  cat >"$CLIENT_PROPS.tmp" <<EOF
# Written by deploy/kafka/kafka.sh: what a client of the secured broker on $HOST:$PORT needs.
# As ppruning settings, prefix each key with kafka. (or set KAFKA_<KEY> in the environment).
bootstrap.servers=$HOST:$PORT
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$CLIENT_USER" password="$(secret client)";
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_DIR/truststore.p12
ssl.truststore.password=$pw
EOF
  chmod 600 "$CLIENT_PROPS.tmp"
  mv -f "$CLIENT_PROPS.tmp" "$CLIENT_PROPS"
}

write_config() {
  mkdir -p "$RUN_DIR"
  make_secrets
  cat >"$PROPS_FILE.tmp" <<EOF
# Written by deploy/kafka/kafka.sh on every start; edit the script, not this file.
# Single-node KRaft: this JVM is broker and controller; everything listens on $HOST only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
$(listener_config)
log.dirs=$DATA_DIR

# Topics are created explicitly (by the services, deploy scripts or 'kafka.sh tool topics'), so a
# misspelt topic name fails instead of silently creating a one-partition topic.
auto.create.topics.enable=$AUTO_CREATE
num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# Internal topics: one replica (there is one broker), one partition each (one broker coordinates
# everything anyway, and 50 partitions per topic make the first group/transaction slow to start).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1

# Tests and development: a new consumer group gets its partitions at once.
group.initial.rebalance.delay.ms=0

# Two cores shared with builds: fewer threads than the defaults (3 network, 8 I/O).
num.network.threads=2
num.io.threads=4
EOF
  secure && chmod 600 "$PROPS_FILE.tmp" # it holds the broker's passwords
  mv -f "$PROPS_FILE.tmp" "$PROPS_FILE"
  cat >"$LOG4J_FILE.tmp" <<'EOF'
# Written by deploy/kafka/kafka.sh. The broker's stdout goes to kafka.log beside the data directory.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = STDOUT
logger.state-change.name = state.change.logger
logger.state-change.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
# The full configuration dumps (thousands of lines per start); the settings are in server.properties.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
EOF
  mv -f "$LOG4J_FILE.tmp" "$LOG4J_FILE"
}

# Kafka's Uuid: 16 random bytes, URL-safe base64 without padding, never starting with '-'.
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  require_kafka_data_dir
  mkdir -p "$DATA_DIR"
  local id
  id="$(random_cluster_id)"
  say "formatting $DATA_DIR (cluster id $id, $SECURITY)" >&2
  local users=()
  if secure; then # SCRAM credentials are part of the initial metadata (KRaft)
    users=(--add-scram "SCRAM-SHA-512=[name=broker,password=$(secret broker)]"
      --add-scram "SCRAM-SHA-512=[name=$CLIENT_USER,password=$(secret client)]")
  fi
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$LOG4J_FILE" \
      -cp "$DIST_DIR/libs/*" kafka.tools.StorageTool format -t "$id" -c "$PROPS_FILE" --ignore-formatted \
      "${users[@]}" >>"$LOG_FILE" 2>&1 \
    || { tail -n 20 "$LOG_FILE" >&2; die "formatting $DATA_DIR failed (log: $LOG_FILE)"; }
  echo "$SECURITY $CLIENT_USER" >"$MODE_FILE"
}

# A data directory keeps the users it was formatted with: refuse to start it in the other mode.
check_mode() {
  [[ -f "$DATA_DIR/meta.properties" ]] || return 0
  local had
  had="$(cat "$MODE_FILE" 2>/dev/null || echo "plaintext $CLIENT_USER")"
  if secure; then
    [[ "$had" == "$SECURITY $CLIENT_USER" ]] \
      || die "$DATA_DIR was formatted as '$had', not '$SECURITY $CLIENT_USER' (SCRAM users are made at format time): run 'kafka.sh clean' first"
    [[ -z "${PPRUNING_KAFKA_PASSWORD:-}" || "$PPRUNING_KAFKA_PASSWORD" == "$(cat "$SECURE_DIR/client.password" 2>/dev/null)" ]] \
      || die "PPRUNING_KAFKA_PASSWORD differs from the password $DATA_DIR was formatted with: run 'kafka.sh clean' first"
  else
    [[ "${had%% *}" == plaintext ]] \
      || die "$DATA_DIR was formatted for ${had%% *}; set PPRUNING_KAFKA_SECURITY=${had%% *} or run 'kafka.sh clean' first"
  fi
}


# Never format or delete a directory that holds something else than Kafka's data.
require_kafka_data_dir() {
  if [[ -d "$DATA_DIR" && ! -f "$DATA_DIR/meta.properties" ]] && [[ -n "$(ls -A "$DATA_DIR")" ]]; then
    die "$DATA_DIR is not empty and is not a Kafka data directory (no meta.properties); not touching it"
  fi
}

cluster_id() {
  sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties" 2>/dev/null | head -n 1
}

# --- commands ----------------------------------------------------------------------------------

cmd_start() {
  local clean=false arg
  for arg in "$@"; do
    case "$arg" in
      --clean) clean=true ;;
      *) die "start: unknown option '$arg'" ;;
    esac
  done
  check_settings
  local t0 pid
  t0="$(now)"
  $clean && cmd_clean
  if pid="$(running_pid)"; then
    local running_port
    running_port="$(configured_port)"
    [[ "$running_port" == "$PORT" ]] \
      || die "our broker (pid $pid, data $DATA_DIR) runs on port $running_port, not $PORT; stop it first"
    say "already running on $HOST:$PORT (pid $pid)"
    return 0
  fi
  command -v "$JAVA" >/dev/null || die "no '$JAVA': install Java 17+ or set JAVA_HOME"
  command -v setsid >/dev/null || die "'setsid' (util-linux) is needed to start the broker detached"
  require_free_port "$PORT" "client"
  require_free_port "$CONTROLLER_PORT" "controller"
  fetch_jars
  check_mode
  write_config
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  format_storage
  local cid
  cid="$(cluster_id)"
  [[ -n "$cid" ]] || die "no cluster.id in $DATA_DIR/meta.properties"

  # Detached: own session, no terminal, stdin from /dev/null, all output to the log. The background
  # child of a non-interactive shell is not a process group leader, so setsid does not fork and $!
  # is the JVM's pid.
  # shellcheck disable=SC2086
  setsid "$JAVA" $JVM_OPTS -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J_FILE" \
    -cp "$DIST_DIR/libs/*" kafka.Kafka "$PROPS_FILE" </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE.tmp"
  mv -f "$PID_FILE.tmp" "$PID_FILE"

  local deadline answer
  deadline=$(($(date +%s) + START_TIMEOUT))
  while :; do
    if [[ ! -d "/proc/$pid" ]] || [[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then
      rm -f "$PID_FILE"
      echo "--- last lines of $LOG_FILE ---" >&2
      tail -n 40 "$LOG_FILE" >&2
      die "the broker exited during start-up (log: $LOG_FILE)"
    fi
    answer="$(answer "$PORT" || true)"
    # Ready: it answers a metadata request, lists itself at 127.0.0.1:PORT and has our cluster id
    # (secured: it logged that it started and its port accepts connections).
    if [[ "$answer" == "$(expected_answer "$cid" "$PORT")" ]]; then
      break
    fi
    if (($(date +%s) >= deadline)); then
      echo "--- last lines of $LOG_FILE ---" >&2
      tail -n 40 "$LOG_FILE" >&2
      echo "--- stopping it ---" >&2
      cmd_stop >&2 || true
      die "not ready after ${START_TIMEOUT} s (last metadata answer: '${answer:-none}'; log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  is_our_broker "$pid" || die "pid $pid is not the broker (unexpected; see $LOG_FILE)"
  if secure; then # a real client authenticates over TLS + SCRAM with client.properties
    client_check || die "the secured broker does not accept $CLIENT_PROPS (log: $LOG_FILE)"
    say "ready on $HOST:$PORT, SASL_SSL + SCRAM-SHA-512 only (pid $pid, $(since "$t0") s); client settings: $CLIENT_PROPS"
  else
    say "ready on $HOST:$PORT (pid $pid, $(since "$t0") s)"
  fi
}

# What answer() prints for a ready broker.
expected_answer() {
  if secure; then echo started; else echo "$1 1 $HOST:$2"; fi
}

# Plaintext: the metadata answer. Secured (no metadata over a bare socket): "started" once the log
# says the server started and the port accepts connections.
answer() {
  if ! secure; then
    metadata "$1"
    return
  fi
  grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null || return 1
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null || return 1
  echo started
}

# Lists the topics as the client user: TLS (truststore) and SCRAM (user, password) both work.
client_check() {
  timeout 60 "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.level=warn \
    -cp "$DIST_DIR/libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$PORT" \
    --command-config "$CLIENT_PROPS" --list >/dev/null 2>>"$LOG_FILE"
}

cmd_stop() {
  local pid t0
  if ! pid="$(running_pid)"; then
    say "not running (data $DATA_DIR)"
    return 0
  fi
  t0="$(now)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(date +%s) + STOP_TIMEOUT))
  while is_our_broker "$pid"; do
    if (($(date +%s) >= deadline)); then
      echo "kafka: pid $pid still running after ${STOP_TIMEOUT} s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      local k
      for ((k = 0; k < 50; k++)); do
        is_our_broker "$pid" || break
        sleep 0.1
      done
      is_our_broker "$pid" && die "pid $pid survived SIGKILL"
      break
    fi
    sleep 0.1
  done
  rm -f "$PID_FILE"
  say "stopped (pid $pid, $(since "$t0") s)"
}

cmd_status() {
  check_settings
  local pid port answer
  if ! pid="$(running_pid)"; then
    say "not running"
    echo "  port:  $PORT (controller $CONTROLLER_PORT)"
    echo "  data:  $DATA_DIR$([[ -f "$DATA_DIR/meta.properties" ]] && echo " (cluster id $(cluster_id))")"
    echo "  log:   $LOG_FILE"
    return 3
  fi
  port="$(configured_port)"
  answer="$(answer "$port" || true)"
  if [[ "$answer" == "$(expected_answer "$(cluster_id)" "$port")" ]]; then
    say "running on $HOST:$port (pid $pid)"
  else
    say "running (pid $pid) but not answering on $HOST:$port"
  fi
  echo "  pid:   $pid"
  echo "  port:  $port"
  echo "  data:  $DATA_DIR (cluster id $(cluster_id))"
  echo "  log:   $LOG_FILE"
  echo "  rss:   $(awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null)"
  secure && echo "  auth:  SASL_SSL + SCRAM-SHA-512, client settings $CLIENT_PROPS"
  [[ "$answer" == "$(expected_answer "$(cluster_id)" "$port")" ]] || return 1
}

cmd_clean() {
  cmd_stop
  [[ "$DATA_DIR" != / && "$DATA_DIR" != "$HOME" && "$DATA_DIR" != "$CACHE_DIR" ]] \
    || die "refusing to delete $DATA_DIR"
  require_kafka_data_dir
  rm -rf "$DATA_DIR"
  rm -f "$LOG_FILE" "$LOG_FILE.1" "$PROPS_FILE" "$LOG4J_FILE" "$MODE_FILE"
  rm -rf "$SECURE_DIR"
  say "removed $DATA_DIR and its log and config"
}

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh tool topics|consumer-groups|console-producer|console-consumer|get-offsets ARGS..."
  local name="$1" cls
  shift
  case "$name" in
    topics) cls=org.apache.kafka.tools.TopicCommand ;;
    consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    get-offsets) cls=org.apache.kafka.tools.GetOffsetShell ;;
    *) die "tool: unknown tool '$name' (topics, consumer-groups, console-producer, console-consumer, get-offsets)" ;;
  esac
  check_settings
  fetch_jars
  local port="$PORT" pid auth=()
  pid="$(running_pid)" && port="$(configured_port)"
  if secure; then
    [[ -f "$CLIENT_PROPS" ]] || die "no $CLIENT_PROPS: start the secured broker first"
    case "$name" in
      console-producer) auth=(--producer.config "$CLIENT_PROPS") ;;
      console-consumer) auth=(--consumer.config "$CLIENT_PROPS") ;;
      *) auth=(--command-config "$CLIENT_PROPS") ;;
    esac
  fi
  exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.level=warn \
    -cp "$DIST_DIR/libs/*" "$cls" --bootstrap-server "$HOST:$port" "${auth[@]}" "$@"
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; [[ $# -eq 0 ]] || die "stop takes no arguments"; cmd_stop ;;
  status) shift; cmd_status ;;
  clean | --clean) shift; cmd_clean ;;
  tool) shift; cmd_tool "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
