# shellcheck shell=bash disable=SC2034 # variables are used by the scripts sourcing this file
# Shared settings and helpers for services.sh and with-services.sh (sourced, not run).

SERVICES_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVICES_HOME/../.." && pwd)

# Downloads survive between runs (and between checkouts); runtime state is per checkout.
CACHE_DIR=${PW_SERVICES_CACHE:-$HOME/.cache/pw-services}
RUN_DIR=${PW_SERVICES_DIR:-$REPO_ROOT/.services}

# Newest 3.0.x LTS / 2.19.x that this machine's Maven Central mirror actually serves.
PULSAR_VERSION=${PW_PULSAR_VERSION:-3.0.7}
OPENSEARCH_VERSION=${PW_OPENSEARCH_VERSION:-2.19.6}
# Pinned so results don't depend on Maven's built-in default (2.8 on Maven 3.8).
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

READY_TIMEOUT=${PW_SERVICES_READY_TIMEOUT:-180}
STOP_TIMEOUT=${PW_SERVICES_STOP_TIMEOUT:-30}

# OpenSearch refuses to run as root; when we are root it runs as this user.
OS_USER=${PW_SERVICES_OS_USER:-pwsvc}

ALL_SERVICES=(pulsar opensearch)

PULSAR_URL=pulsar://127.0.0.1:6650
PULSAR_WS_URL=ws://127.0.0.1:8080
PULSAR_ADMIN_URL=http://127.0.0.1:8080
# A second OpenSearch (say, a long benchmark's, with its own PW_SERVICES_DIR)
# can run beside the tests' one on other ports.
OPENSEARCH_HTTP_PORT=${PW_OPENSEARCH_HTTP_PORT:-9200}
OPENSEARCH_TRANSPORT_PORT=${PW_OPENSEARCH_TRANSPORT_PORT:-9300}
OPENSEARCH_URL=http://127.0.0.1:$OPENSEARCH_HTTP_PORT

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

is_service() {
  case ${1:-} in pulsar | opensearch) return 0 ;; *) return 1 ;; esac
}

pid_file() { printf '%s/%s/%s.pid\n' "$RUN_DIR" "$1" "$1"; }

# What the recorded pid's command line looks like at each stage of its exec
# chain: launcher (bash -c ... launcher), bin/opensearch script, the server JVM.
stage_pattern() {
  case $1 in
    pulsar) echo ' launcher |org[.]apache[.]pulsar[.]PulsarStandaloneStarter' ;;
    opensearch) echo ' launcher |/bin/opensearch |org[.]opensearch[.]bootstrap[.]OpenSearch' ;;
  esac
}

# Prints the pid from NAME's pid file if that process is alive AND is our server
# (command line matches a stage above and names this runtime dir). Guards
# against stale pid files whose pid was reused by an unrelated process.
live_pid() {
  local f pid cmdline
  f=$(pid_file "$1")
  [[ -r $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *"$RUN_DIR/$1/"* && $cmdline =~ $(stage_pattern "$1") ]] || return 1
  echo "$pid"
}

# Resident memory of PID in MiB (empty if gone).
rss_mib() {
  awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true
}
