#!/usr/bin/env bash
# Local Apache Pulsar (standalone) and OpenSearch for integration tests, fetched
# from Maven Central (the only reachable repository; no Docker, no tarballs).
#
#   bash scripts/services/services.sh up|down|status [pulsar|opensearch ...]
#
# Default is both servers. Loopback only:
#   Pulsar      pulsar://127.0.0.1:6650, http+ws://127.0.0.1:8080 (bookie 127.0.0.1:3181)
#   OpenSearch  http://127.0.0.1:9200 (transport 127.0.0.1:9300)
# Downloads: ${PW_SERVICES_CACHE:-~/.cache/pw-services}   (first run only)
# State:     ${PW_SERVICES_DIR:-<repo>/.services}         (pid files, data, logs)
# Env: PW_SERVICES_READY_TIMEOUT (s, default 180), PW_PULSAR_READY_TIMEOUT,
#      PW_OPENSEARCH_READY_TIMEOUT, PW_SERVICES_STOP_TIMEOUT (s, default 30),
#      PW_PULSAR_JAVA_OPTS, PW_OPENSEARCH_JAVA_OPTS, PW_PULSAR_VERSION,
#      PW_OPENSEARCH_VERSION, PW_SERVICES_OS_USER (default pwsvc),
#      PW_OPENSEARCH_HTTP_PORT / PW_OPENSEARCH_TRANSPORT_PORT (9200 / 9300).
# status exits 0 when every requested server is running, 3 otherwise.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  echo "usage: $0 up|down|status [pulsar|opensearch ...]" >&2
  exit 2
}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
secs_since() { # ms timestamp -> "12.3"
  local d=$(($(now_ms) - $1))
  printf '%d.%d' $((d / 1000)) $((d % 1000 / 100))
}

require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || die "'$t' is required but not on PATH"
  done
}

java_home() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME"
  else
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

# A listening socket we did not start would make the readiness probe lie.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_ports_free() {
  local name=$1 port
  shift
  for port in "$@"; do
    if port_in_use "$port"; then
      die "$name: port 127.0.0.1:$port is already in use by a process this script did not start; not starting $name"
    fi
  done
}

# Run maven quietly into the cache's own local repo, so "cold" really is cold and
# the user's ~/.m2 is left alone. On failure show the tail of its output.
run_mvn() {
  local what=$1 mvnlog=$2
  shift 2
  if ! mvn -B -ntp -Dmaven.repo.local="$CACHE_DIR/m2" "$@" >"$mvnlog" 2>&1 9>&-; then
    tail -n 40 "$mvnlog" >&2
    die "$what: maven download failed (command: mvn $*; full log: $mvnlog)"
  fi
}

# --- downloads (idempotent; staged in *.tmp and renamed, so an interrupted
# --- download is never mistaken for a complete one) --------------------------

pulsar_lib() { echo "$CACHE_DIR/pulsar-$PULSAR_VERSION/lib"; }

fetch_pulsar() {
  local dest=$CACHE_DIR/pulsar-$PULSAR_VERSION t0
  [[ -f $dest/.complete ]] && return 0
  require_tools mvn
  log "pulsar: downloading org.apache.pulsar:pulsar-broker:$PULSAR_VERSION and its runtime deps from Maven Central (first run only)"
  t0=$(now_ms)
  rm -rf "$dest.tmp" "$dest"
  mkdir -p "$dest.tmp"
  # Copy the pom out of the repo so maven never writes into the checkout.
  cp "$SERVICES_HOME/pulsar-pom.xml" "$dest.tmp/pom.xml"
  run_mvn pulsar "$dest.tmp/mvn.log" -f "$dest.tmp/pom.xml" -Dpulsar.version="$PULSAR_VERSION" \
    "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$dest.tmp/lib"
  [[ -f $dest.tmp/lib/pulsar-broker-$PULSAR_VERSION.jar ]] || die "pulsar: pulsar-broker jar missing after download"
  touch "$dest.tmp/.complete"
  mv "$dest.tmp" "$dest"
  log "pulsar: downloaded $(find "$dest/lib" -name '*.jar' | wc -l) jars in $(secs_since "$t0")s"
}

