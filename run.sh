#!/usr/bin/env bash
# Kinvault quick start: install what is missing, build, create a vault on first run, serve it.
# Extra arguments go to kinvaultd (for example: ./run.sh --port 9443).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
kinvault_ensure_packages "${KINVAULT_BUILD_PACKAGES[@]}"

# The browser pages serve pdf.js from daemon/web/node_modules (never a CDN).
kinvault_npm_ci daemon/web --omit=optional

BUILD_DIR=${KINVAULT_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINVAULT_TESTS=OFF -DKINVAULT_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target kinvaultd kinvault kinvault-pdf-worker

DATA=${KINVAULT_DATA_DIR:-$PWD/data}
KEY=${KINVAULT_VAULT_KEY_FILE:-$PWD/keys/kinvault-unseal.key}
EMAIL=${KINVAULT_ADMIN_EMAIL:-clinician@localhost}

if [ ! -f "$DATA/keyring" ]; then
  echo "First run: creating a vault in $DATA (unseal key file: $KEY)"
  if [ -z "${KINVAULT_PASSWORD:-}" ] && [ ! -t 0 ]; then
    # No terminal to ask on: make a strong password and keep it only in a private file.
    umask 077
    KINVAULT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    printf '%s\n' "$KINVAULT_PASSWORD" > keys/initial-clinician-password
    export KINVAULT_PASSWORD
    echo "The first clinician's password is in keys/initial-clinician-password (mode 0600)."
  fi
  "$BUILD_DIR/bin/kinvaultd" init --data "$DATA" --admin-email "$EMAIL" --key-file "$KEY"
  unset KINVAULT_PASSWORD
fi

echo "Sign in as $EMAIL: $BUILD_DIR/bin/kinvault --server https://localhost:PORT --ca $DATA/practice-root-ca.pem login $EMAIL"
exec "$BUILD_DIR/bin/kinvaultd" --data "$DATA" --key-file "$KEY" "$@"
