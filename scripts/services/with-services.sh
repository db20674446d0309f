#!/usr/bin/env bash
# Run a command with local Pulsar + OpenSearch available:
#
#   bash scripts/services/with-services.sh npx vitest run --project integration
#
# Starts the servers that are not already running, exports the PW_TEST_* URLs,
# runs the command (its exit code is preserved), then stops only the servers
# this invocation started -- also on failure or Ctrl-C (EXIT trap). Servers that
# were already up before stay up.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$HERE/common.sh"

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

started=()
for s in "${ALL_SERVICES[@]}"; do
  live_pid "$s" >/dev/null || started+=("$s")
done

# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((${#started[@]} > 0)); then
    if ! bash "$HERE/services.sh" down "${started[@]}"; then
      log "WARNING: stopping ${started[*]} failed"
      ((rc != 0)) || rc=1
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs with a conventional code.
trap 'exit 130' INT
trap 'exit 143' TERM

if ((${#started[@]} > 0)); then
  log "starting: ${started[*]} (will stop them afterwards)"
else
  log "pulsar and opensearch already running; leaving them up afterwards"
fi
# Always "up" everything: for servers already running it just waits until ready.
bash "$HERE/services.sh" up

export PW_TEST_PULSAR_URL=$PULSAR_URL
export PW_TEST_PULSAR_WS_URL=$PULSAR_WS_URL
export PW_TEST_PULSAR_ADMIN_URL=$PULSAR_ADMIN_URL
export PW_TEST_OPENSEARCH_URL=$OPENSEARCH_URL

rc=0
"$@" || rc=$?
exit "$rc"
