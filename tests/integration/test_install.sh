#!/usr/bin/env bash
# An installed Kinvault runs on its own: install the built tree into a temporary prefix, copy nothing else,
# create a vault and serve it from another directory, sign in with the installed CLI, upload a PDF and get
# the same bytes back, and load the pages and pdf.js. Usage: test_install.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kv-install-XXXXXX")
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/kinvaultd.log" ] && { echo "--- kinvaultd log:" >&2; tail -n 40 "$work/kinvaultd.log" >&2; }
  exit 1
}

prefix=$work/prefix
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"
for f in bin/kinvaultd bin/kinvault bin/kinvault-pdf-worker share/kinvault/templates/roi.kvt \
         share/kinvault/web/index.html share/kinvault/web/node_modules/pdfjs-dist/build/pdf.min.mjs \
         share/kinvault/web/node_modules/pdfjs-dist/build/pdf.worker.min.mjs; do
  [ -e "$prefix/$f" ] || fail "the install lacks $f"
done
# Only what the pages load comes from node_modules: no npm manifests, sources or maps.
if find "$prefix/share/kinvault/web" -name package.json -o -name '*.map' | grep -q .; then
  fail "npm manifests or source maps were installed"
fi

# From here on, nothing runs from the source or build tree.
mkdir -p "$work/elsewhere" "$work/home"
cd "$work/elsewhere"
export XDG_CONFIG_HOME=$work/home
export KINVAULT_PASSWORD=install-test-password-1
email=clinician@example.org
data=$work/vault

"$prefix/bin/kinvaultd" init --data "$data" --admin-email "$email" --admin-name "Dana Clinician" \
  --practice-name "Harbor Family Practice" --key-file "$work/unseal.key" >"$work/init.log" 2>&1 ||
  fail "kinvaultd init: $(cat "$work/init.log")"

"$prefix/bin/kinvaultd" --data "$data" --key-file "$work/unseal.key" --port 0 \
  >"$work/kinvaultd.out" 2>"$work/kinvaultd.log" &
daemon_pid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/kinvaultd.out" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || fail "the installed kinvaultd exited: $(cat "$work/kinvaultd.out")"
  sleep 0.1
done
[ -n "$port" ] || fail "the installed kinvaultd did not start listening"
url=https://localhost:$port
ca=$data/practice-root-ca.pem

kv() { "$prefix/bin/kinvault" "$@"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

kv --server "$url" --ca "$ca" login "$email" >"$work/login.log" 2>&1 || fail "kinvault login: $(cat "$work/login.log")"
case_id=$(kv --json case create "Installed family" | json_field id) || fail "kinvault case create"

# A two-page PDF with a correct cross-reference table.
python3 - "$work/intake.pdf" <<'PY'
import sys
objs = ["<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
for n, text in ((5, "Installed intake, page one"), (7, "page two")):
    objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                "/Contents %d 0 R >>" % n)
    stream = "BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
out = b"%PDF-1.7\n"
offsets = []
for i, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += ("%d 0 obj\n%s\nendobj\n" % (i, body)).encode()
xref = len(out)
out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode()
out += "".join("%010d 00000 n \n" % o for o in offsets).encode()
out += ("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)).encode()
open(sys.argv[1], "wb").write(out)
PY

doc_id=$(kv --json doc upload "$case_id" --type report --title "Intake" "$work/intake.pdf" | json_field id) ||
  fail "kinvault doc upload (is the PDF worker installed beside kinvaultd?)"
kv --json doc get "$doc_id" -o "$work/back.pdf" >/dev/null || fail "kinvault doc get"
cmp -s "$work/intake.pdf" "$work/back.pdf" || fail "the downloaded document differs from the uploaded one"

# The templates were found: the practice's templates are listed.
kv --json template list | grep -q '"roi"' || fail "the installed templates are not listed"

# The pages and the pdf.js build they load.
fetch() { curl --silent --show-error --fail --cacert "$ca" -o "$work/page" -w '%{content_type}' "$url$1"; }
type=$(fetch /) || fail "GET / failed"
case "$type" in text/html*) ;; *) fail "GET / answered $type" ;; esac
grep -qi '<html' "$work/page" || fail "GET / is not the index page"
type=$(fetch /node_modules/pdfjs-dist/build/pdf.min.mjs) || fail "GET pdf.min.mjs failed"
case "$type" in text/javascript*) ;; *) fail "pdf.min.mjs answered $type" ;; esac
cmp -s "$work/page" "$prefix/share/kinvault/web/node_modules/pdfjs-dist/build/pdf.min.mjs" ||
  fail "pdf.min.mjs is not the installed file"
fetch /assets/js/pdfview.js >/dev/null || fail "GET /assets/js/pdfview.js failed"
echo "installed kinvaultd, kinvault and the PDF worker work from $prefix"
