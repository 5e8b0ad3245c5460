#!/usr/bin/env bash
# Stop the local stack: only processes named by our pid files (TERM, wait, then KILL).
# Usage: stop.sh [--purge]   --purge also deletes $KSA_STACK_DIR (all data and logs).
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) ksa_die "unknown argument: $arg" ;;
  esac
done

# Stop in waves (reverse of start order), each wave in parallel.
WAVES=(
  "rsyslog prometheus elasticsearch-exporter mysqld-exporter postgres-exporter redis-exporter node-exporter"
  "kafka elasticsearch rabbitmq mariadb postgresql redis"
  "epmd"
)

stop_signal() {   # PostgreSQL: SIGINT = fast shutdown (SIGTERM would wait for clients)
  case "$1" in postgresql) echo INT ;; *) echo TERM ;; esac
}
grace() {
  case "$1" in kafka|elasticsearch|rabbitmq|mariadb|postgresql) echo 45 ;; *) echo 10 ;; esac
}

stop_wave() {
  local svc pid deadline
  local -A pids=()
  for svc in $1; do
    if ksa_running "$svc"; then
      pid="$(ksa_pid "$svc")"
      pids[$svc]=$pid
      kill "-$(stop_signal "$svc")" "$pid" 2>/dev/null || true
      ksa_log "stopping $svc (pid $pid)"
    elif [[ -f "$(ksa_pidfile "$svc")" ]]; then
      ksa_log "$svc: stale pid file removed"
      rm -f "$(ksa_pidfile "$svc")"
    fi
  done
  for svc in "${!pids[@]}"; do
    pid=${pids[$svc]}
    deadline=$((SECONDS + $(grace "$svc")))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
    if kill -0 "$pid" 2>/dev/null; then
      ksa_log "$svc (pid $pid) ignored SIG$(stop_signal "$svc"), sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    # PostgreSQL removes postmaster.pid itself on a clean shutdown
    [[ "$svc" == postgresql ]] || rm -f "$(ksa_pidfile "$svc")"
  done
}

for wave in "${WAVES[@]}"; do stop_wave "$wave"; done
# launchers that outlive their service for a moment (Elasticsearch CLI, rabbitmq-server script)
sleep 0.5
rm -f "$KSA_STACK_DIR/stack.env"

if ((PURGE)); then
  if [[ -n "$KSA_STACK_DIR" && "$KSA_STACK_DIR" != "/" && -d "$KSA_STACK_DIR" ]]; then
    ksa_log "purging $KSA_STACK_DIR"
    rm -rf -- "$KSA_STACK_DIR"
  fi
fi
ksa_log "stack stopped"
