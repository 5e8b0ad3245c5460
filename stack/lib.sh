# shellcheck shell=bash
# shellcheck disable=SC2034  # constants are used by the scripts that source this file
# Shared constants and helpers for the KubeStack-AI local stack scripts.
# Sourced by install.sh, start.sh, stop.sh, status.sh and env.sh.

KSA_STACK_DIR="${KSA_STACK_DIR:-/tmp/kubestack-stack}"
KSA_STACK_CACHE="${KSA_STACK_CACHE:-$HOME/.cache/kubestack-stack}"
KSA_STACK_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KSA_TEMPLATES="$KSA_STACK_SRC/templates"
KSA_RUN="$KSA_STACK_DIR/run"

# --- versions (Maven Central artifacts) -------------------------------------
ES_VERSION="8.19.21"
KAFKA_VERSION="4.4.0"
KAFKA_SCALA="2.13"
JMX_EXPORTER_VERSION="1.0.1"
LOG4J_VERSION="2.26.1"

ES_HOME_CACHE="$KSA_STACK_CACHE/elasticsearch-$ES_VERSION"
KAFKA_LIBS="$KSA_STACK_CACHE/kafka-$KAFKA_VERSION/libs"
JMX_AGENT_JAR="$KSA_STACK_CACHE/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar"

# --- runtime ----------------------------------------------------------------
KSA_STACK_HOST="127.0.0.1"
KSA_USER="kubestack"          # OS user for Elasticsearch (refuses to run as root)
KSA_JAVA_HOME="${KSA_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
KAFKA_CLUSTER_ID="a3N0YWNrLWFpLWxvY2FsMQ"   # base64url of 16 bytes "kstack-ai-local1"

PROMETHEUS_PORT=19090
NODE_EXPORTER_PORT=19100
REDIS_PORT=16379
REDIS_EXPORTER_PORT=19121
POSTGRES_PORT=15432
POSTGRES_EXPORTER_PORT=19187
MYSQL_PORT=13306
MYSQLD_EXPORTER_PORT=19104
RABBITMQ_AMQP_PORT=25672
RABBITMQ_MGMT_PORT=25673
RABBITMQ_PROM_PORT=25692
RABBITMQ_EPMD_PORT=24369
RABBITMQ_DIST_PORT_NUM=25675
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
KAFKA_JMX_EXPORTER_PORT=19404
ES_HTTP_PORT=19200
ES_TRANSPORT_PORT=19300
ES_EXPORTER_PORT=19114

KSA_LOGS_INDEX_PREFIX="kubestack-logs"

# service -> main port ("-" when it listens on nothing)
declare -A KSA_PORT=(
  [prometheus]=$PROMETHEUS_PORT
  [node-exporter]=$NODE_EXPORTER_PORT
  [redis]=$REDIS_PORT
  [redis-exporter]=$REDIS_EXPORTER_PORT
  [postgresql]=$POSTGRES_PORT
  [postgres-exporter]=$POSTGRES_EXPORTER_PORT
  [mariadb]=$MYSQL_PORT
  [mysqld-exporter]=$MYSQLD_EXPORTER_PORT
  [epmd]=$RABBITMQ_EPMD_PORT
  [rabbitmq]=$RABBITMQ_AMQP_PORT
  [kafka]=$KAFKA_PORT
  [elasticsearch]=$ES_HTTP_PORT
  [elasticsearch-exporter]=$ES_EXPORTER_PORT
  [rsyslog]=-
)
# extra ports, for display only
declare -A KSA_PORT_EXTRA=(
  [rabbitmq]="mgmt $RABBITMQ_MGMT_PORT, prom $RABBITMQ_PROM_PORT, dist $RABBITMQ_DIST_PORT_NUM"
  [kafka]="controller $KAFKA_CONTROLLER_PORT, jmx-exporter $KAFKA_JMX_EXPORTER_PORT"
  [elasticsearch]="transport $ES_TRANSPORT_PORT"
)
# what /proc/PID/cmdline must contain for a pid file to be trusted
declare -A KSA_CMD_MATCH=(
  [prometheus]="prometheus"
  [node-exporter]="node-exporter"
  [redis]="redis-server"
  [redis-exporter]="redis-exporter"
  [postgresql]="postgres"
  [postgres-exporter]="postgres-exporter"
  [mariadb]="mariadbd"
  [mysqld-exporter]="mysqld-exporter"
  [epmd]="epmd"
  [rabbitmq]="beam"
  [kafka]="kafka.Kafka"
  [elasticsearch]="org.elasticsearch"
  [elasticsearch-exporter]="elasticsearch-exporter"
  [rsyslog]="rsyslogd"
)
# start order; stop.sh uses the reverse
KSA_SERVICES=(redis postgresql mariadb epmd rabbitmq elasticsearch kafka
  node-exporter redis-exporter postgres-exporter mysqld-exporter elasticsearch-exporter
  prometheus rsyslog)

