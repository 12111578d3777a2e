#!/usr/bin/env bash
# Keeps the house style: clang-format must change nothing in any tracked C++ file, and clang-tidy (the checks
# in .clang-tidy, every warning an error) must pass on the C++ sources a change touches.
#
#   scripts/check-style.sh BUILD_DIR            format everything; tidy the .cpp files changed since BASE
#   scripts/check-style.sh BUILD_DIR --all      tidy every .cpp file of daemon/ and client/ instead
#
# BASE is $KINVAULT_TIDY_BASE when set (the last commit CI checked), else the merge-base with origin/main, or
# HEAD~1 when HEAD is on main already. BUILD_DIR must hold compile_commands.json (CMake writes it).
# Needs clang-format-14 and clang-tidy-14 (Debian packages of those names).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:?usage: scripts/check-style.sh BUILD_DIR [--all]}
mode=${2:-changed}
jobs=${KINVAULT_TIDY_JOBS:-$(nproc)}
status=0

echo "clang-format: every tracked .cpp and .h file" >&2
if ! git ls-files -z '*.cpp' '*.h' | xargs -0 -r clang-format-14 --dry-run -Werror; then
  echo "clang-format: the files above differ from .clang-format; run clang-format-14 -i on them" >&2
  status=1
fi

if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "clang-tidy: $build_dir/compile_commands.json is missing (configure with CMake first)" >&2
  exit 1
fi
# Only translation units the build knows, in the layers we write (not the tests' Catch2 expansions).
tidy_candidates() {
  git ls-files 'daemon/*.cpp' 'client/*.cpp'
}
if [ "$mode" = "--all" ]; then
  mapfile -t files < <(tidy_candidates)
else
  base=${KINVAULT_TIDY_BASE:-}
  if [ -z "$base" ] && git rev-parse -q --verify origin/main >/dev/null; then
    base=$(git merge-base HEAD origin/main)
  fi
  if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
    base=$(git rev-parse -q --verify HEAD~1 || true)
  fi
  if [ -z "$base" ]; then
    mapfile -t files < <(tidy_candidates)
  else
    echo "clang-tidy: files changed since $(git rev-parse --short "$base")" >&2
    mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- 'daemon/*.cpp' 'client/*.cpp')
  fi
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "clang-tidy: no C++ sources changed" >&2
  exit $status
fi
echo "clang-tidy: ${#files[@]} file(s), $jobs at a time" >&2
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
# One process per file, $jobs at a time; each file's output is kept apart so failures read cleanly.
printf '%s\n' "${files[@]}" |
  xargs -r -P "$jobs" -I{} sh -c \
    'out="$1/$(echo "$2" | tr / _).log"; clang-tidy-14 --quiet -p "$0" --warnings-as-errors="*" "$2" >"$out" 2>&1 || mv "$out" "$out.failed"' \
    "$build_dir" "$log_dir" {}
if ls "$log_dir"/*.failed >/dev/null 2>&1; then
  cat "$log_dir"/*.failed >&2
  echo "clang-tidy: $(ls "$log_dir"/*.failed | wc -l) file(s) failed the checks in .clang-tidy" >&2
  status=1
fi
exit $status
