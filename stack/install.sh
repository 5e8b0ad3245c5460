#!/usr/bin/env bash
# Install everything the local stack needs. Idempotent; a second run is fast.
#  - Debian packages (services are NOT left running on their default ports)
#  - Maven Central artifacts (Elasticsearch integ-test zip, Kafka jars, JMX exporter agent),
#    cached in $KSA_STACK_CACHE (default ~/.cache/kubestack-stack)
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ "$(id -u)" == 0 ]] || ksa_die "install.sh must run as root (apt-get, useradd)"
T0=$SECONDS

APT_PACKAGES=(
  prometheus prometheus-node-exporter prometheus-redis-exporter prometheus-postgres-exporter
  prometheus-mysqld-exporter prometheus-elasticsearch-exporter
  redis-server redis-tools postgresql postgresql-client mariadb-server mariadb-client
  rabbitmq-server rsyslog rsyslog-elasticsearch docker-compose
  curl jq unzip procps iproute2 util-linux maven openjdk-17-jre-headless
)

# Default ports the Debian packages would use, with the pid files their init scripts write.
# Anything of theirs found listening after the install is stopped through that pid file.
DEFAULT_PORT_PIDFILES=(
  "6379:/run/redis/redis-server.pid"
  "5432:/run/postgresql/15-main.pid"
  "3306:/run/mysqld/mysqld.pid"
  "5672:/var/lib/rabbitmq/mnesia/rabbit@$(hostname -s).pid"
  "9090:/run/prometheus/prometheus.pid"
  "9100:/run/prometheus/prometheus-node-exporter.pid"
  "9121:/run/prometheus/prometheus-redis-exporter.pid"
  "9187:/run/prometheus/prometheus-postgres-exporter.pid"
  "9104:/run/prometheus/prometheus-mysqld-exporter.pid"
  "9114:/run/prometheus/prometheus-elasticsearch-exporter.pid"
)

missing_packages() {
  local p status
  for p in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || echo "$p"
  done
}

OUR_POLICY=""
cleanup_policy() {
  if [[ -n "$OUR_POLICY" && -f /usr/sbin/policy-rc.d ]] && grep -q 'kubestack-stack' /usr/sbin/policy-rc.d; then
    rm -f /usr/sbin/policy-rc.d
  fi
}
trap cleanup_policy EXIT

INSTALLED_NOW=0
install_apt() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    ksa_log "apt: all ${#APT_PACKAGES[@]} packages already installed"
    return
  fi
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# kubestack-stack: keep Debian from auto-starting services during install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    OUR_POLICY=1
  fi
  ksa_log "apt: installing ${missing[*]}"
  local i
  for i in 1 2 3; do
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" \
        >"$KSA_STACK_CACHE/apt-install.log" 2>&1; then
      break
    fi
    ((i < 3)) || { tail -n 30 "$KSA_STACK_CACHE/apt-install.log" >&2; ksa_die "apt-get install failed (log: $KSA_STACK_CACHE/apt-install.log)"; }
    ksa_log "apt-get install failed, running apt-get update and retrying"
    apt-get update -q >/dev/null 2>&1 || true
  done
  cleanup_policy
  OUR_POLICY=""
  INSTALLED_NOW=1
}

