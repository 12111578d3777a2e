#!/usr/bin/env bash
# Upload and download of 1 MiB and 20 MiB PDFs through kinvaultd's HTTPS API, beside nginx serving the same
# bytes over TLS on loopback, measured in the same run with the same client (curl, one kept-alive connection per
# batch). Also reports kinvaultd's peak resident set (VmHWM) before and after the 20 MiB transfers.
# Issue 2, item 14. Target: kinvault download throughput >= 0.5 x nginx's.
#
# Usage: bench/run-transfer.sh            (see bench/README.md; KV_BUILD_DIR, KV_NO_BUILD, KV_BENCH_KEEP)
#        ROUNDS=3 DL_SMALL=40 DL_LARGE=10 UL_SMALL=20 UL_LARGE=6 bench/run-transfer.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

ROUNDS="${ROUNDS:-3}"
DL_SMALL="${DL_SMALL:-40}"
DL_LARGE="${DL_LARGE:-10}"
UL_SMALL="${UL_SMALL:-20}"
UL_LARGE="${UL_LARGE:-6}"
SMALL=$((1 << 20))
LARGE=$((20 << 20))

bench_require curl:curl openssl:openssl nginx:nginx-light cmake:cmake
bench_build kinvaultd kinvault-pdf-worker kv_bench_make_pdf

bench_log "making the PDFs"
"$BIN/kv_bench_make_pdf" --pages 2 --size "$SMALL" "$WORK/doc-1m.pdf"
"$BIN/kv_bench_make_pdf" --pages 2 --size "$LARGE" "$WORK/doc-20m.pdf"

bench_log "starting kinvaultd"
bench_start_vault
TOKEN="$(kv_login)"
[[ -n "$TOKEN" ]] || bench_die "login failed"
CASE_ID="$(kv_post /api/v1/cases '{"name":"Transfer benchmark","mode":"closed"}' "$TOKEN" | json_field id)"

bench_log "starting nginx"
NGX="$WORK/nginx"
mkdir -p "$NGX/www/upload" "$NGX/logs" "$NGX/body"
cp "$WORK/doc-1m.pdf" "$WORK/doc-20m.pdf" "$NGX/www/"
# The same kind of certificate chain kinvaultd presents: an ECDSA P-256 leaf issued by a local root.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Bench nginx root" \
    -keyout "$NGX/root.key" -out "$NGX/root.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$NGX/tls.key" -out "$NGX/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$NGX/ext.cnf"
openssl x509 -req -in "$NGX/tls.csr" -CA "$NGX/root.pem" -CAkey "$NGX/root.key" -CAcreateserial -days 2 \
    -extfile "$NGX/ext.cnf" -out "$NGX/tls.pem" 2>/dev/null
NGX_PORT="$(bench_free_port)"
cat >"$NGX/nginx.conf" <<EOF
user $(id -un);
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    types { application/pdf pdf; }
    default_type application/octet-stream;
    client_body_temp_path $NGX/body;
    server {
        listen 127.0.0.1:$NGX_PORT ssl;
        server_name localhost;
        ssl_certificate $NGX/tls.pem;
        ssl_certificate_key $NGX/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $NGX/www;
        # Uploads: WebDAV PUT writes the body to a temporary file and renames it into place.
        location /upload/ {
            dav_methods PUT;
            client_max_body_size 64m;
        }
    }
}
EOF
nginx -p "$NGX" -e "$NGX/logs/error.log" -c "$NGX/nginx.conf" -g 'daemon off;' >"$NGX/logs/stdout.log" 2>&1 &
NGX_MASTER=$!
BENCH_PIDS+=("$NGX_MASTER")
NGX_URL="https://localhost:$NGX_PORT"
for _ in $(seq 1 100); do
    curl -s -o /dev/null --cacert "$NGX/root.pem" "$NGX_URL/doc-1m.pdf" && break
    sleep 0.05
done
curl -sS -o /dev/null --cacert "$NGX/root.pem" "$NGX_URL/doc-1m.pdf" || {
    cat "$NGX/logs/error.log" >&2
    bench_die "nginx did not start"
}
NGX_WORKER="$(tr -s ' ' '\n' <"/proc/$NGX_MASTER/task/$NGX_MASTER/children" | head -1)"
[[ -n "$NGX_WORKER" ]] || bench_die "cannot find the nginx worker process"

tls_line() { # URL CA: the negotiated protocol and cipher
    curl -sv -o /dev/null --http1.1 --cacert "$2" ${3:+-H "Authorization: Bearer $3"} "$1" 2>&1 |
        sed -n 's/^\* SSL connection using \(.*\)$/\1/p' | head -1
}

