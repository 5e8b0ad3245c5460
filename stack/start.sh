#!/usr/bin/env bash
# Start the real local stack on 127.0.0.1 (fixed ports). Idempotent: a service already
# running from our pid file is left alone. Everything lives under $KSA_STACK_DIR.
# Waits until each service is really ready, then prints a table and writes stack.env.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ "$(id -u)" == 0 ]] || ksa_die "start.sh must run as root (it drops to postgres/mysql/$KSA_USER where needed)"
umask 022
T0=$SECONDS

REDIS_DIR="$KSA_STACK_DIR/redis"
PG_DIR="$KSA_STACK_DIR/postgresql"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/run"
MARIADB_DIR="$KSA_STACK_DIR/mariadb"
RABBITMQ_DIR="$KSA_STACK_DIR/rabbitmq"
KAFKA_DIR="$KSA_STACK_DIR/kafka"
ES_DIR="$KSA_STACK_DIR/elasticsearch"
PROM_DIR="$KSA_STACK_DIR/prometheus"
EXPORTERS_DIR="$KSA_STACK_DIR/exporters"
RSYSLOG_DIR="$KSA_STACK_DIR/rsyslog"

# Bounded readiness waits (seconds)
WAIT_FAST=30
WAIT_JVM=150

declare -A LAUNCH_PID=()   # pid to watch while waiting (the launched process)
declare -A LOGFILE=()      # log to show when a service fails to come up
STARTED=()

preflight() {
  local b
  for b in redis-server "$PG_BIN/postgres" mariadbd mariadb-install-db epmd rsyslogd prometheus \
      prometheus-node-exporter prometheus-redis-exporter prometheus-postgres-exporter \
      prometheus-mysqld-exporter prometheus-elasticsearch-exporter curl jq setpriv; do
    command -v "$b" >/dev/null || ksa_die "missing $b: run stack/install.sh first"
  done
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || ksa_die "missing rabbitmq-server: run stack/install.sh first"
  [[ -x "$ES_HOME_CACHE/bin/elasticsearch" && -d "$KAFKA_LIBS" && -f "$JMX_AGENT_JAR" ]] \
    || ksa_die "Maven artifacts missing in $KSA_STACK_CACHE: run stack/install.sh first"
  [[ -x "$KSA_JAVA_HOME/bin/java" ]] || ksa_die "no JDK at $KSA_JAVA_HOME"
  id -u "$KSA_USER" >/dev/null 2>&1 || ksa_die "OS user $KSA_USER missing: run stack/install.sh first"
  mkdir -p "$KSA_RUN"
}

# spawn NAME LOG CMD...: start CMD detached (own session), stdout/stderr to LOG.
# Records the launched pid in LAUNCH_PID and, unless the service writes its own, in its pid file.
spawn() {
  local name="$1" log="$2"; shift 2
  mkdir -p "$(dirname "$log")"
  setsid "$@" >>"$log" 2>&1 </dev/null &
  LAUNCH_PID[$name]=$!
  case "$name" in
    postgresql|elasticsearch|rabbitmq|rsyslog) ;;   # they write their own pid file
    *) echo "$!" >"$(ksa_pidfile "$name")" ;;
  esac
  STARTED+=("$name")
  ksa_log "started $name (pid $!)"
}

# already NAME: true (and notes it) when the service is running from our pid file
already() {
  if ksa_running "$1"; then
    LAUNCH_PID[$1]="$(ksa_pid "$1")"
    return 0
  fi
  return 1
}

fail_service() {
  local name="$1" why="$2" f
  ksa_log "ERROR: $name $why"
  for f in ${LOGFILE[$name]:-}; do
    [[ -f "$f" ]] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 25 "$f" >&2
  done
  ksa_die "$name did not become ready; other services were left as they are (stack/stop.sh stops them)"
}

