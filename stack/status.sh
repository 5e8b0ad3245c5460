#!/usr/bin/env bash
# Per service: pid, port, up/down; then Prometheus target health.
# Exits non-zero if any service or scrape target is down.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

down=0
printf '%-24s %-8s %-6s %-6s %s\n' SERVICE PID PORT STATE "OTHER PORTS"
for svc in "${KSA_SERVICES[@]}"; do
  pid="$(ksa_pid "$svc" 2>/dev/null || echo -)"
  port="${KSA_PORT[$svc]}"
  state=down
  if ksa_running "$svc" && { [[ "$port" == "-" ]] || ksa_port_open "$port"; }; then
    state=up
  else
    down=$((down + 1))
  fi
  printf '%-24s %-8s %-6s %-6s %s\n' "$svc" "$pid" "$port" "$state" "${KSA_PORT_EXTRA[$svc]:-}"
done

echo
echo "Prometheus targets (http://$KSA_STACK_HOST:$PROMETHEUS_PORT):"
if targets="$(curl -fsS --max-time 5 "http://$KSA_STACK_HOST:$PROMETHEUS_PORT/api/v1/targets?state=active" 2>/dev/null)"; then
  jq -r '.data.activeTargets[] | [.labels.job, .labels.instance, .scrapeUrl, .health, (.lastError // "")] | @tsv' \
    <<<"$targets" | sort | while IFS=$'\t' read -r job inst url health err; do
      printf '  %-14s %-18s %-6s %s %s\n' "$job" "$inst" "$health" "$url" "$err"
    done
  bad="$(jq '[.data.activeTargets[] | select(.health != "up")] | length' <<<"$targets")"
  down=$((down + bad))
else
  echo "  (Prometheus not reachable)"
  down=$((down + 1))
fi

if ((down)); then
  echo "status: $down down"
  exit 1
fi
echo "status: all up"
