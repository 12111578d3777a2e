# shellcheck shell=bash
# Shared by bench/run-transfer.sh and bench/run-signing.sh (sourced, not run).
# Environment:
#   KV_BUILD_DIR   build directory to use (default: <repo>/build); the scripts build only the targets they need
#   KV_NO_BUILD=1  use the binaries already in KV_BUILD_DIR/bin
#   KV_BENCH_KEEP=1 keep the scratch directory (vault, PDFs, logs) for a look afterwards

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
BUILD_DIR="${KV_BUILD_DIR:-$REPO_DIR/build}"
BIN="$BUILD_DIR/bin"

bench_log() { printf '== %s\n' "$*" >&2; }
bench_die() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# Installs Debian packages that provide missing commands: "command:package" pairs.
bench_require() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd="${pair%%:*}"
        pkg="${pair#*:}"
        if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "$cmd" ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        bench_log "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
            { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
    else
        bench_die "missing tools; run: sudo apt-get install -y ${missing[*]}"
    fi
}

# Builds the given CMake targets in BUILD_DIR with -j2 (the reference machine has 2 cores).
bench_build() {
    if [[ "${KV_NO_BUILD:-0}" == 1 ]]; then
        return 0
    fi
    bench_log "building $* in $BUILD_DIR"
    cmake -S "$REPO_DIR" -B "$BUILD_DIR" >/dev/null
    make -C "$BUILD_DIR" -j2 "$@" >"$WORK/build.log" 2>&1 || {
        tail -30 "$WORK/build.log" >&2
        bench_die "build failed (log: $WORK/build.log)"
    }
}

# Scratch directory and the processes this script starts; both are cleaned up on exit.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kv-bench.XXXXXX")"
BENCH_PIDS=()
bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KV_BENCH_KEEP:-0}" == 1 ]]; then
        bench_log "scratch directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap bench_cleanup EXIT

BENCH_PASSWORD="bench-password-$RANDOM$RANDOM"
BENCH_EMAIL="clinician@bench.invalid"
export KINVAULT_PASSWORD="$BENCH_PASSWORD"

# Creates a vault in $WORK/vault and starts kinvaultd on a free loopback port.
# Sets KV_PID, KV_URL, KV_CA.
bench_start_vault() {
    "$BIN/kinvaultd" init --data "$WORK/vault" --admin-email "$BENCH_EMAIL" --key-file "$WORK/unseal.key" \
        >"$WORK/init.log" 2>&1 || {
        cat "$WORK/init.log" >&2
        bench_die "kinvaultd init failed"
    }
    "$BIN/kinvaultd" --data "$WORK/vault" --key-file "$WORK/unseal.key" --port 0 \
        >"$WORK/kinvaultd.log" 2>&1 &
    KV_PID=$!
    BENCH_PIDS+=("$KV_PID")
    local port=""
    for _ in $(seq 1 200); do
        port="$(sed -n 's|^kinvaultd listening on https://127.0.0.1:\([0-9]*\)$|\1|p' "$WORK/kinvaultd.log")"
        [[ -n "$port" ]] && break
        kill -0 "$KV_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z "$port" ]]; then
        cat "$WORK/kinvaultd.log" >&2
        bench_die "kinvaultd did not start"
    fi
    KV_URL="https://localhost:$port"
    KV_CA="$WORK/vault/practice-root-ca.pem"
}

# Prints the value of a top-level string field of a JSON object (the daemon's answers are flat enough).
json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# POSTs JSON to the daemon with an optional bearer token; prints the body.
kv_post() {
    local path="$1" body="$2" token="${3:-}"
    curl -sS --fail-with-body --cacert "$KV_CA" ${token:+-H "Authorization: Bearer $token"} \
        -H 'Content-Type: application/json' --data-binary "$body" "$KV_URL$path"
}

# Logs the clinician in; prints the bearer token.
kv_login() {
    kv_post /api/v1/sessions "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" | json_field token
}

# A free TCP port on 127.0.0.1 (nothing answers a connect to it).
bench_free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
}

# Peak and current resident set of a process, in KiB: "HWM RSS".
proc_mem_kib() {
    awk '/^VmHWM:/ {h=$2} /^VmRSS:/ {r=$2} END {print h, r}' "/proc/$1/status"
}

machine_line() {
    local cpu
    cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    printf '%s, %s cores, %s GiB RAM, %s, kernel %s\n' "$cpu" "$(nproc)" \
        "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" \
        "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
}
