# Debian 12 packages Kinvault needs, shared by run.sh and test.sh. Source this file.
KINVAULT_BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libpoco-dev libsodium-dev libbotan-2-dev libpodofo-dev libseccomp-dev libssl-dev libcli11-dev
  fonts-dejavu-core
  nodejs npm
)
# kinvault_npm_ci DIR : installs DIR's npm packages exactly as its package-lock.json says (pdf.js for the pages,
# playwright-core and axe-core for the browser tests), skipped when node_modules is newer than the lock.
kinvault_npm_ci() {
  local dir=$1
  shift
  if [ -d "$dir/node_modules" ] && [ "$dir/node_modules" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@" >&2 && touch node_modules)
}

# Tools the tests check our output with (tools we did not write) and the peers the benchmarks compare with.
KINVAULT_TEST_PACKAGES=(
  catch2 poppler-utils qpdf openssl libnss3-tools nginx-light python3 python3-aiosmtpd
  chromium nodejs npm
)

# kinvault_ensure_packages PKG... : installs what is missing (as root), or prints the one command to run.
kinvault_ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    # Node.js may already come from elsewhere (e.g. NodeSource's nodejs, which bundles npm and conflicts with
    # Debian's npm package): a working command is as good as the package.
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
      chromium) command -v chromium >/dev/null 2>&1 && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "Kinvault needs these Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}