# Only right after this run installed packages: a package may have started its service on a default
# port despite policy-rc.d. Services the machine already ran before are never touched.
stop_default_port_services() {
  local entry port pidfile pid
  ((INSTALLED_NOW)) || return 0
  for entry in "${DEFAULT_PORT_PIDFILES[@]}"; do
    port="${entry%%:*}"; pidfile="${entry#*:}"
    ss -Hltn "sport = :$port" | grep -q . || continue
    if [[ -r "$pidfile" ]] && pid="$(head -n1 "$pidfile" | tr -dc '0-9')" && [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      ksa_log "a package-started service listens on default port $port: stopping pid $pid ($pidfile)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then ksa_log "WARNING: pid $pid still runs after 10 s; left alone"; fi
    else
      ksa_log "WARNING: something listens on default port $port and $pidfile does not name it; left alone"
    fi
  done
}

ensure_user() {
  if ! id -u "$KSA_USER" >/dev/null 2>&1; then
    ksa_log "creating system user $KSA_USER (Elasticsearch refuses to run as root)"
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin "$KSA_USER"
  fi
}

# the stamp changes with the versions and with the fetch recipe itself
MAVEN_STAMP="$KSA_STACK_CACHE/.maven-es$ES_VERSION-kafka$KAFKA_VERSION-jmx$JMX_EXPORTER_VERSION-log4j$LOG4J_VERSION-$(md5sum <"$KSA_TEMPLATES/fetch-pom.xml" | cut -c1-8)"

fetch_maven() {
  if [[ -f "$MAVEN_STAMP" && -x "$ES_HOME_CACHE/bin/elasticsearch" && -f "$JMX_AGENT_JAR" && -d "$KAFKA_LIBS" ]]; then
    ksa_log "maven: artifacts already cached in $KSA_STACK_CACHE"
    return
  fi
  local mdir="$KSA_STACK_CACHE/maven" dl="$KSA_STACK_CACHE/downloads"
  mkdir -p "$mdir" "$dl"
  export ES_VERSION KAFKA_VERSION KAFKA_SCALA JMX_EXPORTER_VERSION LOG4J_VERSION
  # shellcheck disable=SC2034  # used by ksa_render through @@NAME@@
  local KAFKA_LIBS_TMP="$KAFKA_LIBS.tmp" DOWNLOADS_DIR="$dl"
  rm -rf "$KAFKA_LIBS_TMP"
  ksa_render "$KSA_TEMPLATES/fetch-pom.xml" "$mdir/pom.xml"
  ksa_log "maven: fetching Elasticsearch $ES_VERSION, Kafka $KAFKA_VERSION (+deps), JMX exporter $JMX_EXPORTER_VERSION"
  if ! mvn -B -q -f "$mdir/pom.xml" -Dmaven.repo.local="$KSA_STACK_CACHE/m2" \
      dependency:copy-dependencies@kafka-libs dependency:copy@dists >"$mdir/mvn.log" 2>&1; then
    tail -n 40 "$mdir/mvn.log" >&2
    ksa_die "mvn failed (log: $mdir/mvn.log)"
  fi
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  mv "$KAFKA_LIBS_TMP" "$KAFKA_LIBS"
  cp "$dl/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar" "$JMX_AGENT_JAR"
  rm -rf "$ES_HOME_CACHE" "$ES_HOME_CACHE.tmp"
  mkdir -p "$ES_HOME_CACHE.tmp"
  unzip -q "$dl/elasticsearch-$ES_VERSION.zip" -d "$ES_HOME_CACHE.tmp"
  mv "$ES_HOME_CACHE.tmp/elasticsearch-$ES_VERSION" "$ES_HOME_CACHE"
  rmdir "$ES_HOME_CACHE.tmp"
  rm -f "$KSA_STACK_CACHE"/.maven-*
  touch "$MAVEN_STAMP"
}

summary() {
  local p
  echo
  echo "KubeStack-AI local stack: install complete in $((SECONDS - T0)) s"
  printf '  %-36s %s\n' "cache" "$KSA_STACK_CACHE"
  printf '  %-36s %s\n' "Elasticsearch (integ-test-zip)" "$ES_VERSION  $ES_HOME_CACHE"
  printf '  %-36s %s\n' "Kafka (kafka_$KAFKA_SCALA, KRaft)" "$KAFKA_VERSION  $KAFKA_LIBS ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
  printf '  %-36s %s\n' "Prometheus JMX exporter agent" "$JMX_EXPORTER_VERSION  $JMX_AGENT_JAR"
  printf '  %-36s %s\n' "Java for Elasticsearch/Kafka" "$KSA_JAVA_HOME"
  for p in prometheus prometheus-node-exporter prometheus-redis-exporter prometheus-postgres-exporter \
      prometheus-mysqld-exporter prometheus-elasticsearch-exporter redis-server postgresql-15 \
      mariadb-server rabbitmq-server rsyslog rsyslog-elasticsearch docker-compose; do
    printf '  %-36s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
  done
  echo "Next: bash stack/start.sh"
}

mkdir -p "$KSA_STACK_CACHE"
install_apt
stop_default_port_services
ensure_user
[[ -x "$KSA_JAVA_HOME/bin/java" ]] || ksa_die "no JDK 17 at $KSA_JAVA_HOME (set KSA_JAVA_HOME)"
fetch_maven
summary
