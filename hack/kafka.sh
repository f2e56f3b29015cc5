#!/usr/bin/env bash
# Runs a real Apache Kafka broker (KRaft, one combined broker+controller) on
# 127.0.0.1 for tests and local development. Kafka is assembled from its
# Maven Central artifacts, because its download site is unreachable here.
#
# Usage: hack/kafka.sh fetch|start|stop|halt|resume|status|bootstrap|...
#   fetch      download Kafka $KAFKA_VERSION and its runtime dependencies into the cache
#   start      fetch if needed, format fresh KRaft storage, start, wait until it serves;
#              prints the bootstrap address on stdout
#   stop       stop the broker and remove its data
#   halt       stop the broker and keep its data (a broker outage, for fault tests)
#   resume     start a halted broker again on its kept data; prints the bootstrap address
#   status     exit 0 and print the bootstrap address when a broker is running
#   bootstrap  print the bootstrap address this script uses
#   libs       print the directory of the Kafka jars (fetching them if needed)
#   secure-env print the SASL_SSL, SSL and SASL_PLAINTEXT listeners, the CA file
#              and the test user, as VAR=value lines
#   create-topic NAME [PARTITIONS]
#              create a topic on the running broker (Kafka's own TopicCommand);
#              does nothing when it exists
#
# Environment: KAFKA_VERSION (default: the Makefile's), KAFKA_PORT (default 19092),
# KAFKA_CONTROLLER_PORT (default 19093), KAFKA_SASL_SSL_PORT, KAFKA_SSL_PORT and
# KAFKA_SASL_PLAINTEXT_PORT (default 19094, 19095, 19096), KAFKA_HEAP (default -Xmx1g),
# VERMONT_KAFKA_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/vermont/kafka).
# Brokers on different ports run side by side, each with its own data.
set -euo pipefail

# The Makefile pins the version; read it from there when run directly.
KAFKA_VERSION="${KAFKA_VERSION:-$(sed -n 's/^KAFKA_VERSION ?= *//p' "$(dirname "$0")/../Makefile")}"
[[ -n "$KAFKA_VERSION" ]] || { echo "[kafka] KAFKA_VERSION is not set and not found in the Makefile" >&2; exit 1; }
LOG4J_VERSION="${LOG4J_VERSION:-2.25.3}"
SLF4J_VERSION="${SLF4J_VERSION:-2.0.17}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
# Listeners for security tests: SASL over TLS, TLS only, SASL in clear.
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-19094}"
KAFKA_SSL_PORT="${KAFKA_SSL_PORT:-19095}"
KAFKA_SASL_PLAINTEXT_PORT="${KAFKA_SASL_PLAINTEXT_PORT:-19096}"
# The test user, known to PLAIN and created for SCRAM-SHA-256/512 at format time.
KAFKA_TEST_USER="${KAFKA_TEST_USER:-vermont}"
KAFKA_TEST_PASSWORD="${KAFKA_TEST_PASSWORD:-vermont-test-secret}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
CACHE_ROOT="${VERMONT_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vermont/kafka}"
DIST="$CACHE_ROOT/$KAFKA_VERSION"
LIBS="$DIST/libs"
RUN="$CACHE_ROOT/run-$KAFKA_PORT"
PIDFILE="$RUN/kafka.pid"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

fetch() {
  if [[ -f "$LIBS/.complete" ]]; then
    return
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (and Java 17) to fetch Apache Kafka"
  log "fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central into $LIBS"
  rm -rf "$LIBS"
  mkdir -p "$DIST"
  # kafka_2.13 is the broker; kafka-tools carries the perf and admin tools;
  # log4j-core and its slf4j binding give the broker a logging backend.
  cat >"$DIST/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.vermont.local</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- Kafka's own dependency tree resolves slf4j-api 1.7, which cannot bind to log4j2's 2.x provider. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q -f "$DIST/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2 \
    || die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see the error above)"
  ls "$LIBS"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  touch "$LIBS/.complete"
}

