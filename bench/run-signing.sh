#!/usr/bin/env bash
# Whole-process time of one PDF signature: `kinvault sign-local` against poppler's `pdfsig -add-signature` (NSS)
# and the npm package @signpdf/signpdf, on the same 3-page and 50-page PDFs with the same RSA-2048 key, measured
# in one run; then the latency of one signature through the daemon (POST /api/v1/envelopes/{env}/sign).
# Issue 4, "Benchmark". Target: kinvault faster than both peers.
#
# Why RSA-2048: pdfsig 22.12 signs ECDSA P-256 intermittently wrong and @signpdf cannot read an ECDSA key from a
# PKCS#12 file (both seen while building Kinvault's signing), so the common ground is RSA. kinvault with ECDSA P-256 (what the
# daemon issues to signers) is shown as an extra row. pdfsig refuses -etsi with -add-signature, so it writes
# adbe.pkcs7.detached; kinvault and @signpdf write ETSI.CAdES.detached.
#
# Usage: bench/run-signing.sh   (RUNS=30 WARMUP=3 ENVELOPE_RUNS=7; KV_BUILD_DIR, KV_NO_BUILD, KV_BENCH_KEEP)
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
ENVELOPE_RUNS="${ENVELOPE_RUNS:-7}"

bench_require curl:curl openssl:openssl pdfsig:poppler-utils certutil:libnss3-tools pk12util:libnss3-tools \
    node:nodejs npm:npm cmake:cmake
# hyperfine is in Debian 12; without it (not root, no apt) the script times its own loop and takes medians.
if ! command -v hyperfine >/dev/null && [[ "$(id -u)" == 0 ]]; then
    bench_require hyperfine:hyperfine || true
fi
bench_build kinvault kinvaultd kinvault-pdf-worker kv_bench_make_pdf kv_bench_envelope_sign

NODE_DIR="$BENCH_DIR/node"
if [[ ! -d "$NODE_DIR/node_modules/@signpdf/signpdf" ]]; then
    bench_log "installing @signpdf into bench/node (npm ci)"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund >"$WORK/npm.log" 2>&1) || {
        cat "$WORK/npm.log" >&2
        bench_die "npm ci failed"
    }
fi

bench_log "making the PDFs and keys"
"$BIN/kv_bench_make_pdf" --pages 3 "$WORK/doc-3p.pdf"
"$BIN/kv_bench_make_pdf" --pages 50 "$WORK/doc-50p.pdf"

K="$WORK/keys"
mkdir -p "$K"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Bench Root CA" -keyout "$K/root.key" \
    -out "$K/root.pem" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
    >"$K/signer.ext"
issue() { # NAME KEYGEN-ARGS...: a signer key (PKCS#8 PEM, unencrypted) and certificate from the root
    local name="$1"
    shift
    openssl genpkey "$@" -out "$K/$name.key" 2>/dev/null
    openssl req -new -key "$K/$name.key" -subj "/CN=Bench Signer/emailAddress=bench@bench.invalid" \
        -out "$K/$name.csr"
    openssl x509 -req -in "$K/$name.csr" -CA "$K/root.pem" -CAkey "$K/root.key" -CAcreateserial -days 2 \
        -extfile "$K/signer.ext" -out "$K/$name.pem" 2>/dev/null
}
issue rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
issue ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
# @signpdf: the same RSA key in PKCS#12 with an empty password. pdfsig: the same, in a passwordless NSS db
# (a db password costs pdfsig about 65 ms a signature; kinvault's PEM key is not encrypted either).
openssl pkcs12 -export -inkey "$K/rsa.key" -in "$K/rsa.pem" -certfile "$K/root.pem" -name bench-signer \
    -passout pass: -out "$K/rsa.p12"
mkdir -p "$K/nss"
certutil -N -d "sql:$K/nss" --empty-password
pk12util -i "$K/rsa.p12" -d "sql:$K/nss" -W '' >/dev/null
certutil -A -n "Bench Root CA" -t "CT,C,C" -i "$K/root.pem" -d "sql:$K/nss"