# wait_ready NAME TIMEOUT CHECK...: poll CHECK until it succeeds.
wait_ready() {
  local name="$1" timeout="$2"; shift 2
  local start=$SECONDS pid="${LAUNCH_PID[$name]:-}"
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      fail_service "$name" "exited during start-up (pid $pid)"
    fi
    if ((SECONDS - start >= timeout)); then
      fail_service "$name" "not ready after ${timeout}s (check: $*)"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- Redis
start_redis() {
  LOGFILE[redis]="$REDIS_DIR/log/redis.log $REDIS_DIR/log/stdout.log"
  already redis && return 0
  mkdir -p "$REDIS_DIR/data" "$REDIS_DIR/log"
  ksa_render "$KSA_TEMPLATES/redis.conf" "$REDIS_DIR/redis.conf"
  spawn redis "$REDIS_DIR/log/stdout.log" redis-server "$REDIS_DIR/redis.conf"
}
redis_ready() { [[ "$(redis-cli -h "$KSA_STACK_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

# ---------------------------------------------------------------- PostgreSQL
start_postgresql() {
  LOGFILE[postgresql]="$PG_DATA/log/postgresql.log $PG_DIR/startup.log"
  already postgresql && return 0
  mkdir -p "$PG_DIR" "$PG_SOCKET_DIR"
  chown postgres:postgres "$PG_DIR" "$PG_SOCKET_DIR"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    ksa_log "postgresql: initdb $PG_DATA"
    rm -rf "$PG_DATA"
    ksa_as postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 -N >"$PG_DIR/initdb.log" 2>&1 \
      || { tail -n 20 "$PG_DIR/initdb.log" >&2; ksa_die "postgresql initdb failed"; }
    echo "include_if_exists = 'kubestack.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  ksa_render "$KSA_TEMPLATES/postgresql.conf" "$PG_DATA/kubestack.conf"
  chown postgres:postgres "$PG_DATA/kubestack.conf"
  : >"$PG_DIR/startup.log"; chown postgres:postgres "$PG_DIR/startup.log"
  spawn postgresql "$PG_DIR/startup.log" setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "$PG_BIN/postgres" -D "$PG_DATA"
}
postgresql_ready() { "$PG_BIN/pg_isready" -q -h "$KSA_STACK_HOST" -p "$POSTGRES_PORT"; }
postgresql_setup() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$POSTGRES_PORT" -U postgres)
  "${psql[@]}" -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kubestack') THEN
    CREATE ROLE kubestack LOGIN SUPERUSER PASSWORD 'kubestack';
  END IF;
END $$;
SELECT 'CREATE DATABASE kubestack OWNER kubestack'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kubestack') \gexec
SQL
  "${psql[@]}" -d kubestack -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
}

# ---------------------------------------------------------------- MariaDB
start_mariadb() {
  LOGFILE[mariadb]="$MARIADB_DIR/log/error.log $MARIADB_DIR/log/stdout.log"
  already mariadb && return 0
  mkdir -p "$MARIADB_DIR/data" "$MARIADB_DIR/run" "$MARIADB_DIR/log"
  ksa_render "$KSA_TEMPLATES/my.cnf" "$MARIADB_DIR/my.cnf"
  chown -R mysql:mysql "$MARIADB_DIR/data" "$MARIADB_DIR/run" "$MARIADB_DIR/log"
  if [[ ! -d "$MARIADB_DIR/data/mysql" ]]; then
    ksa_log "mariadb: installing system tables in $MARIADB_DIR/data"
    mariadb-install-db --defaults-file="$MARIADB_DIR/my.cnf" --auth-root-authentication-method=socket \
      --skip-test-db >"$MARIADB_DIR/install-db.log" 2>&1 \
      || { tail -n 20 "$MARIADB_DIR/install-db.log" >&2; ksa_die "mariadb-install-db failed"; }
  fi
  spawn mariadb "$MARIADB_DIR/log/stdout.log" mariadbd --defaults-file="$MARIADB_DIR/my.cnf"
}
mariadb_ready() { mariadb-admin --defaults-file="$MARIADB_DIR/my.cnf" -uroot ping; }
mariadb_setup() {
  mariadb --defaults-file="$MARIADB_DIR/my.cnf" -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'kubestack'@'127.0.0.1' IDENTIFIED BY 'kubestack';
CREATE USER IF NOT EXISTS 'kubestack'@'localhost' IDENTIFIED BY 'kubestack';
GRANT ALL PRIVILEGES ON *.* TO 'kubestack'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'kubestack'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS kubestack;
SQL
}

# ---------------------------------------------------------------- RabbitMQ (+ its own epmd)
rabbitmq_env() {   # environment for rabbitmq-server (and rabbitmqctl, should you need it)
  RABBITMQ_ENV=(
    HOME="$RABBITMQ_DIR/home"
    RABBITMQ_NODENAME="kubestack@localhost"
    RABBITMQ_NODE_IP_ADDRESS="$KSA_STACK_HOST"
    RABBITMQ_NODE_PORT="$RABBITMQ_AMQP_PORT"
    RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT_NUM"
    ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT"
    ERL_EPMD_ADDRESS="$KSA_STACK_HOST"
    ERL_CRASH_DUMP="$RABBITMQ_DIR/log/erl_crash.dump"
    RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/etc/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/etc/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$RABBITMQ_DIR/etc/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/etc/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia"
    RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log"
    RABBITMQ_LOGS="$RABBITMQ_DIR/log/rabbit.log"
    RABBITMQ_PID_FILE="$KSA_RUN/rabbitmq.pid"
    # keep idle schedulers from spinning on a small shared machine
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
  )
}
start_epmd() {
  LOGFILE[epmd]="$RABBITMQ_DIR/log/epmd.log"
  already epmd && return 0
  mkdir -p "$RABBITMQ_DIR/log"
  spawn epmd "$RABBITMQ_DIR/log/epmd.log" epmd -port "$RABBITMQ_EPMD_PORT" -address "$KSA_STACK_HOST"
}
start_rabbitmq() {
  LOGFILE[rabbitmq]="$RABBITMQ_DIR/log/rabbit.log $RABBITMQ_DIR/log/stdout.log"
  already rabbitmq && return 0
  mkdir -p "$RABBITMQ_DIR"/{etc,home,mnesia,log}
  chmod 700 "$RABBITMQ_DIR/home"
  ksa_render "$KSA_TEMPLATES/rabbitmq.conf" "$RABBITMQ_DIR/etc/rabbitmq.conf"
  cp "$KSA_TEMPLATES/rabbitmq-enabled-plugins" "$RABBITMQ_DIR/etc/enabled_plugins"
  : >"$RABBITMQ_DIR/etc/rabbitmq-env.conf"
  rm -f "$KSA_RUN/rabbitmq.pid"
  rabbitmq_env
  spawn rabbitmq "$RABBITMQ_DIR/log/stdout.log" env "${RABBITMQ_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
}
rabbitmq_ready() {
  curl -fsS -o /dev/null --max-time 3 -u kubestack:kubestack \
    "http://$KSA_STACK_HOST:$RABBITMQ_MGMT_PORT/api/overview" \
    && ksa_http_ok "http://$KSA_STACK_HOST:$RABBITMQ_PROM_PORT/metrics" \
    && ksa_port_open "$RABBITMQ_AMQP_PORT"
}

# ---------------------------------------------------------------- Kafka (KRaft)
kafka_java() {
  "$KSA_JAVA_HOME/bin/java" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" -cp "$KAFKA_LIBS/*" "$@"
}
start_kafka() {
  LOGFILE[kafka]="$KAFKA_DIR/logs/server.log $KAFKA_DIR/logs/stdout.log"
  already kafka && return 0
  mkdir -p "$KAFKA_DIR"/{config,data,logs}
  ksa_render "$KSA_TEMPLATES/kafka-server.properties" "$KAFKA_DIR/config/server.properties"
  ksa_render "$KSA_TEMPLATES/kafka-log4j2.properties" "$KAFKA_DIR/config/log4j2.properties"
  cp "$KSA_TEMPLATES/kafka-jmx-exporter.yml" "$KAFKA_DIR/config/jmx-exporter.yml"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    ksa_log "kafka: formatting KRaft storage (cluster id $KAFKA_CLUSTER_ID)"
    kafka_java -Xmx256m -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_DIR/config/server.properties" >"$KAFKA_DIR/logs/format.log" 2>&1 \
      || { tail -n 20 "$KAFKA_DIR/logs/format.log" >&2; ksa_die "kafka storage format failed"; }
  fi
  spawn kafka "$KAFKA_DIR/logs/stdout.log" "$KSA_JAVA_HOME/bin/java" \
    -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    -javaagent:"$JMX_AGENT_JAR=$KSA_STACK_HOST:$KAFKA_JMX_EXPORTER_PORT:$KAFKA_DIR/config/jmx-exporter.yml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/config/server.properties"
}
kafka_ready() {
  ksa_port_open "$KAFKA_PORT" || return 1
  # broker state 3 = RUNNING, as seen through the JMX exporter
  curl -fsS --max-time 5 "http://$KSA_STACK_HOST:$KAFKA_JMX_EXPORTER_PORT/metrics" \
    | grep -Eq '^kafka_server_kafkaserver_brokerstate(\{[^}]*\})? 3(\.0)?$'
}

# ---------------------------------------------------------------- Elasticsearch
start_elasticsearch() {
  LOGFILE[elasticsearch]="$ES_DIR/logs/kubestack.log $ES_DIR/logs/stdout.log"
  already elasticsearch && return 0
  if [[ ! -f "$ES_DIR/home/lib/elasticsearch-$ES_VERSION.jar" ]]; then   # missing, or another version
    rm -rf "${ES_DIR:?}/home" "${ES_DIR:?}/home.tmp"; mkdir -p "$ES_DIR"
    # hard links when the cache is on the same file system (fast), a copy otherwise;
    # the cache under /root is not reachable by the unprivileged user
    cp -al "$ES_HOME_CACHE" "$ES_DIR/home.tmp" 2>/dev/null || { rm -rf "$ES_DIR/home.tmp"; cp -a "$ES_HOME_CACHE" "$ES_DIR/home.tmp"; }
    mv "$ES_DIR/home.tmp" "$ES_DIR/home"
  fi
  mkdir -p "$ES_DIR"/{config,data,logs,run,tmp}
  if [[ ! -f "$ES_DIR/config/jvm.options" ]]; then
    cp -r "$ES_DIR/home/config/." "$ES_DIR/config/"
  fi
  mkdir -p "$ES_DIR/config/jvm.options.d"
  printf '%s\n' -Xms512m -Xmx512m >"$ES_DIR/config/jvm.options.d/heap.options"
  ksa_render "$KSA_TEMPLATES/elasticsearch.yml" "$ES_DIR/config/elasticsearch.yml"
  chown -R "$KSA_USER:$KSA_USER" "$ES_DIR"/{config,data,logs,run,tmp}
  rm -f "$ES_DIR/run/elasticsearch.pid"
  : >>"$ES_DIR/logs/stdout.log"; chown "$KSA_USER:$KSA_USER" "$ES_DIR/logs/stdout.log"
  spawn elasticsearch "$ES_DIR/logs/stdout.log" \
    setpriv --reuid="$KSA_USER" --regid="$KSA_USER" --init-groups -- \
    env HOME="$ES_DIR" ES_JAVA_HOME="$KSA_JAVA_HOME" ES_PATH_CONF="$ES_DIR/config" ES_TMPDIR="$ES_DIR/tmp" \
    "$ES_DIR/home/bin/elasticsearch" -p "$ES_DIR/run/elasticsearch.pid"
}
es_ready() { ksa_http_ok "http://$KSA_STACK_HOST:$ES_HTTP_PORT/_cluster/health?wait_for_status=yellow&timeout=2s"; }
es_put_logs_template() {
  local tpl="$KSA_STACK_DIR/es-logs-template.json"
  ksa_render "$KSA_TEMPLATES/es-logs-template.json" "$tpl"
  curl -fsS --max-time 10 -X PUT "http://$KSA_STACK_HOST:$ES_HTTP_PORT/_index_template/$KSA_LOGS_INDEX_PREFIX" \
    -H 'content-type: application/json' --data-binary @"$tpl" >/dev/null \
    || ksa_die "could not PUT the $KSA_LOGS_INDEX_PREFIX index template into Elasticsearch"
}

# ---------------------------------------------------------------- exporters
start_exporter() {   # NAME CMD...
  local name="$1"; shift
  LOGFILE[$name]="$EXPORTERS_DIR/$name.log"
  already "$name" && return 0
  mkdir -p "$EXPORTERS_DIR"
  spawn "$name" "$EXPORTERS_DIR/$name.log" "$@"
}
exporter_ready() { ksa_http_ok "http://$KSA_STACK_HOST:$1/metrics"; }

start_node_exporter() {
  start_exporter node-exporter \
    prometheus-node-exporter --web.listen-address="$KSA_STACK_HOST:$NODE_EXPORTER_PORT"
}
start_redis_exporter() {
  start_exporter redis-exporter \
    prometheus-redis-exporter -redis.addr="redis://$KSA_STACK_HOST:$REDIS_PORT" \
    -web.listen-address="$KSA_STACK_HOST:$REDIS_EXPORTER_PORT"
}
start_postgres_exporter() {
  start_exporter postgres-exporter \
    env DATA_SOURCE_NAME="postgresql://kubestack:kubestack@$KSA_STACK_HOST:$POSTGRES_PORT/kubestack?sslmode=disable" \
    prometheus-postgres-exporter --web.listen-address="$KSA_STACK_HOST:$POSTGRES_EXPORTER_PORT"
}
start_mysqld_exporter() {
  mkdir -p "$EXPORTERS_DIR"
  ksa_render "$KSA_TEMPLATES/mysqld-exporter.cnf" "$EXPORTERS_DIR/mysqld-exporter.cnf"
  chmod 600 "$EXPORTERS_DIR/mysqld-exporter.cnf"
  start_exporter mysqld-exporter \
    prometheus-mysqld-exporter --config.my-cnf="$EXPORTERS_DIR/mysqld-exporter.cnf" \
    --web.listen-address="$KSA_STACK_HOST:$MYSQLD_EXPORTER_PORT"
}
start_es_exporter() {
  start_exporter elasticsearch-exporter \
    prometheus-elasticsearch-exporter --es.uri="http://$KSA_STACK_HOST:$ES_HTTP_PORT" \
    --es.all --es.indices --es.shards --web.listen-address="$KSA_STACK_HOST:$ES_EXPORTER_PORT"
}

# ---------------------------------------------------------------- Prometheus
start_prometheus() {
  LOGFILE[prometheus]="$PROM_DIR/prometheus.log"
  mkdir -p "$PROM_DIR/data"
  local cfg="$PROM_DIR/prometheus.yml" old=""
  [[ -f "$cfg" ]] && old="$(cat "$cfg")"
  ksa_render "$KSA_TEMPLATES/prometheus.yml" "$cfg"
  if already prometheus; then
    if [[ "$old" != "$(cat "$cfg")" ]]; then
      ksa_log "prometheus: configuration changed, reloading"
      curl -fsS -X POST --max-time 5 "http://$KSA_STACK_HOST:$PROMETHEUS_PORT/-/reload" || true
    fi
    return 0
  fi
  spawn prometheus "$PROM_DIR/prometheus.log" prometheus --config.file="$cfg" \
    --storage.tsdb.path="$PROM_DIR/data" --storage.tsdb.retention.time=3d \
    --web.listen-address="$KSA_STACK_HOST:$PROMETHEUS_PORT" --web.enable-lifecycle --web.enable-admin-api
}
prometheus_targets_up() {
  local down
  down="$(curl -fsS --max-time 3 "http://$KSA_STACK_HOST:$PROMETHEUS_PORT/api/v1/targets?state=active" \
    | jq -r '[.data.activeTargets[] | select(.health != "up")] | length')" || return 1
  [[ "$down" == 0 ]]
}

# ---------------------------------------------------------------- rsyslog (log shipper)
start_rsyslog() {
  LOGFILE[rsyslog]="$RSYSLOG_DIR/rsyslog.log $RSYSLOG_DIR/es-errors.log"
  mkdir -p "$RSYSLOG_DIR/work"
  local cfg="$RSYSLOG_DIR/rsyslog.conf" old=""
  [[ -f "$cfg" ]] && old="$(cat "$cfg")"
  ksa_render "$KSA_TEMPLATES/rsyslog.conf" "$cfg"
  if already rsyslog; then
    if [[ "$old" != "$(cat "$cfg")" ]]; then
      ksa_log "rsyslog: configuration changed; run stack/stop.sh && stack/start.sh to apply"
    fi
    return 0
  fi
  rsyslogd -N1 -f "$cfg" >"$RSYSLOG_DIR/config-check.log" 2>&1 \
    || { cat "$RSYSLOG_DIR/config-check.log" >&2; ksa_die "rsyslog configuration is invalid"; }
  spawn rsyslog "$RSYSLOG_DIR/rsyslog.log" rsyslogd -n -f "$cfg" -i "$KSA_RUN/rsyslog.pid"
}
logs_shipped() {
  local n
  n="$(curl -fsS --max-time 3 "http://$KSA_STACK_HOST:$ES_HTTP_PORT/$KSA_LOGS_INDEX_PREFIX-*/_count" | jq -r '.count')" || return 1
  [[ "$n" =~ ^[0-9]+$ ]] && ((n > 0))
}

# ---------------------------------------------------------------- summary
print_table() {
  local svc pid state port extra
  printf '\n%-24s %-8s %-6s %-7s %s\n' SERVICE PID PORT STATE "OTHER PORTS"
  for svc in "${KSA_SERVICES[@]}"; do
    pid="$(ksa_pid "$svc" 2>/dev/null || echo -)"
    port="${KSA_PORT[$svc]}"
    state=down
    if ksa_running "$svc" && { [[ "$port" == "-" ]] || ksa_port_open "$port"; }; then state=up; fi
    extra="${KSA_PORT_EXTRA[$svc]:-}"
    printf '%-24s %-8s %-6s %-7s %s\n' "$svc" "$pid" "$port" "$state" "$extra"
  done
  echo
  echo "stack dir: $KSA_STACK_DIR    env: eval \"\$(bash stack/env.sh)\"  (or source $KSA_STACK_DIR/stack.env)"
}

# ================================================================= main
preflight
# launch the slow JVM/Erlang services first, then the quick ones
start_elasticsearch
start_kafka
start_epmd
wait_ready epmd "$WAIT_FAST" ksa_port_open "$RABBITMQ_EPMD_PORT"
start_rabbitmq
start_redis
start_postgresql
start_mariadb
start_node_exporter
start_prometheus

wait_ready redis "$WAIT_FAST" redis_ready
start_redis_exporter
wait_ready postgresql "$WAIT_FAST" postgresql_ready
postgresql_setup
start_postgres_exporter
wait_ready mariadb "$WAIT_FAST" mariadb_ready
mariadb_setup
start_mysqld_exporter
wait_ready rabbitmq "$WAIT_JVM" rabbitmq_ready
wait_ready elasticsearch "$WAIT_JVM" es_ready
es_put_logs_template
start_es_exporter
start_rsyslog
wait_ready kafka "$WAIT_JVM" kafka_ready

for e in node-exporter:$NODE_EXPORTER_PORT redis-exporter:$REDIS_EXPORTER_PORT \
    postgres-exporter:$POSTGRES_EXPORTER_PORT mysqld-exporter:$MYSQLD_EXPORTER_PORT \
    elasticsearch-exporter:$ES_EXPORTER_PORT; do
  wait_ready "${e%%:*}" "$WAIT_FAST" exporter_ready "${e##*:}"
done
wait_ready prometheus "$WAIT_FAST" ksa_http_ok "http://$KSA_STACK_HOST:$PROMETHEUS_PORT/-/ready"
wait_ready rsyslog "$WAIT_FAST" logs_shipped
# every scrape target healthy (first scrapes happen within one 5 s interval)
LAUNCH_PID[prometheus-targets]="$(ksa_pid prometheus)"
LOGFILE[prometheus-targets]="$PROM_DIR/prometheus.log"
wait_ready prometheus-targets "$WAIT_FAST" prometheus_targets_up

ksa_env_lines >"$KSA_STACK_DIR/stack.env.tmp" && mv "$KSA_STACK_DIR/stack.env.tmp" "$KSA_STACK_DIR/stack.env"
print_table
if ((${#STARTED[@]})); then
  ksa_log "ready in $((SECONDS - T0)) s; started: ${STARTED[*]}"
else
  ksa_log "ready in $((SECONDS - T0)) s; everything was already running"
fi