opensearch_dist() { echo "$CACHE_DIR/opensearch-$OPENSEARCH_VERSION"; }

fetch_opensearch() {
  local dest t0 zip
  dest=$(opensearch_dist)
  [[ -f $dest/.complete ]] && return 0
  require_tools mvn unzip
  log "opensearch: downloading org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip from Maven Central (first run only)"
  t0=$(now_ms)
  rm -rf "$dest.tmp" "$dest"
  mkdir -p "$dest.tmp"
  # Run from an empty dir so no stray pom.xml is picked up.
  (cd "$dest.tmp" && run_mvn opensearch "$dest.tmp/mvn.log" \
    "$DEPENDENCY_PLUGIN:copy" -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
    -DoutputDirectory="$dest.tmp")
  zip=$dest.tmp/opensearch-$OPENSEARCH_VERSION.zip
  [[ -f $zip ]] || die "opensearch: $zip missing after download"
  unzip -q "$zip" -d "$dest.tmp"
  rm -f "$zip" # maven's local repo keeps a copy anyway
  mv "$dest.tmp/opensearch-$OPENSEARCH_VERSION" "$dest.tmp/dist"
  touch "$dest.tmp/.complete"
  mv "$dest.tmp" "$dest"
  log "opensearch: downloaded and unpacked in $(secs_since "$t0")s"
}

# --- launching ----------------------------------------------------------------

# launch NAME LOGFILE CWD CMD...: start CMD detached in its own session (so a
# Ctrl-C in the caller's terminal does not hit it) with stdin/out/err away from
# the caller. The wrapper writes its own pid and then execs, so the recorded pid
# is the server JVM itself. fd 9 (our lock) is closed so the server never holds it.
launch() {
  local name=$1 logfile=$2 cwd=$3 pidf i
  shift 3
  pidf=$(pid_file "$name")
  rm -f "$pidf"
  # shellcheck disable=SC2016 # $1/$2/$$ are expanded by the inner bash
  setsid bash -c 'cd "$1" && echo $$ >"$2.tmp" && mv "$2.tmp" "$2" && shift 2 && exec "$@"' \
    launcher "$cwd" "$pidf" "$@" </dev/null >"$logfile" 2>&1 9>&- &
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidf ]] && return 0
    sleep 0.05
  done
  die "$name: launcher did not write $pidf (see $logfile)"
}

start_pulsar() {
  local dir=$RUN_DIR/pulsar
  local -a jvm
  check_ports_free pulsar 6650 8080 3181
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  # shellcheck disable=SC2206 # word splitting of the user's option string is intended
  jvm=(${PW_PULSAR_JAVA_OPTS:--Xms512m -Xmx1g -XX:MaxDirectMemorySize=512m})
  # Flags mirror Pulsar's bin/pulsar + conf/pulsar_env.sh for Java 17: netty,
  # bookkeeper and the metrics code reflect into these JDK internals.
  jvm+=(
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
    -Djava.io.tmpdir="$dir/tmp"
    -Dlog4j2.configurationFile="$SERVICES_HOME/pulsar-log4j2.xml"
    -Dpulsar.log.dir="$dir/logs"
    -Dlog4j.shutdownHookEnabled=false
    -Djava.net.preferIPv4Stack=true
    -Djute.maxbuffer=10485760
    -Dio.netty.tryReflectionSetAccessible=true
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.util.zip=ALL-UNNAMED
    --add-opens java.base/java.nio=ALL-UNNAMED
    --add-opens java.base/jdk.internal.misc=ALL-UNNAMED
    --add-opens java.base/sun.net=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.management/sun.management=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    -Dbookkeeper.metadata.bookie.drivers=org.apache.pulsar.metadata.bookkeeper.PulsarMetadataBookieDriver
    -Dbookkeeper.metadata.client.drivers=org.apache.pulsar.metadata.bookkeeper.PulsarMetadataClientDriver
  )
  # Explicit data dirs: the defaults are relative to the cwd, and an existing
  # zookeeper dir would switch standalone back to ZooKeeper mode.
  launch pulsar "$dir/logs/pulsar.out" "$dir" \
    "$(java_home)/bin/java" -cp "$(pulsar_lib)/*" "${jvm[@]}" \
    org.apache.pulsar.PulsarStandaloneStarter \
    --config "$SERVICES_HOME/pulsar-standalone.conf" \
    --no-functions-worker --no-stream-storage \
    --metadata-dir "$dir/data/metadata" \
    --bookkeeper-dir "$dir/data/bookkeeper" \
    --zookeeper-dir "$dir/data/zookeeper" \
    --bookkeeper-port 3181
}