# name|command (split on whitespace, no shell) with @IN@ and @OUT@ placeholders
TOOLS=(
    "kinvault|$BIN/kinvault sign-local --key $K/rsa.key --cert $K/rsa.pem --chain $K/root.pem @IN@ @OUT@"
    "pdfsig|pdfsig -nssdir sql:$K/nss -add-signature -nick bench-signer @IN@ @OUT@"
    "signpdf|node $NODE_DIR/sign.js $K/rsa.p12 @IN@ @OUT@"
    "kinvault-p256|$BIN/kinvault sign-local --key $K/ec.key --cert $K/ec.pem --chain $K/root.pem @IN@ @OUT@"
)
tool_cmd() { # TOOL-ENTRY IN OUT
    local cmd="${1#*|}"
    cmd="${cmd//@IN@/$2}"
    echo "${cmd//@OUT@/$3}"
}

# Every tool must really produce a valid signature before it is timed.
bench_log "checking every tool's output with pdfsig"
for doc in 3p 50p; do
    for t in "${TOOLS[@]}"; do
        name="${t%%|*}"
        out="$WORK/check-$name-$doc.pdf"
        read -ra cmd <<<"$(tool_cmd "$t" "$WORK/doc-$doc.pdf" "$out")"
        "${cmd[@]}" >"$WORK/check.log" 2>&1 || {
            cat "$WORK/check.log" >&2
            bench_die "$name failed to sign the $doc PDF"
        }
        pdfsig -nocert "$out" 2>/dev/null | grep -q "Signature is Valid." ||
            bench_die "pdfsig does not accept the signature $name made on the $doc PDF"
    done
done

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Prints "name median_seconds min_seconds" per tool for one document.
time_tools() {
    local doc="$1" t name
    if command -v hyperfine >/dev/null; then
        local args=()
        for t in "${TOOLS[@]}"; do
            name="${t%%|*}"
            args+=(-n "$name" "$(tool_cmd "$t" "$WORK/doc-$doc.pdf" "$WORK/out-$name-$doc.pdf")")
        done
        hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style none --export-csv "$WORK/hf-$doc.csv" "${args[@]}" \
            >"$WORK/hf-$doc.log" 2>&1 || {
            cat "$WORK/hf-$doc.log" >&2
            bench_die "hyperfine failed"
        }
        # command,mean,stddev,median,user,system,min,max
        awk -F, 'NR > 1 { print $1, $4, $7, $5 + $6 }' "$WORK/hf-$doc.csv"
    else
        local i r s e cmd
        for t in "${TOOLS[@]}"; do
            name="${t%%|*}"
            : >"$WORK/loop-$name"
        done
        # Interleaved, so drift on a shared machine hits every tool alike.
        for ((i = 0; i < WARMUP + RUNS; i++)); do
            for t in "${TOOLS[@]}"; do
                name="${t%%|*}"
                read -ra cmd <<<"$(tool_cmd "$t" "$WORK/doc-$doc.pdf" "$WORK/out-$name-$doc.pdf")"
                s=$(date +%s%N)
                "${cmd[@]}" >/dev/null 2>&1
                e=$(date +%s%N)
                ((i >= WARMUP)) && echo "$(((e - s) / 1000))e-6" >>"$WORK/loop-$name"
            done
        done
        for t in "${TOOLS[@]}"; do
            name="${t%%|*}"
            r="$(median_of <"$WORK/loop-$name")"
            echo "$name $r $(sort -g "$WORK/loop-$name" | head -1) -"
        done
    fi
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
bench_log "timing sign-local, pdfsig and @signpdf ($RUNS runs each after $WARMUP warm-up runs)"
time_tools 3p >"$WORK/times-3p.txt"
time_tools 50p >"$WORK/times-50p.txt"

bench_log "starting kinvaultd for the envelope signatures"
bench_start_vault
"$BIN/kv_bench_envelope_sign" --server "$KV_URL" --ca "$KV_CA" --email "$BENCH_EMAIL" --runs "$ENVELOPE_RUNS" \
    "3-page=$WORK/doc-3p.pdf" "50-page=$WORK/doc-50p.pdf" >"$WORK/envelope.txt" 2>"$WORK/envelope.err" || {
    cat "$WORK/envelope.err" >&2
    tail -20 "$WORK/kinvaultd.log" >&2
    bench_die "the envelope benchmark failed"
}
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Kinvault signing benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine_line)"
echo "load average (1/5/15 min): $LOAD_START at the start, $LOAD_END at the end"
echo "timer: $(command -v hyperfine >/dev/null && hyperfine --version || echo "own loop (hyperfine not installed)"), $RUNS runs after $WARMUP warm-up, whole process, medians"
echo "peers: $(pdfsig -v 2>&1 | head -1) with NSS $(dpkg-query -W -f='${Version}' libnss3 2>/dev/null) (adbe.pkcs7.detached; -etsi is refused with -add-signature);"
echo "       @signpdf/signpdf $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$NODE_DIR/node_modules/@signpdf/signpdf/package.json") on node $(node --version) (ETSI.CAdES.detached); kinvault: ETSI.CAdES.detached"
echo "input: $(stat -c %s "$WORK/doc-3p.pdf") bytes (3 pages), $(stat -c %s "$WORK/doc-50p.pdf") bytes (50 pages); every output checked with pdfsig"
echo
printf '%-28s %10s %10s %14s %14s %17s\n' "signer (key)" "3-page ms" "50-page ms" "3-page: x kv" "50-page: x kv" \
    "CPU ms 3p / 50p"
