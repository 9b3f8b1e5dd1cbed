#!/usr/bin/env bash
# dev/stack.sh - a REAL local Kafka broker (KRaft, single node) and a REAL Elasticsearch node, run as
# plain processes on 127.0.0.1 (no Docker). Used by the demo, the test suite and CI.
#
#   dev/stack.sh up | down | restart | status | logs [kafka|es] [-f] [-n N] | clean | help
#
# Everything that is port- or directory-specific comes from the environment, so several stacks
# (different ABC_STACK_DIR + ports) can run side by side. Run `dev/stack.sh help` for the variables.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd -P)

KAFKA_VERSION=4.2.0
ES_VERSION=8.19.21
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# ---------------------------------------------------------------- configuration (env, defaults)
# --secure (anywhere on the command line): the secured pair - Kafka SASL_SSL (SCRAM-SHA-512) and
# Elasticsearch with HTTPS and basic auth (the API key service is on, but the integ-test
# distribution cannot store keys: it lacks analysis-common, which the .security index needs) - in its own folder and on its own ports.
SECURE=0
ARGS=()
for a in "$@"; do
  if [[ $a == --secure ]]; then SECURE=1; else ARGS+=("$a"); fi
done
set -- "${ARGS[@]+"${ARGS[@]}"}"
if ((SECURE)); then
  D_STACK_DIR=$REPO_ROOT/.stack/secure D_KAFKA_PORT=9094 D_KAFKA_CONTROLLER_PORT=9095 D_ES_PORT=9243 D_ES_TRANSPORT_PORT=9343
else
  D_STACK_DIR=$REPO_ROOT/.stack D_KAFKA_PORT=9092 D_KAFKA_CONTROLLER_PORT=9093 D_ES_PORT=9200 D_ES_TRANSPORT_PORT=9300
fi
STACK_DIR=$(realpath -m "${ABC_STACK_DIR:-$D_STACK_DIR}")
CACHE_DIR=$(realpath -m "${ABC_STACK_CACHE:-$REPO_ROOT/.stack/cache}")
KAFKA_PORT=${ABC_KAFKA_PORT:-$D_KAFKA_PORT}
KAFKA_CONTROLLER_PORT=${ABC_KAFKA_CONTROLLER_PORT:-$D_KAFKA_CONTROLLER_PORT}
ES_PORT=${ABC_ES_PORT:-$D_ES_PORT}
ES_TRANSPORT_PORT=${ABC_ES_TRANSPORT_PORT:-$D_ES_TRANSPORT_PORT}
KAFKA_HEAP=${ABC_KAFKA_HEAP:-512m}
ES_HEAP=${ABC_ES_HEAP:-512m}
TIMEOUT=${ABC_STACK_TIMEOUT:-180}
STACK_USER=${ABC_STACK_USER:-abcstack}   # only used when run as root (ES refuses root)

KDIR=$STACK_DIR/kafka
ESDIR=$STACK_DIR/es
KAFKA_PIDFILE=$KDIR/kafka.pid
ES_PIDFILE=$ESDIR/run/es.pid
STACK_ENV=$STACK_DIR/stack.env
KAFKA_LIBS_DIR=""                        # set by kafka_libs
ES_HOME=$CACHE_DIR/elasticsearch-$ES_VERSION
# --secure: generated CA, certificates, stores and passwords (the users' client side reads them)
SECRETS=$STACK_DIR/secrets
SECURE_ENV=$STACK_DIR/secure.env
ES_USER=abc           # the Elasticsearch user (superuser role) and the Kafka SCRAM user
KAFKA_USER=abc

# ---------------------------------------------------------------- small helpers
say()  { printf '%s\n' "$*"; }
log()  { printf '[%-5s] %s\n' "$1" "${*:2}"; }
err()  { printf '[%-5s] ERROR: %s\n' "$1" "${*:2}" >&2; }
die()  { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100)); }