# Command prefix that drops to the OpenSearch user (empty when not root).
# setpriv execs (no fork), so the pid recorded by launch stays the JVM's.
os_user_prefix() {
  if ((EUID == 0)); then
    printf '%s\n' setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --
  fi
}

as_os_user() {
  local -a prefix
  mapfile -t prefix < <(os_user_prefix)
  "${prefix[@]}" "$@"
}

# OpenSearch exits with "can not run opensearch as root". When we are root,
# create a dedicated unprivileged system user once (no home, no login shell)
# and give it only the OpenSearch runtime dirs.
ensure_os_user() {
  ((EUID == 0)) || return 0
  require_tools setpriv
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    log "opensearch: creating system user '$OS_USER' (OpenSearch refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$OS_USER"
  fi
}

# The unprivileged user usually cannot read the cache under /root (mode 700).
# In that case use a hard-linked copy of the distribution inside the runtime
# dir (cheap on the same filesystem, plain copy otherwise).
opensearch_home() {
  local dist home
  dist=$(opensearch_dist)/dist
  if as_os_user test -r "$dist/lib/opensearch-$OPENSEARCH_VERSION.jar"; then
    echo "$dist"
    return 0
  fi
  home=$RUN_DIR/opensearch/home-$OPENSEARCH_VERSION
  if [[ ! -f $home/.complete ]]; then
    rm -rf "$home"
    cp -al "$dist" "$home" 2>/dev/null || cp -a "$dist" "$home"
    touch "$home/.complete"
  fi
  as_os_user test -r "$home/lib/opensearch-$OPENSEARCH_VERSION.jar" ||
    die "opensearch: user '$OS_USER' cannot read $home (is $RUN_DIR inside a private directory?)"
  echo "$home"
}

start_opensearch() {
  local dir=$RUN_DIR/opensearch home
  local -a prefix
  check_ports_free opensearch "$OPENSEARCH_HTTP_PORT" "$OPENSEARCH_TRANSPORT_PORT"
  ensure_os_user
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp" "$dir/config"
  home=$(opensearch_home)
  # Fresh config each start: the distribution's jvm.options/log4j2 plus ours.
  # bin/opensearch-env cd's into OPENSEARCH_HOME, so the stock relative gc/
  # crash/heap-dump paths would point into the (read-only) install: make them
  # absolute under the runtime dir.
  sed -e "s#file=logs/#file=$dir/logs/#" -e "s#filecount=32#filecount=4#" \
    -e "s#ErrorFile=logs/#ErrorFile=$dir/logs/#" -e "s#HeapDumpPath=data#HeapDumpPath=$dir/data#" \
    "$home/config/jvm.options" >"$dir/config/jvm.options"
  cp "$home/config/log4j2.properties" "$dir/config/"
  mkdir -p "$dir/config/jvm.options.d"
  cp "$SERVICES_HOME/opensearch.yml" "$dir/config/opensearch.yml"
  if ((EUID == 0)); then
    chown -R "$OS_USER:$OS_USER" "$dir/data" "$dir/logs" "$dir/tmp" "$dir/config"
  fi
  as_os_user test -w "$dir/data" || die "opensearch: user '$OS_USER' cannot write $dir/data"
  # Clean environment: only what bin/opensearch needs. -XX:-AlwaysPreTouch
  # undoes the launcher's default so idle RSS isn't the whole initial heap.
  mapfile -t prefix < <(os_user_prefix)
  launch opensearch "$dir/logs/opensearch.out" "$dir" \
    "${prefix[@]}" env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME="$dir" \
    JAVA_HOME="$(java_home)" \
    OPENSEARCH_JAVA_OPTS="${PW_OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g -XX:-AlwaysPreTouch}" \
    OPENSEARCH_PATH_CONF="$dir/config" \
    OPENSEARCH_TMPDIR="$dir/tmp" \
    "$home/bin/opensearch" \
    -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
    -Ehttp.port="$OPENSEARCH_HTTP_PORT" -Etransport.port="$OPENSEARCH_TRANSPORT_PORT"
}

