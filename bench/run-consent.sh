#!/usr/bin/env bash
# Listing the documents an attorney may see (issue 3, "Benchmark"): 2,000 cases, 50,000 documents and 10,000
# ROIs, then ten times that, seeded straight into a fresh vault through the store and the consent records;
# p50/p99/max of the decision-point listing, of Vault::list (what the API runs) and of the HTTPS call to
# kinvaultd. Targets: service p99 under 5 ms at 1x, and less than 2x growth from 1x to 10x.
#
# Usage: bench/run-consent.sh [kv_bench_consent_listing options, e.g. --cases 500 --scale 4 --no-https]
#        (KV_BUILD_DIR, KV_NO_BUILD, KV_BENCH_KEEP as for the other benchmarks)
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_build kinvaultd kinvault-pdf-worker kv_bench_consent_listing
bench_log "seeding and measuring (the 10x vault takes a few minutes to seed)"
machine_line
"$BIN/kv_bench_consent_listing" --work "$WORK/consent" --kinvaultd "$BIN/kinvaultd" "$@"