usage() {
  cat <<EOF
usage: dev/stack.sh <command> [--secure]

  up                  start Kafka and Elasticsearch (in parallel), wait until healthy; idempotent
  down                stop both (SIGTERM, wait, SIGKILL); idempotent
  restart             down + up
  status              print the state of each; exit 0 only when both are healthy
  logs [kafka|es] [-f] [-n N]
                      show (or follow) the logs; both when no service is named
  clean               down, then delete this stack's data and logs (keeps the download cache)
  help                this text

  --secure            the secured pair instead: Kafka SASL_SSL (SCRAM-SHA-512) and Elasticsearch with
                      HTTPS + basic auth, a generated CA, in \$ABC_STACK_DIR (default
                      $REPO_ROOT/.stack/secure) on ports 9094/9095 (Kafka) and 9243/9343 (ES);
                      'up --secure' prints where the CA, user names and password files are

environment (defaults):
  ABC_STACK_DIR              state: configs, data, logs, pids    ($REPO_ROOT/.stack)
  ABC_STACK_CACHE            Kafka jars + ES distribution, shared by all stacks ($REPO_ROOT/.stack/cache)
  ABC_KAFKA_PORT             Kafka bootstrap (PLAINTEXT) port    (9092)
  ABC_KAFKA_CONTROLLER_PORT  Kafka KRaft controller port         (9093)
  ABC_ES_PORT                Elasticsearch HTTP port             (9200)
  ABC_ES_TRANSPORT_PORT      Elasticsearch transport port        (9300)
  ABC_KAFKA_HEAP             Kafka heap (-Xms/-Xmx)              (512m)
  ABC_ES_HEAP                Elasticsearch heap (-Xms/-Xmx)      (512m)
  ABC_STACK_TIMEOUT          seconds 'up' waits for health       (180)
  ABC_STACK_USER             unprivileged user for ES when run as root (abcstack)
  ES_JAVA_HOME / JAVA_HOME   JDK (17+) to use; default: the 'java' on PATH
Everything binds to 127.0.0.1 only.
EOF
}

for p in KAFKA_PORT KAFKA_CONTROLLER_PORT ES_PORT ES_TRANSPORT_PORT TIMEOUT; do
  [[ ${!p} =~ ^[0-9]+$ ]] || die "ABC_$p must be a number (got '${!p}')"
done
for p in KAFKA_HEAP ES_HEAP; do
  [[ ${!p} =~ ^[0-9]+[kKmMgG]?$ ]] || die "ABC_$p must be a JVM heap size like 512m or 1g (got '${!p}')"
done

# pid alive and not a zombie
alive() {
  [[ -n ${1:-} && -d /proc/$1 ]] || return 1
  local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $st != Z && $st != X ]]
}

cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# markers that identify a process as belonging to THIS stack (guards against pid reuse and lets
# 'down' find processes whose pid file was lost)
# (the ES node gets its config path on stdin, so its stack-specific marker is its tmp dir)
kafka_is_ours() { local c; c=$(cmdline "$1") && [[ $c == *" kafka.Kafka $KDIR/server.properties "* ]]; }
es_is_ours()    { local c; c=$(cmdline "$1") && [[ $c == *org.elasticsearch.bootstrap.Elasticsearch* && $c == *" -Djava.io.tmpdir=$ESDIR/tmp "* ]]; }
es_cli_is_ours() { local c; c=$(cmdline "$1") && [[ $c == *org.elasticsearch.launcher.CliToolLauncher* && $c == *" -Des.path.conf=$ESDIR/config "* ]]; }

find_pids() { # $1 = predicate function; prints matching pids
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    "$1" "$pid" 2>/dev/null && alive "$pid" && echo "$pid"
  done
}

# the running pid of a service (kafka|es), or nothing. Cleans up stale pid files (with a message)
# and re-adopts a running process whose pid file went missing.
svc_pid() {
  local svc=$1 pidfile pred pid
  if [[ $svc == kafka ]]; then pidfile=$KAFKA_PIDFILE pred=kafka_is_ours; else pidfile=$ES_PIDFILE pred=es_is_ours; fi
  if [[ -f $pidfile ]]; then
    pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null)
    if alive "$pid" && $pred "$pid"; then echo "$pid"; return 0; fi
    log "$svc" "removing stale pid file $pidfile (pid ${pid:-?} is gone)" >&2
    rm -f "$pidfile"
  fi
  [[ -d /proc ]] || return 0
  pid=$(find_pids "$pred" | head -n1)
  if [[ -n $pid ]]; then
    log "$svc" "found running process $pid without pid file; adopting it" >&2
    mkdir -p "$(dirname "$pidfile")" && echo "$pid" >"$pidfile"
    echo "$pid"
  fi
}

port_busy() { # prints a description of the listener if something listens on 127.0.0.1:$1
  local p=$1 line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$p" 2>/dev/null | head -n1)
    [[ -n $line ]] || return 1
    echo "$line" | grep -o 'users:.*' || echo "a listener"
    return 0
  fi
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null || return 1
  echo "a listener"
}