# --- readiness ------------------------------------------------------------------

probe() {
  case $1 in
    pulsar)
      [[ $(curl -s -o /dev/null -m 5 -w '%{http_code}' \
        "$PULSAR_ADMIN_URL/admin/v2/namespaces/public/default" 2>/dev/null) == 200 ]]
      ;;
    opensearch)
      curl -s -m 5 "$OPENSEARCH_URL/_cluster/health" 2>/dev/null |
        grep -Eq '"status":"(green|yellow)"'
      ;;
  esac
}

main_log() {
  case $1 in
    pulsar) echo "$RUN_DIR/pulsar/logs/pulsar.log" ;;
    opensearch) echo "$RUN_DIR/opensearch/logs/pw-local.log" ;;
  esac
}

# show_logs NAME LINES_OF_STDOUT: tail of the server's own log (or, if it never
# got that far, of its captured stdout/stderr), plus some stdout/stderr lines
# when asked (JVM-level failures only show up there).
show_logs() {
  local name=$1 out_lines=$2 main out
  main=$(main_log "$name")
  out=$RUN_DIR/$name/logs/$name.out
  if [[ -s $main ]]; then
    printf '[services] ---- %s: last 40 lines of %s ----\n' "$name" "$main" >&2
    tail -n 40 "$main" >&2
  else
    out_lines=40
  fi
  if ((out_lines > 0)) && [[ -s $out ]]; then
    printf '[services] ---- %s: last %d lines of %s ----\n' "$name" "$out_lines" "$out" >&2
    tail -n "$out_lines" "$out" >&2
  fi
  printf '[services] ---- end of %s logs ----\n' "$name" >&2
}

timeout_for() {
  case $1 in
    pulsar) echo "${PW_PULSAR_READY_TIMEOUT:-$READY_TIMEOUT}" ;;
    opensearch) echo "${PW_OPENSEARCH_READY_TIMEOUT:-$READY_TIMEOUT}" ;;
  esac
}

# wait_ready NAME START_MS: poll until ready, the process dies, or the timeout.
wait_ready() {
  local name=$1 t0=$2 limit pid deadline
  limit=$(timeout_for "$name")
  deadline=$(($(now_ms) + limit * 1000))
  while :; do
    if probe "$name"; then
      log "$name: ready in $(secs_since "$t0")s"
      return 0
    fi
    if ! pid=$(live_pid "$name"); then
      log "ERROR: $name: process exited before becoming ready (after $(secs_since "$t0")s)"
      show_logs "$name" 15
      rm -f "$(pid_file "$name")"
      return 1
    fi
    if (($(now_ms) >= deadline)); then
      log "ERROR: $name: not ready after ${limit}s (pid $pid); stopping it. Raise PW_SERVICES_READY_TIMEOUT if the machine is just slow."
      show_logs "$name" 0
      stop_one "$name" || true
      return 1
    fi
    sleep 0.5
  done
}