# On-CPU time of a server so far, in ns: every thread's (schedstat, ns resolution) plus its reaped children's
# (the PDF workers kinvaultd starts per upload; clock ticks). Wall-clock throughput on a shared machine depends
# on what else runs; CPU time per MiB does not, so both are printed.
cpu_ns() {
    local pid="$1" tick
    tick="$(getconf CLK_TCK)"
    {
        cat /proc/"$pid"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'
        awk -v t="$tick" '{ printf "%.0f\n", ($16 + $17) * 1e9 / t }' "/proc/$pid/stat"
    } | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# One batch: a single curl process, N transfers over one kept-alive HTTP/1.1 connection. Appends
# "seconds" per transfer that reused the connection (the first, which pays the TLS handshake, is left out)
# to OUTFILE, and "cpu_ns bytes" of the server for the whole batch to OUTFILE.cpu.
# Usage: batch OUTFILE EXPECTED_STATUS N SERVER_PID BYTES CA TOKEN METHOD URL [UPLOAD_FILE]
batch() {
    local out="$1" want="$2" n="$3" pid="$4" bytes="$5" ca="$6" token="$7" method="$8" url="$9" upload="${10:-}"
    local cfg cpu0 cpu1
    cfg="$WORK/curl.cfg"
    : >"$cfg"
    for _ in $(seq 1 "$n"); do
        printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$cfg"
        if [[ -n "$upload" ]]; then
            printf 'upload-file = "%s"\n' "$upload" >>"$cfg"
        fi
    done
    local post=()
    [[ "$method" == POST ]] && post=(-X POST)
    cpu0="$(cpu_ns "$pid")"
    curl -sS --http1.1 --cacert "$ca" ${token:+-H "Authorization: Bearer $token"} "${post[@]}" \
        -w '%{http_code} %{time_total} %{num_connects}\n' -K "$cfg" >"$WORK/batch.out"
    cpu1="$(cpu_ns "$pid")"
    echo "$((cpu1 - cpu0)) $((n * bytes))" >>"$out.cpu"
    if awk -v want="$want" '$1 !~ want { bad = 1 } END { exit !bad }' "$WORK/batch.out"; then
        cat "$WORK/batch.out" >&2
        bench_die "unexpected status from $method $url"
    fi
    awk '$3 == 0 { print $2 }' "$WORK/batch.out" >>"$out"
}

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
count() { wc -l <"$1" | tr -d ' '; }
cpu_per_mib() { awk '{ c += $1; b += $2 } END { printf "%.3f\n", c / 1e6 / (b / 1048576) }' "$1"; }
# Resets a process's peak resident set to its current one (proc(5), clear_refs value 5).
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }

RESULTS="$WORK/results.txt"
: >"$RESULTS"
# Measures one size: ROUNDS rounds, each with a download and an upload batch against each server, alternating
# which server goes first so drift (page cache, CPU frequency) does not favour one.
measure() {
    local label="$1" bytes="$2" file="$3" dl_n="$4" ul_n="$5" doc r
    doc="$(curl -sS --fail-with-body --cacert "$KV_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/pdf' \
        --data-binary "@$file" "$KV_URL/api/v1/cases/$CASE_ID/documents?type=other&title=download-$label&filename=d.pdf" |
        json_field id)"
    [[ -n "$doc" ]] || bench_die "uploading the $label download document failed"
    rm -f "$WORK"/t-*
    for r in $(seq 1 "$ROUNDS"); do
        local order=(nginx kinvault)
        ((r % 2 == 0)) && order=(kinvault nginx)
        for server in "${order[@]}"; do
            if [[ "$server" == nginx ]]; then
                batch "$WORK/t-dl-nginx" '^200$' "$dl_n" "$NGX_WORKER" "$bytes" "$NGX/root.pem" "" GET \
                    "$NGX_URL/$(basename "$file")"
                batch "$WORK/t-ul-nginx" '^20[14]$' "$ul_n" "$NGX_WORKER" "$bytes" "$NGX/root.pem" "" PUT \
                    "$NGX_URL/upload/u-$label.pdf" "$file"
            else
                batch "$WORK/t-dl-kinvault" '^200$' "$dl_n" "$KV_PID" "$bytes" "$KV_CA" "$TOKEN" GET \
                    "$KV_URL/api/v1/documents/$doc/content"
                batch "$WORK/t-ul-kinvault" '^201$' "$ul_n" "$KV_PID" "$bytes" "$KV_CA" "$TOKEN" POST \
                    "$KV_URL/api/v1/cases/$CASE_ID/documents?type=other&title=upload-$label&filename=u.pdf" "$file"
            fi
        done
    done
    local op
    for op in dl ul; do
        local mk mn
        mk="$(median "$WORK/t-$op-kinvault")"
        mn="$(median "$WORK/t-$op-nginx")"
        printf '%s %s %s %s %s %s %s %s %s\n' "$op" "$label" "$bytes" "$mn" "$(count "$WORK/t-$op-nginx")" "$mk" \
            "$(count "$WORK/t-$op-kinvault")" "$(cpu_per_mib "$WORK/t-$op-nginx.cpu")" \
            "$(cpu_per_mib "$WORK/t-$op-kinvault.cpu")" >>"$RESULTS"
    done
}