check_ports_free() { # svc, then pairs of (port, envvar)
  local svc=$1; shift
  local bad=0 who
  while (($#)); do
    if who=$(port_busy "$1"); then
      err "$svc" "port $1 on 127.0.0.1 is already in use by something that is not this stack ($who)."
      err "$svc" "  stop that process, or choose another port: $2=<port> dev/stack.sh up"
      bad=1
    fi
    shift 2
  done
  return $bad
}

tail_logs() { # svc [n]
  local n=${2:-40} f
  for f in $(log_files "$1"); do
    [[ -s $f ]] || continue
    say "----- $f (last $n lines)"
    # (Kafka dumps its ~300-line config at every start: skip those tab-indented lines)
    grep -v $'^\t' "$f" | tail -n "$n"
  done
}

log_files() {
  if [[ $1 == kafka ]]; then
    echo "$KDIR/logs/server.log $KDIR/logs/stdout.log"
  else
    echo "$ESDIR/logs/abc-stack.log $ESDIR/logs/launcher.log"
  fi
}

# ---------------------------------------------------------------- java
resolve_java_home() {
  local jh=${ES_JAVA_HOME:-${JAVA_HOME:-}}
  if [[ -z $jh ]]; then
    local j; j=$(command -v java) || die "no 'java' on PATH and neither ES_JAVA_HOME nor JAVA_HOME set (need JDK 17+)"
    jh=$(dirname "$(dirname "$(readlink -f "$j")")")
  fi
  [[ -x $jh/bin/java ]] || die "no java at $jh/bin/java (check ES_JAVA_HOME / JAVA_HOME)"
  echo "$jh"
}

# ---------------------------------------------------------------- stack-wide lock + recorded ports
with_lock() { # file, command...   (serializes e.g. two 'up' on the same dir / cache installs)
  local f=$1; shift
  mkdir -p "$(dirname "$f")"
  (
    flock -w 600 9 || die "could not lock $f"
    "$@"
  ) 9>"$f"
}

write_stack_env() {
  mkdir -p "$STACK_DIR"
  cat >"$STACK_ENV" <<EOF
ABC_KAFKA_PORT=$KAFKA_PORT
ABC_KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
ABC_ES_PORT=$ES_PORT
ABC_ES_TRANSPORT_PORT=$ES_TRANSPORT_PORT
EOF
}

# ports a running stack was started with (status/logs of a running stack follow what 'up' used)
load_recorded_ports() {
  [[ -f $STACK_ENV ]] || return 0
  local k v
  while IFS='=' read -r k v; do
    case $k in
      ABC_KAFKA_PORT) R_KAFKA_PORT=$v ;;
      ABC_KAFKA_CONTROLLER_PORT) R_KAFKA_CONTROLLER_PORT=$v ;;
      ABC_ES_PORT) R_ES_PORT=$v ;;
      ABC_ES_TRANSPORT_PORT) R_ES_TRANSPORT_PORT=$v ;;
    esac
  done <"$STACK_ENV"
}

# ---------------------------------------------------------------- health checks
# Kafka: raw ApiVersions (v0) request on the bootstrap port; the broker only answers once it has
# finished starting (request processing is enabled after the broker is unfenced).
kafka_healthy() {
  local port=$1
  if ((SECURE)); then
    # the same request over TLS: a SASL listener answers ApiVersions before authentication
    local r
    r=$( { printf "\x00\x00\x00\x13\x00\x12\x00\x00\x41\x42\x43\x01\x00\x09abc-stack"; sleep 1; } |
      timeout 2 openssl s_client -quiet -verify_return_error -CAfile "$SECRETS/ca.pem" \
        -connect "127.0.0.1:$port" 2>/dev/null | head -c 10 | od -An -v -tx1 | tr -d " \n")
    [[ ${r:8:12} == 414243010000 ]]
    return
  fi
  timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$port"' || exit 1
    # size=19 | api_key=18 (ApiVersions) | version=0 | correlation_id=0x41424301 | client_id="abc-stack"
    printf "\x00\x00\x00\x13\x00\x12\x00\x00\x41\x42\x43\x01\x00\x09abc-stack" >&3
    r=$(head -c 10 <&3 | od -An -v -tx1 | tr -d " \n")
    [[ ${r:8:12} == 414243010000 ]]   # our correlation id, error_code 0
  ' 2>/dev/null
}

es_health() { # prints green|yellow|red or nothing
  if ((SECURE)); then
    # the password goes to curl on stdin, not on its command line
    printf 'user = "%s:%s"\n' "$ES_USER" "$(<"$SECRETS/es-$ES_USER.password")" |
      curl -s -m 3 -K - --cacert "$SECRETS/ca.pem" "https://127.0.0.1:$1/_cluster/health" 2>/dev/null |
      grep -o '"status":"[a-z]*"' | head -n1 | cut -d'"' -f4
    return
  fi
  curl -s -m 3 "http://127.0.0.1:$1/_cluster/health" 2>/dev/null |
    grep -o '"status":"[a-z]*"' | head -n1 | cut -d'"' -f4
}
es_healthy() { local s; s=$(es_health "$1"); [[ $s == green || $s == yellow ]]; }
es_scheme() { if ((SECURE)); then echo https; else echo http; fi; }