running() {
  [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || die "java not found: install Java 17"; fi
}

# tls generates a CA and a broker certificate for 127.0.0.1 and localhost;
# the broker reads them as PEM.
tls() {
  local dir="$RUN/tls"
  mkdir -p "$dir"
  command -v openssl >/dev/null || die "openssl not found: install it (Debian: openssl) for the TLS listeners"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=vermont-test-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/broker.key" -out "$dir/broker.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
    -extfile "$dir/san.ext" -out "$dir/broker.crt" >/dev/null 2>&1
  # Kafka's PEM keystore wants a PKCS#8 key followed by the certificate chain.
  openssl pkcs8 -topk8 -nocrypt -in "$dir/broker.key" -out "$dir/broker.pk8"
  cat "$dir/broker.pk8" "$dir/broker.crt" "$dir/ca.crt" >"$dir/broker-keystore.pem"
}

start() {
  if running; then
    log "already running (pid $(cat "$PIDFILE")) at $BOOTSTRAP"
    echo "$BOOTSTRAP"
    return
  fi
  fetch
  local java; java="$(java_bin)"
  rm -rf "$RUN"
  mkdir -p "$RUN/data"
  tls
  local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_TEST_USER=\"$KAFKA_TEST_PASSWORD\";"
  local scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  cat >"$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.sasl_plaintext.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram_jaas
ssl.keystore.type=PEM
ssl.keystore.location=$RUN/tls/broker-keystore.pem
log.dirs=$RUN/data
# Tests and the operator create their topics explicitly, as most production
# clusters require; auto-creation would hide a missing topic.
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A single local broker has no one to wait for: join consumer groups at once.
group.initial.rebalance.delay.ms=0
PROPS
  cat >"$RUN/log4j2.properties" <<LOG
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $RUN/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
LOG
  local cp="$LIBS/*"
  local cluster_id
  cluster_id="$("$java" -cp "$cp" -Dlog4j2.configurationFile="$RUN/log4j2.properties" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  "$java" -cp "$cp" -Dlog4j2.configurationFile="$RUN/log4j2.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=$KAFKA_TEST_USER,password=$KAFKA_TEST_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_USER,password=$KAFKA_TEST_PASSWORD]" >"$RUN/format.log" 2>&1 \
    || { cat "$RUN/format.log" >&2; die "formatting KRaft storage failed"; }
  launch
}

# launch starts the broker on the storage in $RUN and waits until it serves.
launch() {
  local java; java="$(java_bin)"
  local cp="$LIBS/*"
  # The readiness line below must come from this run, not an earlier one.
  if [[ -f "$RUN/server.log" ]]; then mv "$RUN/server.log" "$RUN/server.log.previous"; fi
  log "starting Apache Kafka $KAFKA_VERSION (KRaft) on $BOOTSTRAP, logs in $RUN/server.log"
  # shellcheck disable=SC2086 # KAFKA_HEAP holds several JVM flags
  nohup "$java" $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$RUN/server.properties" >"$RUN/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + 90))
  until grep -q "Kafka Server started" "$RUN/server.log" 2>/dev/null; do
    if ! running; then
      tail -n 40 "$RUN/stdout.log" "$RUN/server.log" >&2 2>/dev/null || true
      die "the broker exited during startup"
    fi
    if ((SECONDS > deadline)); then
      tail -n 40 "$RUN/stdout.log" >&2 2>/dev/null || true; stop
      die "the broker did not start within 90 s"
    fi
    sleep 0.5
  done
  log "ready at $BOOTSTRAP"
  echo "$BOOTSTRAP"
}

stop() {
  halt
  rm -rf "$RUN"
}

# halt stops the broker gracefully, as an operator would, and keeps $RUN.
halt() {
  if running; then
    local pid; pid="$(cat "$PIDFILE")"
    log "stopping broker (pid $pid)"
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS > deadline)); then
        log "broker did not stop within 30 s; killing it"
        kill -9 "$pid" 2>/dev/null || true
      fi
      sleep 0.2
    done
  fi
  rm -f "$PIDFILE"
}

resume() {
  if running; then
    log "already running (pid $(cat "$PIDFILE")) at $BOOTSTRAP"
    echo "$BOOTSTRAP"
    return
  fi
  [[ -f "$RUN/server.properties" && -d "$RUN/data" ]] || die "no halted broker in $RUN: start one with hack/kafka.sh start"
  launch
}

# secure_env prints, as shell assignments, what tests need to reach the
# secure listeners (the password is a throwaway of this local broker).
secure_env() {
  running || die "no broker running: start one with make kafka-start"
  cat <<ENV
KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:$KAFKA_SASL_SSL_PORT
KAFKA_SSL_BOOTSTRAP=127.0.0.1:$KAFKA_SSL_PORT
KAFKA_SASL_PLAINTEXT_BOOTSTRAP=127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT
KAFKA_TLS_CA_FILE=$RUN/tls/ca.crt
KAFKA_SASL_USERNAME=$KAFKA_TEST_USER
KAFKA_SASL_PASSWORD=$KAFKA_TEST_PASSWORD
ENV
}

status() {
  if running; then
    echo "$BOOTSTRAP"
  else
    log "not running"
    return 1
  fi
}

create_topic() {
  local name="${1:?usage: hack/kafka.sh create-topic NAME [PARTITIONS]}" partitions="${2:-1}"
  running || die "no broker running: start one with make kafka-start"
  "$(java_bin)" -cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.properties" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor 1 >&2
  log "topic $name ready ($partitions partitions)"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  resume) resume ;;
  status) status ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  libs) fetch; echo "$LIBS" ;;
  secure-env) secure_env ;;
  create-topic) shift; create_topic "$@" ;;
  *) sed -n '2,26p' "$0" >&2; exit 2 ;;
esac
