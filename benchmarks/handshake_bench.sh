#!/usr/bin/env bash
# Server-side cycles per TLS handshake in lib/tls's handshake driver: builds, runs
# build/benchmarks/handshake_bench pinned to one CPU, and writes the tables to stdout and to
# benchmarks/results/handshake-<UTC date and time>.md. Knobs (environment):
#   CPU (default 1), N handshakes per workload (2000), RUNS (3), BUILD=0 to skip the build,
#   BASELINE=<another handshake_bench binary> to run it interleaved with this one (before/after
#   in the same minutes), PERF=<workload substring> to also record a perf cpu-clock profile of
#   that workload and list its top symbols, ARGS="-t 1 -r 0" passed to the program.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=${CPU:-1}
n=${N:-2000}
runs=${RUNS:-3}
[ "${BUILD:-1}" = 0 ] || bash scripts/build.sh plain >&2
bin=build/benchmarks/handshake_bench
[ -x "$bin" ] || { echo "handshake_bench.sh: $bin missing (tests off?)" >&2; exit 1; }
mkdir -p benchmarks/results
out=benchmarks/results/handshake-$(date -u +%Y-%m-%dT%H%M).md
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")
read -r -a args <<<"${ARGS:-}"
{
	echo "# Server cycles per TLS handshake (lib/tls/tls_handshake.c, in-process)"
	echo
	echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib benchmarks || echo ' + local changes')"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) online"
	echo "- $(openssl version | cut -d' ' -f1-2); $n handshakes per workload and run; args: ${ARGS:-none}"
	echo "- pinned to CPU ${cpu}; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- **Noisy machine**: 2 shared cores, other people's builds and tests run at the same time;"
	echo "  compare rows of the same run; medians and minimums are steadier than maximums. Cycles"
	echo "  are TSC ticks of the server side only; the crypto floor is EVP alone, same process."
	for r in $(seq 1 "$runs"); do
		if [ -n "${BASELINE:-}" ]; then
			echo
			echo "## Run $r: baseline ($BASELINE)"
			echo
			"${pin[@]}" "$BASELINE" -n "$n" "${args[@]}"
		fi
		echo
		echo "## Run $r: this tree"
		echo
		"${pin[@]}" "$bin" -n "$n" "${args[@]}"
	done
	if [ -n "${PERF:-}" ]; then
		data=$(mktemp /tmp/hsbench.perf.XXXXXX)
		# DWARF unwinding: Debian's libssl/libcrypto have no frame pointers.
		perf record -q -e cpu-clock --call-graph dwarf,16384 -o "$data" "${pin[@]}" "$bin" \
			-n "$n" -o "$PERF" "${args[@]}" >/dev/null 2>&1
		echo
		echo "## perf (cpu-clock) of \"$PERF\": the server's samples only"
		echo
		echo '```'
		perf script --no-inline -i "$data" 2>/dev/null | /usr/bin/python3 benchmarks/hs_perf_report.py 30
		echo '```'
		rm -f "$data" "$data.old"
	fi
	echo
	echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "written: $out" >&2