# ---------------------------------------------------------------- Kafka
kafka_libs() {
  local pomsum
  pomsum=$(sha1sum "$SCRIPT_DIR/kafka/pom.xml" | cut -c1-10)
  KAFKA_LIBS_DIR=$CACHE_DIR/kafka-$KAFKA_VERSION-$pomsum
  [[ -f $KAFKA_LIBS_DIR/.complete ]] && return 0
  with_lock "$CACHE_DIR/.kafka.lock" kafka_libs_locked
}
kafka_libs_locked() {
  [[ -f $KAFKA_LIBS_DIR/.complete ]] && return 0
  log kafka "resolving kafka_2.13:$KAFKA_VERSION + log4j2 through Maven into $KAFKA_LIBS_DIR ..."
  local tmp=$KAFKA_LIBS_DIR.tmp.$$
  rm -rf "$tmp"
  if ! mvn -q -B -f "$SCRIPT_DIR/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE_DIR/kafka-mvn.log" 2>&1; then
    err kafka "maven failed:"; tail -n 30 "$CACHE_DIR/kafka-mvn.log" >&2
    rm -rf "$tmp"; return 1
  fi
  touch "$tmp/.complete" && rm -rf "$KAFKA_LIBS_DIR" && mv "$tmp" "$KAFKA_LIBS_DIR"
}

kafka_write_config() {
  mkdir -p "$KDIR/data" "$KDIR/logs"
  local listeners
  if ((SECURE)); then
    listeners="listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(<"$SECRETS/kafka-admin.password")\";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS/kafka.keystore.p12
ssl.keystore.password=$(<"$SECRETS/truststore.password")
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECRETS/truststore.p12
ssl.truststore.password=$(<"$SECRETS/truststore.password")
ssl.client.auth=none"
  else
    listeners="listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  fi
  # (umask: with --secure the file holds the broker's store and SCRAM passwords)
  (umask 077; cat >"$KDIR/server.properties" <<EOF
# generated by dev/stack.sh on every 'up' - edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
$listeners
log.dirs=$KDIR/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  )
}

kafka_format() {
  [[ -f $KDIR/data/meta.properties ]] && return 0
  local id
  # a Kafka Uuid: 16 random bytes, URL-safe base64 without padding
  id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  echo "$id" >"$KDIR/cluster.id"
  log kafka "formatting KRaft storage (cluster id $id)"
  # --secure: the SCRAM users exist from the first start (written into the metadata log at format)
  local scram=()
  if ((SECURE)); then
    scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(<"$SECRETS/kafka-admin.password")]"
           --add-scram "SCRAM-SHA-512=[name=$KAFKA_USER,password=$(<"$SECRETS/kafka-$KAFKA_USER.password")]")
  fi
  if ! "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/log4j2.xml" -Dkafka.logs.dir="$KDIR/logs" \
      -cp "$KAFKA_LIBS_DIR/*" kafka.tools.StorageTool format --config "$KDIR/server.properties" \
      --cluster-id "$id" "${scram[@]}" >"$KDIR/logs/format.log" 2>&1; then
    err kafka "kafka-storage format failed:"; cat "$KDIR/logs/format.log" >&2
    return 1
  fi
}

# await_healthy SVC PID PIDFILE WHAT INTERVAL CHECK ARG: polls "CHECK ARG" until it succeeds; fails (with the
# service's log tail) if the process exits or ABC_STACK_TIMEOUT passes, which leaves the process running.
await_healthy() {
  local svc=$1 pid=$2 pidfile=$3 what=$4 interval=$5 check=$6 arg=$7
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$check" "$arg"; do
    if ! alive "$pid"; then
      err "$svc" "$what $pid exited during startup"; tail_logs "$svc" >&2
      rm -f "$pidfile"; return 1
    fi
    if (( $(date +%s) >= deadline )); then
      err "$svc" "not healthy after ${TIMEOUT}s (ABC_STACK_TIMEOUT); pid $pid left running ('dev/stack.sh down' stops it)"
      tail_logs "$svc" >&2; return 1
    fi
    sleep "$interval"
  done
}

