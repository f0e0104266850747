#!/usr/bin/env bash
# AEAD engine throughput (lib/tls): builds, runs build/benchmarks/crypto_bench
# pinned to one CPU, and writes the table to stdout and to
# benchmarks/results/crypto-<UTC date and time>.md. Knobs: CPU (default 1),
# BUILD=0 to skip the build.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=${CPU:-1}
[ "${BUILD:-1}" = 0 ] || bash scripts/build.sh plain >&2
bin=build/benchmarks/crypto_bench
[ -x "$bin" ] || { echo "crypto_bench.sh: $bin missing (tests off?)" >&2; exit 1; }
mkdir -p benchmarks/results
out=benchmarks/results/crypto-$(date -u +%Y-%m-%dT%H%M).md
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")
{
	echo "# AEAD engines: seal / open throughput"
	echo
	echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib benchmarks || echo ' + local changes')"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) online"
	echo "- ipsec-mb $(sed -n 's/^#define IMB_VERSION_STR "\(.*\)"/\1/p' /usr/include/intel-ipsec-mb.h), $(openssl version | cut -d' ' -f1-2)"
	echo "- pinned to CPU ${cpu}; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- **Noisy machine**: 2 shared cores, other people's builds and tests run at the same time;"
	echo "  compare rows of the same run, and trust the best-of figures (in parentheses) more than"
	echo "  the medians. Cycles are TSC ticks, not core cycles (turbo/frequency changes show up)."
	echo
	"${pin[@]}" "$bin"
	echo
	echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "written: $out" >&2
