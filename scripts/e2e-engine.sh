#!/usr/bin/env bash
# A private Docker engine for the differential (e2e) suite, with no image registry needed.
#
#   scripts/e2e-engine.sh start   # prints `DOCKER_HOST=unix:///...` on its last stdout line; exit 0 when ready
#   scripts/e2e-engine.sh stop    # stops the engine this script started
#   scripts/e2e-engine.sh status  # exit 0 when the engine answers
#
# When DOCKER_HOST already points at an engine that answers, `start` reuses it (and `stop` leaves
# it alone). Otherwise it starts dockerd (installing docker.io/debootstrap with apt-get when
# missing and running as root) on a socket of its own:
#   dockerd --storage-driver=overlay2|vfs --iptables=false --ip6tables=false --bridge=none
# Base images are made locally: `debootstrap --variant=minbase --include=python3 bookworm`
# (Debian bookworm's python3 is 3.11), cached as a tarball in $SHIPSHAPE_E2E_CACHE (default
# ~/.cache/shipshape-e2e, outside the repository), imported, and tagged with the names the
# fixtures' FROM lines use (python:3.11-slim, python:3.11); a second one with Debian python3-*
# packages is tagged $PKG_TAG for the package fixtures. A small derived layer adds
# `python` -> python3 and an offline `pip` (see below).
#
# Exit status of `start`: 0 ready; 3 no engine can be started here (the reason is on stderr).
set -euo pipefail

STATE=${SHIPSHAPE_E2E_STATE:-/tmp/shipshape-e2e}
CACHE=${SHIPSHAPE_E2E_CACHE:-${HOME:-/root}/.cache/shipshape-e2e}
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
TAGS=(python:3.11-slim python:3.11 python:3.11-slim-bookworm python:3.11-bookworm)
BASE_TAG=shipshape-e2e/bookworm-python3:1
# The package fixtures' base (test-e2e/package-fixtures.ts): the same, plus Debian's python3-*
# packages standing in for third-party distributions (in /usr/lib/python3/dist-packages, which
# is on bookworm python3's sys.path). The fixtures declare them in shipshape.toml [images].
PKG_INCLUDE=python3-yaml,python3-requests,python3-dateutil
PKG_BASE_TAG=shipshape-e2e/bookworm-python3-packages-base:1
PKG_TAG=shipshape-e2e/bookworm-packages:1

log() { echo "e2e-engine: $*" >&2; }
cannot() { log "cannot start a Docker engine: $*"; exit 3; }

answers() { timeout 20 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ensure_tools() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then cannot "missing ${need[*]} and cannot apt-get install them"; fi
    log "installing ${need[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >"$STATE/apt.log" 2>&1 || cannot "apt-get install ${need[*]} failed (see $STATE/apt.log)"
  fi
  command -v docker >/dev/null 2>&1 || cannot "no docker CLI"
}

# Start dockerd with one storage driver; 0 when it answers and can run a container's filesystem.
try_daemon() {
  local driver=$1
  rm -f "$SOCK" "$PIDFILE"
  mkdir -p "$STATE/data-$driver" "$STATE/exec"
  log "starting dockerd ($driver) on $SOCK"
  # setsid: the daemon outlives this script and is not killed with the caller's process group.
  setsid dockerd --host "unix://$SOCK" --data-root "$STATE/data-$driver" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
    --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none >"$STATE/dockerd.log" 2>&1 </dev/null &
  export DOCKER_HOST="unix://$SOCK"
  for _ in $(seq 1 60); do
    if answers; then
      [ "$(docker info --format '{{.Driver}}' 2>/dev/null)" = "$driver" ] && return 0
      break
    fi
    kill -0 "$!" 2>/dev/null || break
    sleep 0.5
  done
  tail -3 "$STATE/dockerd.log" >&2 || true
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null && sleep 2
  # A daemon that died during start-up leaves its data root bind-mounted.
  umount "$STATE/data-$driver" 2>/dev/null || true
  return 1
}