# --- helpers ----------------------------------------------------------------
ksa_log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ksa_die() { ksa_log "ERROR: $*"; exit 1; }

# Pid file of a service. PostgreSQL and Elasticsearch write their own.
ksa_pidfile() {
  case "$1" in
    postgresql) echo "$KSA_STACK_DIR/postgresql/data/postmaster.pid" ;;
    elasticsearch) echo "$KSA_STACK_DIR/elasticsearch/run/elasticsearch.pid" ;;
    *) echo "$KSA_RUN/$1.pid" ;;
  esac
}

# Pid recorded for a service, if its pid file exists and holds a number.
ksa_pid() {
  local f pid
  f="$(ksa_pidfile "$1")"
  [[ -r "$f" ]] || return 1
  pid="$(head -n1 "$f" 2>/dev/null | tr -dc '0-9')"
  [[ -n "$pid" ]] || return 1
  echo "$pid"
}

# True when the service's pid file points at a live process of that service.
ksa_running() {
  local pid state
  pid="$(ksa_pid "$1")" || return 1
  [[ -d "/proc/$pid" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "${KSA_CMD_MATCH[$1]}"
}

# True when something listens on 127.0.0.1:PORT. Uses the socket table, not a
# connection, so that checks leave no "aborted connection" lines in the services' logs.
ksa_port_open() {
  ss -Hltn "src $KSA_STACK_HOST:$1" 2>/dev/null | grep -q .
}

# ksa_http_ok URL: HTTP 2xx within 3 s.
ksa_http_ok() {
  curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
}

# Run a command as another OS user without an extra parent process.
ksa_as() {
  local user="$1"; shift
  setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

# Render a template: replace @@NAME@@ by the value of shell variable NAME.
ksa_render() {
  local src="$1" dst="$2" tmp name
  tmp="$(mktemp "$dst.XXXXXX")"
  cp "$src" "$tmp"
  for name in $(grep -o '@@[A-Z0-9_]*@@' "$src" | sort -u | tr -d '@'); do
    [[ -n "${!name+x}" ]] || ksa_die "template $src uses unset variable $name"
    local val="${!name}"
    val="${val//\\/\\\\}"; val="${val//|/\\|}"; val="${val//&/\\&}"
    sed -i "s|@@${name}@@|${val}|g" "$tmp"
  done
  mv "$tmp" "$dst"
}

# Environment exported to callers (stack.env / env.sh).
ksa_env_lines() {
  cat <<ENV
export KSA_STACK_DIR=$KSA_STACK_DIR
export PROMETHEUS_URL=http://$KSA_STACK_HOST:$PROMETHEUS_PORT
export ELASTICSEARCH_URL=http://$KSA_STACK_HOST:$ES_HTTP_PORT
export REDIS_URL=redis://$KSA_STACK_HOST:$REDIS_PORT
export POSTGRES_URL=postgres://kubestack:kubestack@$KSA_STACK_HOST:$POSTGRES_PORT/kubestack
export MYSQL_URL=mysql://kubestack:kubestack@$KSA_STACK_HOST:$MYSQL_PORT/kubestack
export RABBITMQ_URL=amqp://kubestack:kubestack@$KSA_STACK_HOST:$RABBITMQ_AMQP_PORT/
export RABBITMQ_MANAGEMENT_URL=http://kubestack:kubestack@$KSA_STACK_HOST:$RABBITMQ_MGMT_PORT
export RABBITMQ_PROMETHEUS_URL=http://$KSA_STACK_HOST:$RABBITMQ_PROM_PORT
export KAFKA_BROKERS=$KSA_STACK_HOST:$KAFKA_PORT
export KAFKA_JMX_EXPORTER_URL=http://$KSA_STACK_HOST:$KAFKA_JMX_EXPORTER_PORT
export LOGS_INDEX_PATTERN=$KSA_LOGS_INDEX_PREFIX-*
# The analyzer's settings for this stack (see the README's configuration reference).
export KSA_PROMETHEUS_URL=http://$KSA_STACK_HOST:$PROMETHEUS_PORT
export KSA_ELASTICSEARCH_URL=http://$KSA_STACK_HOST:$ES_HTTP_PORT
export KSA_ELASTICSEARCH_INDEX=$KSA_LOGS_INDEX_PREFIX-*
export KSA_CONNECTOR_REDIS_URL='redis://{address}'
export KSA_CONNECTOR_POSTGRESQL_URL='postgres://kubestack:kubestack@{address}/kubestack'
export KSA_CONNECTOR_MYSQL_URL='mysql://kubestack:kubestack@{address}/kubestack'
export KSA_CONNECTOR_RABBITMQ_URL='http://kubestack:kubestack@{host}:$RABBITMQ_MGMT_PORT'
export KSA_CONNECTOR_KAFKA_URL='kafka://{address}'
export KSA_CONNECTOR_ELASTICSEARCH_URL='http://{address}'
ENV
}
