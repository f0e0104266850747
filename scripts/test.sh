#!/usr/bin/env bash
# Every test, on a fresh Debian 12 machine as root:
#   unit tests (cmocka, real mbufs, AddressSanitizer + UBSan),
#   integration tests (test bed namespaces, unmodified kernel peers),
#   fuzz targets (libFuzzer, a short run each; FUZZ_SECONDS, default 30).
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${FUZZ_SECONDS:-30}
passed=0
failed=0
failures=()

result() { # name status
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok    $1"
	else
		failed=$((failed + 1))
		failures+=("$1")
		echo "FAIL  $1"
	fi
}

bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
for flavour in plain asan fuzz; do
	bash scripts/build.sh "$flavour" || { result "build:$flavour" 1; echo "$passed passed, $failed failed"; exit 1; }
done

echo "== unit tests (ASan + UBSan)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
units=$(find build-asan/tests -maxdepth 1 -type f -name 'test_*' -perm -u+x 2>/dev/null | sort)
[ -n "$units" ] || result "unit:tests-built" 1
for bin in $units; do
	name=unit:$(basename "$bin")
	out=$(timeout 300 "$bin" 2>&1)
	rc=$?
	# cmocka's own summary gives the per-case counts.
	ok=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	bad=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$ok" ] && [ -z "$bad" ]; then
		passed=$((passed + ok))
		echo "ok    $name ($ok cases)"
	else
		printf '%s\n' "$out" | tail -n 40
		passed=$((passed + ${ok:-0}))
		failed=$((failed + ${bad:-1}))
		failures+=("$name")
		echo "FAIL  $name (exit $rc)"
	fi
done

echo "== integration tests (test bed, kernel peers)"
export TT_BIN=$PWD/build/app/tlsterm/tlsterm
for t in tests/integration/test_*.sh; do
	out=$(timeout 600 bash "$t" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -n 40
	result "integration:$(basename "$t" .sh)" "$rc"
done

echo "== fuzz targets (${fuzz_seconds}s each)"
fuzzers=$(find build-fuzz/tests/fuzz -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
[ -n "$fuzzers" ] || result "fuzz:targets-built" 1
for bin in $fuzzers; do
	name=$(basename "$bin")
	scratch=$(mktemp -d)
	mkdir -p build-fuzz/artifacts
	# New inputs go to the scratch folder; the seeds in the tree stay as they are.
	out=$(ASAN_OPTIONS=detect_leaks=1 timeout $((fuzz_seconds + 120)) "$bin" \
		-max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=4096 -artifact_prefix=build-fuzz/artifacts/ \
		"$scratch" "tests/fuzz/corpus/$name" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -n 40
	printf '%s\n' "$out" | grep -E '^#[0-9]+.*DONE' | sed "s/^/      $name: /"
	rm -rf "$scratch"
	result "fuzz:$name" "$rc"
done

if [ "$failed" -ne 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