start_daemon() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    export DOCKER_HOST="unix://$SOCK"
    answers && return 0
  fi
  [ "$(id -u)" = 0 ] || cannot "dockerd needs root here"
  # overlay2 where the filesystem allows it (several times faster: vfs copies the whole image
  # for every build step and container); vfs works everywhere. SHIPSHAPE_E2E_STORAGE forces one.
  for driver in ${SHIPSHAPE_E2E_STORAGE:-overlay2 vfs}; do
    try_daemon "$driver" && return 0
    log "dockerd with $driver did not come up"
  done
  cannot "dockerd did not answer on $SOCK (log: $STATE/dockerd.log)"
}

# base_tarball NAME EXTRA_INCLUDES: a debootstrapped rootfs (minbase + python3, pip, setuptools, wheel + extras), cached.
base_tarball() {
  local name=$1 extra=${2:-}
  local tarball="$CACHE/$name.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$CACHE"
    local root="$STATE/rootfs-$name"
    rm -rf "$root"
    log "debootstrap bookworm (minbase + python3${extra:+,$extra}) into $root; cached at $tarball"
    local t0=$SECONDS
    debootstrap --variant=minbase --include=python3,python3-pip,python3-setuptools,python3-wheel${extra:+,$extra} bookworm "$root" >"$STATE/debootstrap-$name.log" 2>&1 ||
      { tail -5 "$STATE/debootstrap-$name.log" >&2; cannot "debootstrap failed (log: $STATE/debootstrap-$name.log)"; }
    # Smaller layers (the vfs driver copies the whole tree for every build step).
    rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/cache/apt/*.bin \
      "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
    log "base rootfs $name built in $((SECONDS - t0)) s"
  fi
  echo "$tarball"
}

# import_base TAG NAME EXTRA_INCLUDES
import_base() {
  docker image inspect "$1" >/dev/null 2>&1 && return 0
  local tarball
  tarball=$(base_tarball "$2" "${3:-}")
  log "importing $tarball as $1"
  docker import -c 'CMD ["python3"]' "$tarball" "$1" >/dev/null
}

DERIVED_VERSION=4 # 2: the offline pip keeps -e (editable installs); 3: --user/--prefix/--target, pip wheel; 4: local paths in -r files

ensure_images() {
  ensure_derived "$BASE_TAG" bookworm-minbase-python3 "" "${TAGS[@]}"
  ensure_derived "$PKG_BASE_TAG" bookworm-minbase-python3-packages "$PKG_INCLUDE" "$PKG_TAG"
}

# ensure_derived BASE_TAG TARBALL_NAME EXTRA_INCLUDES TAG...: the tags, built on the imported base.
ensure_derived() {
  local base=$1 name=$2 extra=$3
  shift 3
  local tags=("$@") missing=0
  # Rebuilt when the derived image's recipe (below) changes: bump DERIVED_VERSION then.
  for t in "${tags[@]}"; do
    local label
    if ! label=$(docker image inspect -f '{{index .Config.Labels "org.shipshape.e2e"}}' "$t" 2>/dev/null); then missing=1; continue; fi
    # A real image under that tag (someone's own python:3.11-slim on their engine): never replace it.
    [ -z "$EXTERNAL" ] || { [ -n "$label" ] && [ "$label" != "<no value>" ]; } || cannot "the engine at DOCKER_HOST has its own $t, which the suite would replace with its offline stand-in: run it on a private engine (unset DOCKER_HOST)"
    [ "$label" = "$DERIVED_VERSION" ] || missing=1
  done
  [ $missing = 0 ] && return 0
  import_base "$base" "$name" "$extra"
  # The derived image: `python` as in the official images, and an offline pip.
  local dir="$STATE/derived-$name"
  rm -rf "$dir" && mkdir -p "$dir"
  cat >"$dir/pip" <<'EOF'
#!/bin/sh
# shipshape e2e base image: no package index is reachable while building fixtures, so
# requirements from an index are skipped (announced on stderr); local project paths
# (`pip install .`, `pip install /src`, `pip install -e .`, wheel files, and such lines of a -r
# file) are really installed, offline, without build isolation, where --user/--prefix/--target
# say; `pip wheel` builds local projects the same way.
if [ "$1" = wheel ]; then shift; exec python3 -m pip wheel --no-index --no-build-isolation --no-deps "$@"; fi
if [ "$1" != install ]; then exec python3 -m pip "$@"; fi
shift
local_paths=""; skipped=""; where=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target|-t|--prefix|--root) where="$where $1 $2"; shift 2 || shift ;;
    --target=*|--prefix=*|--root=*|--user) where="$where $1"; shift ;;
    -r|--requirement)
      # Its local paths (`-e .`, `./libs/x`), read relative to the working directory as pip does.
      if [ -f "$2" ]; then
        while IFS= read -r l || [ -n "$l" ]; do
          l=$(printf '%s' "$l" | sed 's/[[:space:]]#.*//; s/^#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//')
          case "$l" in
            "-e "*|"--editable "*) p=${l#* }; case "$p" in .|./*|../*|/*) local_paths="$local_paths -e $p" ;; esac ;;
            .|./*|../*|/*) local_paths="$local_paths $l" ;;
          esac
        done < "$2"
      fi
      skipped="$skipped $1 $2"; shift 2 || shift ;;
    -c|--constraint|-i|--index-url|--extra-index-url|-f|--find-links) skipped="$skipped $1 $2"; shift 2 || shift ;;
    -e|--editable) local_paths="$local_paths -e $2"; shift 2 || shift ;;
    -*) shift ;;
    .|./*|/*|../*) local_paths="$local_paths $1"; shift ;;
    *) skipped="$skipped $1"; shift ;;
  esac
done
[ -n "$skipped" ] && echo "e2e offline pip: not installing index requirements:$skipped" >&2
if [ -n "$local_paths" ]; then
  # shellcheck disable=SC2086
  exec python3 -m pip install --no-index --no-build-isolation --no-deps --break-system-packages --root-user-action=ignore $where $local_paths
fi
exit 0
EOF
  cat >"$dir/Dockerfile" <<EOF
FROM $base
COPY pip /usr/local/bin/pip
RUN chmod 755 /usr/local/bin/pip && ln -s pip /usr/local/bin/pip3 && ln -sf python3 /usr/bin/python
ENV LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1
LABEL org.shipshape.e2e=$DERIVED_VERSION
CMD ["python3"]
EOF
  local args=()
  for t in "${tags[@]}"; do args+=(-t "$t"); done
  DOCKER_BUILDKIT=0 docker build -q --network=none "${args[@]}" "$dir" >"$STATE/derived-$name.log" 2>&1 || { tail -5 "$STATE/derived-$name.log" >&2; cannot "building the derived base image failed"; }
  log "tagged ${tags[*]}"
}

EXTERNAL="" # set when the engine is someone else's (DOCKER_HOST): its own images are never replaced
cmd=${1:-start}
mkdir -p "$STATE"
case "$cmd" in
  start)
    t0=$SECONDS
    if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$SOCK" ] && answers; then
      log "using the engine at DOCKER_HOST=$DOCKER_HOST"
      EXTERNAL=1
    else
      ensure_tools
      start_daemon
    fi
    ensure_images
    log "ready in $((SECONDS - t0)) s"
    echo "DOCKER_HOST=$DOCKER_HOST"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid=$(cat "$PIDFILE")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$PIDFILE"
      log "stopped dockerd $pid"
    fi
    ;;
  status)
    export DOCKER_HOST=${DOCKER_HOST:-unix://$SOCK}
    answers
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
