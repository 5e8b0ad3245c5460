#!/bin/sh
# Grafana's entrypoint in docker-compose.yml. Grafana exits at startup when a provisioned app plugin
# is not installed ("app provisioning error: plugin not installed"). The KubeStack-AI app is mounted
# from ./grafana-app/dist, which exists only once the app is built; until then start Grafana with a
# copy of the provisioning files minus the app's, instead of letting it crash-loop.
set -eu

plugin_dir=/var/lib/grafana/plugins/kubestack-ai-app
provisioning=${GF_PATHS_PROVISIONING:-/etc/grafana/provisioning}

if [ ! -f "$plugin_dir/plugin.json" ] && [ -f "$provisioning/plugins/apps.yaml" ]; then
  echo "kubestack: no $plugin_dir/plugin.json (build grafana-app: its dist/ is mounted there);" \
    "starting Grafana without provisioning the kubestack-ai-app app" >&2
  copy=/tmp/kubestack-provisioning
  rm -rf "$copy"
  cp -R "$provisioning" "$copy"
  rm -f "$copy/plugins/apps.yaml"
  export GF_PATHS_PROVISIONING="$copy"
fi

exec /run.sh "$@"