up_kafka() {
  local t0; t0=$(now_ms)
  local pid; pid=$(svc_pid kafka)
  if [[ -n $pid ]]; then
    if kafka_healthy "$KAFKA_PORT"; then log kafka "already running (pid $pid)"; return 0; fi
    log kafka "running (pid $pid) but not answering yet; waiting"
  else
    check_ports_free kafka "$KAFKA_PORT" ABC_KAFKA_PORT "$KAFKA_CONTROLLER_PORT" ABC_KAFKA_CONTROLLER_PORT || return 1
    kafka_libs || return 1
    kafka_write_config
    kafka_format || return 1
    : >>"$KDIR/logs/stdout.log"
    (
      cd "$KDIR" || exit 1
      exec setsid "$JAVA" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/log4j2.xml" -Dkafka.logs.dir="$KDIR/logs" \
        -cp "$KAFKA_LIBS_DIR/*" kafka.Kafka "$KDIR/server.properties"
    ) </dev/null >>"$KDIR/logs/stdout.log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$KAFKA_PIDFILE"
    log kafka "started pid $pid, waiting for the broker on 127.0.0.1:$KAFKA_PORT"
  fi
  await_healthy kafka "$pid" "$KAFKA_PIDFILE" "the broker process" 0.3 kafka_healthy "$KAFKA_PORT" || return 1
  log kafka "healthy in $(secs_since "$t0")"
}

# ---------------------------------------------------------------- Elasticsearch
es_install() {
  [[ -f $ES_HOME/.complete ]] && return 0
  with_lock "$CACHE_DIR/.es.lock" es_install_locked
}
es_install_locked() {
  [[ -f $ES_HOME/.complete ]] && return 0
  local tmp=$CACHE_DIR/.es-tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  log es "fetching $ES_ARTIFACT through Maven ..."
  if ! mvn -q -B "$DEP_PLUGIN:copy" -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$tmp" \
      >"$CACHE_DIR/es-mvn.log" 2>&1 </dev/null; then
    err es "maven failed:"; tail -n 30 "$CACHE_DIR/es-mvn.log" >&2
    rm -rf "$tmp"; return 1
  fi
  log es "unpacking into $ES_HOME"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$tmp/x" || { rm -rf "$tmp"; return 1; }
  else
    (mkdir -p "$tmp/x" && cd "$tmp/x" && "$JAVA_HOME_RESOLVED/bin/jar" xf "$tmp/elasticsearch-$ES_VERSION.zip" &&
      chmod +x elasticsearch-$ES_VERSION/bin/* ) || { rm -rf "$tmp"; return 1; }
  fi
  chmod -R a+rX "$tmp/x"
  rm -rf "$ES_HOME" && mv "$tmp/x/elasticsearch-$ES_VERSION" "$ES_HOME" && touch "$ES_HOME/.complete"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

ensure_stack_user() {
  id -u "$STACK_USER" >/dev/null 2>&1 && return 0
  log es "creating system user '$STACK_USER' (Elasticsearch refuses to run as root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$STACK_USER" 2>/dev/null || id -u "$STACK_USER" >/dev/null 2>&1
}

es_write_config() {
  mkdir -p "$ESDIR/config" "$ESDIR/data" "$ESDIR/logs" "$ESDIR/tmp" "$ESDIR/run"
  # keep files ES writes itself (keystore); refresh the rest from the distribution
  local f
  for f in "$ES_HOME"/config/*; do
    case ${f##*/} in elasticsearch.yml|jvm.options) continue ;; esac
    [[ -e $ESDIR/config/${f##*/} ]] || cp -r "$f" "$ESDIR/config/"
  done
  # the distribution writes gc.log / hs_err files relative to the cwd: point them at our logs dir
  sed -e "s|file=gc.log:\([^:]*\):.*|file=$ESDIR/logs/gc.log:\1:filecount=4,filesize=16m|" \
      -e "s|^-XX:ErrorFile=.*|-XX:ErrorFile=$ESDIR/logs/hs_err_pid%p.log|" \
      -e "s|^-XX:+HeapDumpOnOutOfMemoryError|-XX:-HeapDumpOnOutOfMemoryError|" \
      "$ES_HOME/config/jvm.options" >"$ESDIR/config/jvm.options"
  {
    echo "# generated by dev/stack.sh on every 'up' - edit the script, not this file"
    echo "cluster.name: abc-stack"
    echo "node.name: abc-stack-$ES_PORT"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $ES_PORT"
    echo "transport.port: $ES_TRANSPORT_PORT"
    echo "path.data: $ESDIR/data"
    echo "path.logs: $ESDIR/logs"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.destructive_requires_name: false"
    # the integ-test-zip ships x-pack-core + x-pack-security; an unknown setting would be fatal
    if ((SECURE)); then
      echo "xpack.security.enabled: true"
      echo "xpack.security.authc.api_key.enabled: true"
      echo "xpack.security.http.ssl.enabled: true"
      echo "xpack.security.http.ssl.key: certs/node.key"
      echo "xpack.security.http.ssl.certificate: certs/node.pem"
      echo "xpack.security.http.ssl.certificate_authorities: [ certs/ca.pem ]"
      echo "xpack.security.transport.ssl.enabled: true"
      echo "xpack.security.transport.ssl.verification_mode: certificate"
      echo "xpack.security.transport.ssl.key: certs/node.key"
      echo "xpack.security.transport.ssl.certificate: certs/node.pem"
      echo "xpack.security.transport.ssl.certificate_authorities: [ certs/ca.pem ]"
    else
      [[ -d $ES_HOME/modules/x-pack-security ]] && echo "xpack.security.enabled: false"
    fi
  } >"$ESDIR/config/elasticsearch.yml"
  if ((SECURE)); then
    # ES reads TLS files only from inside its config folder
    mkdir -p "$ESDIR/config/certs"
    cp "$SECRETS/ca.pem" "$SECRETS/node.pem" "$SECRETS/node.key" "$ESDIR/config/certs/"
    chmod 600 "$ESDIR/config/certs/node.key"
  fi
  if [[ $(id -u) == 0 ]]; then
    chown -R "$STACK_USER:" "$ESDIR"
  fi
}

# run a command as the ES user (root only) with a clean environment
as_es_user() {
  local envv=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$ESDIR")
  if [[ $(id -u) == 0 ]]; then
    env -i "${envv[@]}" "${ES_ENV[@]}" setpriv --reuid="$STACK_USER" --regid="$STACK_USER" --init-groups "$@"
  else
    env -i "${envv[@]}" "${ES_ENV[@]}" "$@"
  fi
}

up_es() {
  local t0; t0=$(now_ms)
  local pid; pid=$(svc_pid es)
  if [[ -n $pid ]]; then
    if es_healthy "$ES_PORT"; then log es "already running (pid $pid)"; return 0; fi
    log es "running (pid $pid) but not healthy yet; waiting"
  else
    check_ports_free es "$ES_PORT" ABC_ES_PORT "$ES_TRANSPORT_PORT" ABC_ES_TRANSPORT_PORT || return 1
    es_install || return 1
    if [[ $(id -u) == 0 ]]; then ensure_stack_user || { err es "could not create user $STACK_USER"; return 1; }; fi
    es_write_config
    ES_ENV=(ES_JAVA_HOME="$JAVA_HOME_RESOLVED" ES_PATH_CONF="$ESDIR/config" ES_TMPDIR="$ESDIR/tmp"
            ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP")
    if ! as_es_user test -r "$ES_HOME/lib/elasticsearch-$ES_VERSION.jar" -a -w "$ESDIR/data"; then
      err es "user '$STACK_USER' cannot read $ES_HOME or write $ESDIR (a parent directory is not"
      err es "  world-traversable, e.g. /root). Put ABC_STACK_DIR and ABC_STACK_CACHE under e.g. /var/tmp."
      return 1
    fi
    if ((SECURE)) && ! grep -q "^$ES_USER:" "$ESDIR/config/users" 2>/dev/null; then
      # the file realm: the user exists before the node starts (no bootstrap password needed)
      log es "adding file-realm user '$ES_USER' (role superuser)"
      if ! as_es_user "$ES_HOME/bin/elasticsearch-users" useradd "$ES_USER" \
          -p "$(<"$SECRETS/es-$ES_USER.password")" -r superuser >"$ESDIR/logs/users.log" 2>&1; then
        err es "elasticsearch-users failed:"; cat "$ESDIR/logs/users.log" >&2; return 1
      fi
    fi
    rm -f "$ES_PIDFILE"
    log es "starting Elasticsearch $ES_VERSION on $(es_scheme)://127.0.0.1:$ES_PORT$([[ $(id -u) == 0 ]] && echo " as user $STACK_USER")"
    # -d: the launcher returns once the node has started (or failed); the node writes the pid file
    if ! (cd "$ESDIR/logs" && as_es_user setsid -w "$ES_HOME/bin/elasticsearch" -d -p "$ES_PIDFILE") \
        </dev/null >"$ESDIR/logs/launcher.log" 2>&1 9>&-; then
      err es "Elasticsearch failed to start"; tail_logs es >&2
      return 1
    fi
    pid=$(tr -dc '0-9' <"$ES_PIDFILE" 2>/dev/null)
    if [[ -z $pid ]]; then err es "no pid file after start"; tail_logs es >&2; return 1; fi
    log es "node started as pid $pid, waiting for cluster health"
  fi
  await_healthy es "$pid" "$ES_PIDFILE" "the node process" 0.5 es_healthy "$ES_PORT" || return 1
  log es "healthy ($(es_health "$ES_PORT")) in $(secs_since "$t0")"
}

# ---------------------------------------------------------------- --secure: TLS material
# Once per stack folder: a CA, one node certificate for 127.0.0.1/localhost (Elasticsearch HTTP and
# transport, the Kafka SASL_SSL listener), PKCS12 stores for Kafka and random passwords; then
# secure.env, which tells a client where each piece is (paths only, no secret values).
gen_secrets() {
  [[ -f $SECRETS/.complete ]] || gen_secrets_now || return 1
  write_secure_env
}
gen_secrets_now() {
  command -v openssl >/dev/null || { err stack "openssl is required for --secure (apt-get install openssl)"; return 1; }
  local keytool=$JAVA_HOME_RESOLVED/bin/keytool
  [[ -x $keytool ]] || { err stack "no keytool at $keytool (a JDK is required)"; return 1; }
  rm -rf "$SECRETS"; mkdir -p "$SECRETS"; chmod 700 "$SECRETS"
  (
    set -e
    cd "$SECRETS"
    umask 077
    pw() { head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }
    pw >truststore.password; pw >"es-$ES_USER.password"; pw >"kafka-$KAFKA_USER.password"; pw >kafka-admin.password
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=abc-stack test CA" \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout node.key -out node.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >node.ext
    openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile node.ext -out node.pem 2>/dev/null
    openssl pkcs12 -export -in node.pem -inkey node.key -certfile ca.pem -name kafka \
      -passout "file:truststore.password" -out kafka.keystore.p12
    "$keytool" -importcert -noprompt -alias abc-stack-ca -file ca.pem -storetype PKCS12 \
      -keystore truststore.p12 -storepass:file truststore.password >/dev/null 2>&1
    # the value of sasl.jaas.config, for kafka.secret-file.sasl.jaas.config
    printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' \
      "$KAFKA_USER" "$(<"kafka-$KAFKA_USER.password")" >"kafka-$KAFKA_USER.jaas"
    rm -f node.csr node.ext ca.srl
    chmod 644 ca.pem truststore.p12
  ) || { err stack "generating certificates in $SECRETS failed"; return 1; }
  touch "$SECRETS/.complete"
  log stack "generated a CA, a node certificate and passwords in $SECRETS"
}
write_secure_env() {
  cat >"$SECURE_ENV" <<EOF
ABC_SECURE_CA_PEM=$SECRETS/ca.pem
ABC_SECURE_TRUSTSTORE=$SECRETS/truststore.p12
ABC_SECURE_TRUSTSTORE_PASSWORD_FILE=$SECRETS/truststore.password
ABC_SECURE_ES_URL=https://127.0.0.1:$ES_PORT
ABC_SECURE_ES_USER=$ES_USER
ABC_SECURE_ES_PASSWORD_FILE=$SECRETS/es-$ES_USER.password
ABC_SECURE_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
ABC_SECURE_KAFKA_USER=$KAFKA_USER
ABC_SECURE_KAFKA_PASSWORD_FILE=$SECRETS/kafka-$KAFKA_USER.password
ABC_SECURE_KAFKA_JAAS_FILE=$SECRETS/kafka-$KAFKA_USER.jaas
EOF
}

# ---------------------------------------------------------------- commands
cmd_up() { with_lock "$STACK_DIR/.lock" cmd_up_locked; }
cmd_up_locked() {
  local t0; t0=$(now_ms)
  JAVA_HOME_RESOLVED=$(resolve_java_home) || exit 1
  JAVA=$JAVA_HOME_RESOLVED/bin/java

  # a service that is already running keeps the ports it was started with
  local kpid epid R_KAFKA_PORT="" R_KAFKA_CONTROLLER_PORT="" R_ES_PORT="" R_ES_TRANSPORT_PORT="" v r bad=0
  kpid=$(svc_pid kafka); epid=$(svc_pid es)
  load_recorded_ports
  for v in ${kpid:+KAFKA_PORT KAFKA_CONTROLLER_PORT} ${epid:+ES_PORT ES_TRANSPORT_PORT}; do
    r="R_$v"
    if [[ -n ${!r} && ${!r} != "${!v}" ]]; then
      say "stack.sh: $STACK_DIR is running with ABC_$v=${!r}, not ${!v}; run 'dev/stack.sh down' first" >&2
      bad=1
    fi
  done
  # check every port a start would need before starting anything
  [[ -z $kpid ]] && { check_ports_free kafka "$KAFKA_PORT" ABC_KAFKA_PORT \
                        "$KAFKA_CONTROLLER_PORT" ABC_KAFKA_CONTROLLER_PORT || bad=1; }
  [[ -z $epid ]] && { check_ports_free es "$ES_PORT" ABC_ES_PORT "$ES_TRANSPORT_PORT" ABC_ES_TRANSPORT_PORT || bad=1; }
  ((bad)) && { say "stack.sh up: nothing started" >&2; return 1; }
  write_stack_env
  if ((SECURE)); then gen_secrets || { say "stack.sh up: cannot generate the TLS material" >&2; return 1; }; fi

  say "stack.sh up: $STACK_DIR"
  up_kafka & local jk=$!
  up_es & local je=$!
  local rk=0 re=0
  wait $jk || rk=$?
  wait $je || re=$?
  kpid=$(svc_pid kafka 2>/dev/null); epid=$(svc_pid es 2>/dev/null)
  say "kafka  bootstrap 127.0.0.1:$KAFKA_PORT  pid ${kpid:--}  $( ((rk)) && echo FAILED || echo ok)"
  say "es     $(es_scheme)://127.0.0.1:$ES_PORT  pid ${epid:--}  $( ((re)) && echo FAILED || echo ok)"
  if ((SECURE && rk == 0 && re == 0)); then say "client settings (paths only) in $SECURE_ENV:"; sed 's/^/  /' "$SECURE_ENV"; fi
  say "up took $(secs_since "$t0")"
  ((rk == 0 && re == 0))
}

stop_one() { # svc grace_seconds
  local svc=$1 grace=$2 pidfile pred pids pid
  if [[ $svc == kafka ]]; then pidfile=$KAFKA_PIDFILE pred=kafka_is_ours; else pidfile=$ES_PIDFILE pred=es_is_ours; fi
  pid=$(svc_pid "$svc")
  # plus anything else of this stack (lost pid file, an interrupted 'up', a left-over ES launcher)
  pids=$( { echo "$pid"; find_pids "$pred"; [[ $svc == es ]] && find_pids es_cli_is_ours; } | grep . | sort -u)
  if [[ -z $pids ]]; then log "$svc" "not running"; rm -f "$pidfile"; return 0; fi
  local t0; t0=$(now_ms)
  kill -TERM $pids 2>/dev/null
  local deadline=$(( $(date +%s) + grace )) left
  while :; do
    left=""; for pid in $pids; do alive "$pid" && left+="$pid "; done
    [[ -z $left ]] && break
    if (( $(date +%s) >= deadline )); then
      log "$svc" "still running after ${grace}s, sending SIGKILL to $left"
      kill -KILL $left 2>/dev/null; sleep 0.5
      left=""; for pid in $pids; do alive "$pid" && left+="$pid "; done
      [[ -n $left ]] && { err "$svc" "could not stop $left"; return 1; }
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  log "$svc" "stopped (pid $(echo $pids | tr ' ' ',')) in $(secs_since "$t0")"
}

cmd_down() { with_lock "$STACK_DIR/.lock" cmd_down_locked; }
cmd_down_locked() {
  [[ -d $STACK_DIR ]] || { say "stack.sh: nothing in $STACK_DIR"; return 0; }
  stop_one kafka 30 & local jk=$!
  stop_one es 30 & local je=$!
  local rc=0
  wait $jk || rc=1
  wait $je || rc=1
  return $rc
}

cmd_status() {
  local R_KAFKA_PORT="" R_KAFKA_CONTROLLER_PORT="" R_ES_PORT="" R_ES_TRANSPORT_PORT=""
  local kpid epid kport eport ok=0 h
  kpid=$(svc_pid kafka); epid=$(svc_pid es)
  [[ -n $kpid$epid ]] && load_recorded_ports
  kport=${R_KAFKA_PORT:-$KAFKA_PORT}; eport=${R_ES_PORT:-$ES_PORT}
  say "stack: $STACK_DIR"
  if [[ -z $kpid ]]; then
    say "kafka  STOPPED   bootstrap 127.0.0.1:$kport"; ok=1
  elif kafka_healthy "$kport"; then
    say "kafka  HEALTHY   bootstrap 127.0.0.1:$kport  pid $kpid  rss $(rss "$kpid")"
  else
    say "kafka  UNHEALTHY bootstrap 127.0.0.1:$kport  pid $kpid (broker does not answer)"; ok=1
  fi
  if [[ -z $epid ]]; then
    say "es     STOPPED   $(es_scheme)://127.0.0.1:$eport"; ok=1
  else
    h=$(es_health "$eport")
    if [[ $h == green || $h == yellow ]]; then
      say "es     HEALTHY   $(es_scheme)://127.0.0.1:$eport  pid $epid  rss $(rss "$epid")  cluster $h"
    else
      say "es     UNHEALTHY $(es_scheme)://127.0.0.1:$eport  pid $epid (cluster health: ${h:-no answer})"; ok=1
    fi
  fi
  return $ok
}

rss() { awk '/^VmRSS/ {printf "%dMB", $2/1024}' "/proc/$1/status" 2>/dev/null; }

cmd_logs() {
  local svcs=() follow=0 n=100
  while (($#)); do
    case $1 in
      kafka|es) svcs+=("$1") ;;
      -f|--follow) follow=1 ;;
      -n) n=${2:?}; shift ;;
      *) die "logs: unknown argument '$1' (expected kafka, es, -f, -n N)" ;;
    esac
    shift
  done
  ((${#svcs[@]})) || svcs=(kafka es)
  if ((follow)); then
    local files=() s f
    for s in "${svcs[@]}"; do for f in $(log_files "$s"); do [[ -e $f ]] && files+=("$f"); done; done
    ((${#files[@]})) || die "no log files yet in $STACK_DIR"
    exec tail -n "$n" -F "${files[@]}"
  fi
  local s; for s in "${svcs[@]}"; do tail_logs "$s" "$n"; done
}

cmd_clean() {
  cmd_down || return 1
  with_lock "$STACK_DIR/.lock" rm -rf "$KDIR" "$ESDIR" "$STACK_ENV" "$SECRETS" "$SECURE_ENV"
  say "stack.sh: removed data and logs in $STACK_DIR (download cache $CACHE_DIR kept)"
}

case ${1:-help} in
  up)      cmd_up ;;
  down)    cmd_down ;;
  restart) cmd_down && cmd_up ;;
  status)  cmd_status ;;
  logs)    shift; cmd_logs "$@" ;;
  clean)   cmd_clean ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
