#!/usr/bin/env bash
# Print the stack's environment as export lines:  eval "$(bash stack/env.sh)"
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -r "$KSA_STACK_DIR/stack.env" ]]; then
  cat "$KSA_STACK_DIR/stack.env"
else
  ksa_env_lines
fi