kv3="$(awk '$1 == "kinvault" { print $2 }' "$WORK/times-3p.txt")"
kv50="$(awk '$1 == "kinvault" { print $2 }' "$WORK/times-50p.txt")"
for t in "${TOOLS[@]}"; do
    name="${t%%|*}"
    m3="$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/times-3p.txt")"
    m50="$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/times-50p.txt")"
    c3="$(awk -v n="$name" '$1 == n { print $4 }' "$WORK/times-3p.txt")"
    c50="$(awk -v n="$name" '$1 == n { print $4 }' "$WORK/times-50p.txt")"
    case "$name" in
    kinvault) label="kinvault sign-local (RSA)" ;;
    pdfsig) label="pdfsig (RSA)" ;;
    signpdf) label="@signpdf (RSA)" ;;
    kinvault-p256) label="kinvault sign-local (P-256)" ;;
    esac
    awk -v l="$label" -v a="$m3" -v b="$m50" -v ka="$kv3" -v kb="$kv50" -v n="$name" -v c3="$c3" -v c50="$c50" 'BEGIN {
        ra = a / ka; rb = b / kb
        note = (n == "pdfsig" || n == "signpdf") ? (ra > 1 && rb > 1 ? "  kinvault faster: met" : "  kinvault faster: MISSED") : ""
        cpu = c3 == "-" ? "-" : sprintf("%.1f / %.1f", c3 * 1000, c50 * 1000)
        printf "%-28s %10.1f %10.1f %13.2fx %13.2fx %17s%s\n", l, a * 1000, b * 1000, ra, rb, cpu, note
    }'
done
echo "(x kv = that signer's median wall time / kinvault sign-local RSA median; above 1 means kinvault is faster."
echo " CPU = mean user + system time of the process, which depends less on what else the machine runs)"
echo
echo "Per-signature latency through kinvaultd (POST /api/v1/envelopes/{env}/sign, kept-alive TLS, ECDSA P-256"
echo "practice-issued keys; each call also re-checks the signer's password, stamps, signs in the PDF worker, stores"
echo "the new version encrypted and appends to the audit log):"
cat "$WORK/envelope.txt"