# The daemon's lifetime peak is set by the Argon2id password hash at login (64 MiB of memory-hard work), which
# would hide a 20 MiB buffer; so the peak is reset before each size and read after it.
read -r HWM_START RSS_START <<<"$(proc_mem_kib "$KV_PID")"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
bench_log "measuring 1 MiB ($ROUNDS rounds)"
reset_peak "$KV_PID"
measure 1MiB "$SMALL" "$WORK/doc-1m.pdf" "$DL_SMALL" "$UL_SMALL"
read -r HWM_SMALL RSS_SMALL <<<"$(proc_mem_kib "$KV_PID")"
bench_log "measuring 20 MiB ($ROUNDS rounds)"
reset_peak "$KV_PID"
measure 20MiB "$LARGE" "$WORK/doc-20m.pdf" "$DL_LARGE" "$UL_LARGE"
read -r HWM_LARGE RSS_LARGE <<<"$(proc_mem_kib "$KV_PID")"
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Kinvault transfer benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine_line)"
echo "load average (1/5/15 min): $LOAD_START at the start, $LOAD_END at the end"
echo "client:  $(curl --version | head -1 | cut -d' ' -f1-2), HTTP/1.1, one kept-alive connection per batch, body to /dev/null"
echo "kinvaultd TLS: $(tls_line "$KV_URL/api/v1/health" "$KV_CA")"
echo "nginx $(nginx -v 2>&1 | sed 's|.*nginx/||') TLS: $(tls_line "$NGX_URL/doc-1m.pdf" "$NGX/root.pem") (worker_processes 1, upload = WebDAV PUT)"
echo "median per transfer over $ROUNDS rounds; server CPU = on-CPU time of the server process (kinvaultd: with its PDF workers)"
echo
printf '%-9s %-6s %11s %11s %9s %9s %9s %11s %11s %s\n' op size "nginx MiB/s" "kv MiB/s" "nginx ms" "kv ms" "kv/nginx" \
    "nginx CPU" "kv CPU" "(transfers)"
printf '%-9s %-6s %11s %11s %9s %9s %9s %11s %11s\n' "" "" "" "" "" "" "" "ms/MiB" "ms/MiB"
while read -r op label bytes mn nn mk nk cn ck; do
    awk -v op="$op" -v label="$label" -v b="$bytes" -v mn="$mn" -v mk="$mk" -v nn="$nn" -v nk="$nk" -v cn="$cn" \
        -v ck="$ck" 'BEGIN {
        tn = b / 1048576 / mn; tk = b / 1048576 / mk; ratio = tk / tn
        verdict = ""
        if (op == "dl") { verdict = ratio >= 0.5 ? "  target >= 0.50: met" : "  target >= 0.50: MISSED" }
        printf "%-9s %-6s %11.1f %11.1f %9.1f %9.1f %9.2f %11.2f %11.2f (%d/%d)%s\n", (op == "dl" ? "download" : "upload"),
            label, tn, tk, mn * 1000, mk * 1000, ratio, cn, ck, nn, nk, verdict
    }'
done <"$RESULTS"
echo
awk -v h0="$HWM_START" -v r0="$RSS_START" -v hs="$HWM_SMALL" -v rs="$RSS_SMALL" -v hl="$HWM_LARGE" -v rl="$RSS_LARGE" 'BEGIN {
    printf "kinvaultd resident set (MiB)        peak (VmHWM)   now (VmRSS)\n"
    printf "  after start-up and login             %8.1f      %8.1f   (peak: Argon2id at login)\n", h0 / 1024, r0 / 1024
    printf "  during the 1 MiB transfers           %8.1f      %8.1f\n", hs / 1024, rs / 1024
    printf "  during the 20 MiB transfers          %8.1f      %8.1f\n", hl / 1024, rl / 1024
    printf "  peak growth from 1 MiB to 20 MiB documents: %+.1f MiB (documents grew by 19 MiB)\n", (hl - hs) / 1024
}'
echo "(The PDF worker that parses each upload is a separate, short-lived process: not in kinvaultd's resident set.)"
