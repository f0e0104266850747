#!/usr/bin/env bash
# The one benchmark command: tlsterm against nginx, HAProxy and hitch on the same core.
#
#   sudo benchmarks/run.sh            # RUNS=3 (about 15-20 min on a 2-CPU machine)
#   sudo RUNS=5 benchmarks/run.sh     # more runs, narrower spreads
#
# It installs what is missing from Debian (nginx-light, haproxy, hitch, nghttp2-client for
# h2load, gnuplot-nox), builds tlsterm, lays its own test bed (TT_PREFIX, default "pb") and runs
# every workload on every terminator RUNS times (benchmarks/proxy_bench.sh does the work; every
# knob of it applies here). It writes benchmarks/results/proxy-<date>.md (the tables, ratios to
# nginx) and proxy-<date>.png (the chart), and copies both to results/latest.md and latest.png.
# It reports; it does not pass or fail (a run with anomalies keeps its logs and says so).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export RUNS=${RUNS:-3}
rc=0
bash "$here/proxy_bench.sh" >/dev/null || rc=$?
latest=$(ls -t "$here"/results/proxy-*.md 2>/dev/null | head -n 1)
if [ -n "$latest" ] && [ "$latest" -nt "$here/run.sh" ]; then
	cp "$latest" "$here/results/latest.md"
	png=${latest%.md}.png
	if [ -f "$png" ]; then
		cp "$png" "$here/results/latest.png"
		# latest.md names the chart next to it
		sed -i "s|($(basename "$png"))|(latest.png)|" "$here/results/latest.md"
	fi
	echo "run.sh: $latest (and results/latest.md, latest.png)" >&2
fi
exit "$rc"
