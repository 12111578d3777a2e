#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite (unit, integration, browser).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
kinvault_ensure_packages "${KINVAULT_BUILD_PACKAGES[@]}" "${KINVAULT_TEST_PACKAGES[@]}"

# The pages serve pdf.js from daemon/web/node_modules; the browser tests need playwright-core and axe-core.
kinvault_npm_ci daemon/web --omit=optional
kinvault_npm_ci tests/e2e

BUILD_DIR=${KINVAULT_BUILD_DIR:-build-test}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINVAULT_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" "$@"