# --- stopping -------------------------------------------------------------------

stop_one() {
  local name=$1 pidf pid i sid leftovers
  pidf=$(pid_file "$name")
  if ! pid=$(live_pid "$name"); then
    if [[ -e $pidf ]]; then
      rm -f "$pidf"
      log "$name: not running (removed stale pid file)"
    else
      log "$name: not running"
    fi
    return 0
  fi
  sid=$pid # launch() made the server a session leader
  log "$name: stopping pid $pid (SIGTERM, up to ${STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  kill -0 "$pid" 2>/dev/null && die "$name: pid $pid survived SIGKILL"
  # Anything the server spawned stays in its session; end those by pid too.
  leftovers=$(ps -e -o pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }')
  if [[ -n $leftovers ]]; then
    log "$name: killing leftover session processes: $(echo "$leftovers" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $leftovers 2>/dev/null || true
  fi
  rm -f "$pidf"
  log "$name: stopped"
}

# --- commands ---------------------------------------------------------------------

cmd_up() {
  local name pid
  local -A started_at=()
  require_tools java curl
  for name in "$@"; do
    if pid=$(live_pid "$name"); then
      log "$name: already running (pid $pid)"
      started_at[$name]=$(now_ms)
      continue
    fi
    rm -f "$(pid_file "$name")"
    # Keep one previous log so error tails only show this run.
    if [[ -f $(main_log "$name") ]]; then mv -f "$(main_log "$name")" "$(main_log "$name").prev"; fi
    "fetch_$name"
    started_at[$name]=$(now_ms)
    "start_$name"
    log "$name: started pid $(<"$(pid_file "$name")"), waiting up to $(timeout_for "$name")s for readiness"
  done
  local failed=0
  for name in "$@"; do
    wait_ready "$name" "${started_at[$name]}" || failed=1
  done
  ((failed == 0)) || die "not all services became ready (see above)"
}

cmd_down() {
  local name failed=0
  local -a jobs=()
  # Stop in parallel: each JVM's graceful shutdown takes a few seconds.
  for name in "$@"; do
    stop_one "$name" &
    jobs+=($!)
  done
  for name in "${jobs[@]}"; do wait "$name" || failed=1; done
  ((failed == 0)) || die "could not stop everything (see above)"
}

cmd_status() {
  local name pid state rss url rc=0
  for name in "$@"; do
    case $name in
      pulsar) url="$PULSAR_URL $PULSAR_ADMIN_URL $PULSAR_WS_URL/ws/v2" ;;
      opensearch) url=$OPENSEARCH_URL ;;
    esac
    if pid=$(live_pid "$name"); then
      rss=$(rss_mib "$pid")
      if probe "$name"; then state="running (ready)"; else state="running (not answering yet)"; fi
      printf '%-11s %-27s pid %-8s rss %5s MiB  %s\n' "$name" "$state" "$pid" "${rss:-?}" "$url"
    else
      printf '%-11s %-27s pid %-8s rss %5s      %s\n' "$name" stopped - - "$url"
      rc=3
    fi
  done
  return "$rc"
}

main() {
  (($# >= 1)) || usage
  local cmd=$1 name
  shift
  case $cmd in up | down | status) ;; *) usage ;; esac
  (($# > 0)) || set -- "${ALL_SERVICES[@]}"
  for name in "$@"; do is_service "$name" || usage; done

  mkdir -p "$RUN_DIR"
  if [[ $cmd == status ]]; then
    cmd_status "$@"
    return
  fi
  # Serialise up/down so concurrent callers can't start two copies.
  require_tools flock
  exec 9>"$RUN_DIR/.lock"
  flock -w 900 9 || die "another services.sh up/down holds $RUN_DIR/.lock"
  "cmd_$cmd" "$@"
}

main "$@"
