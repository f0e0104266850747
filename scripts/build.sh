#!/usr/bin/env bash
# Configure (once) and build one flavour of tlsterm. Usage: build.sh [plain|asan|fuzz]
#   plain -> build/        the binary the demo and integration tests run
#   asan  -> build-asan/   unit tests under AddressSanitizer + UBSan
#   fuzz  -> build-fuzz/   libFuzzer targets (clang)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-plain}
case "$flavour" in
plain) dir=build; env=(); opts=() ;;
asan) dir=build-asan; env=(); opts=(-Db_sanitize=address,undefined) ;;
fuzz) dir=build-fuzz; env=(CC=clang); opts=(-Dfuzz=true -Dtests=false -Db_sanitize=address,undefined) ;;
*) echo "usage: $0 [plain|asan|fuzz]" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
	env "${env[@]}" meson setup "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1 ||
		{ cat "$dir.setup.log" >&2; exit 1; }
fi
ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log" >&2; exit 1; }
echo "build: $dir ok"
