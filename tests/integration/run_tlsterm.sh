# Sourced by integration tests: write a config for the test bed, start
# tlsterm on it, stop it and check it exited cleanly.
# Needs: TT_BIN (the tlsterm binary), TT_WORK (a scratch folder). TT_KEEP=1 keeps TT_WORK
# after a passing run too.

# tt_write_config FILE [extra top-level YAML...]  (ports follow TT_PREFIX, default tt)
# A deeper af_packet ring than the PMD's default 512 frames, so bursts from the kernel
# peer are not lost before tlsterm sees them.
AF_RING="blocksz=4096,framesz=2048,framecnt=8192"

# Optional: TT_LCORES (default "0-1"), TT_QPAIRS (queue pairs per port, default 1),
# TT_EDGE_IMPAIR (a YAML flow mapping for the edge port's impair:), TT_IPV6=1 (the ports get
# 2001:2:0:18::1/64 and 2001:2:0:19::1/64 beside their IPv4 addresses), TT_EDGE_EXTRA and
# TT_INSIDE_EXTRA (more keys for that port's flow mapping, e.g. ', ipv6_gateway: "..."').
tt_write_config() {
	local file=$1
	shift
	local ring="$AF_RING,qpairs=${TT_QPAIRS:-1}"
	local impair=""
	local v6e="" v6i=""
	[ -n "${TT_EDGE_IMPAIR:-}" ] && impair=", impair: $TT_EDGE_IMPAIR"
	if [ "${TT_IPV6:-0}" = 1 ]; then
		v6e=', ipv6: "2001:2:0:18::1/64"'
		v6i=', ipv6: "2001:2:0:19::1/64"'
	fi
	cat >"$file" <<YAML
dpdk:
  lcores: "${TT_LCORES:-0-1}"
  memory_mb: 512
  no_huge: true
  eal_args: ["--no-shconf", "--log-level=notice"]
ports:
  - { name: edge, device: "net_af_packet0,iface=${TT_PREFIX:-tt}-edge,$ring", ipv4: 198.18.0.1/16$v6e$impair${TT_EDGE_EXTRA:-} }
  - { name: inside, device: "net_af_packet1,iface=${TT_PREFIX:-tt}-inside,$ring", ipv4: 198.19.0.1/16$v6i${TT_INSIDE_EXTRA:-} }
log: { level: info }
mbufs_per_worker: 32767
YAML
	local extra
	for extra in "$@"; do
		printf '%s\n' "$extra" >>"$file"
	done
}

# tt_start CONFIG LOG: start in the background, wait until it says it runs.
tt_start() {
	local cfg=$1 log=$2
	"$TT_BIN" -c "$cfg" >"$log" 2>&1 &
	TT_PID=$!
	local i
	for i in $(seq 1 100); do
		if grep -q "running:" "$log"; then
			echo "  tlsterm $(grep -o 'running: [0-9]* worker(s)' "$log" | head -n 1)"
			return 0
		fi
		kill -0 "$TT_PID" 2>/dev/null || { cat "$log"; tt_fail "tlsterm exited during start-up"; }
		sleep 0.1
	done
	cat "$log"
	tt_fail "tlsterm did not come up within 10 s"
}

# tt_stop LOG: SIGTERM, expect exit status 0 within 10 s.
tt_stop() {
	local log=$1 rc=0 i
	kill -TERM "$TT_PID"
	for i in $(seq 1 100); do
		kill -0 "$TT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TT_PID" 2>/dev/null; then
		kill -KILL "$TT_PID"
		tt_fail "tlsterm did not stop within 10 s of SIGTERM"
	fi
	wait "$TT_PID" || rc=$?
	TT_PID=
	[ "$rc" -eq 0 ] || { cat "$log"; tt_fail "tlsterm exited with status $rc"; }
}

# tt_stat LOG NAME: the value of NAME=value from the shutdown statistics.
tt_stat() {
	grep -o "[ ]$2=[-0-9]*" "$1" | tail -n 1 | cut -d= -f2
}

# tt_free_port: a TCP port on 127.0.0.1 that nothing listens on now (for admin.listen).
tt_free_port() {
	"$TT_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# tt_metric PORT NAME [k=v...]: the value of the sample NAME (with those labels) in the
# /metrics of the admin API on 127.0.0.1:PORT, read while tlsterm runs.
tt_metric() {
	local port=$1
	shift
	curl -s -m 10 -o "$TT_WORK/metrics.now" "http://127.0.0.1:$port/metrics" ||
		tt_fail "no /metrics on port $port"
	"$TT_PY" "$(dirname "${BASH_SOURCE[0]}")/metrics_check.py" get "$TT_WORK/metrics.now" "$@"
}

# tt_begin NAME: a scratch folder (TT_WORK) and an exit trap that stops tlsterm (SIGTERM, so
# its log ends with the statistics), runs the test's own tt_cleanup_hook (if it defines one;
# it gets the exit status), removes the test bed, and keeps the scratch folder on failure.
tt_begin() {
	TT_NAME=$1
	TT_WORK=$(mktemp -d)
	TT_PID=
	trap tt_end EXIT
}

tt_end() {
	local rc=$?
	set +e
	if [ -n "${TT_PID:-}" ]; then
		kill -TERM "$TT_PID" 2>/dev/null
		timeout 10 tail --pid="$TT_PID" -f /dev/null || kill -KILL "$TT_PID" 2>/dev/null
	fi
	if declare -F tt_cleanup_hook >/dev/null; then
		tt_cleanup_hook "$rc"
	fi
	bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/testbed.sh" down >/dev/null 2>&1
	if [ "$rc" -ne 0 ] || [ "${TT_KEEP:-0}" = 1 ]; then
		echo "$TT_NAME: evidence kept in $TT_WORK" >&2
	else
		rm -rf "$TT_WORK"
	fi
}

# tt_check_clean_stop LOG [STAT...]: after tt_stop, fail unless every named statistic (by
# default: open TCP and TLS connections, proxy sessions, leaked mbufs, illegal TCP
# transitions) is 0.
tt_check_clean_stop() {
	local log=$1
	shift
	local stats=("$@") bad=() s n
	[ ${#stats[@]} -gt 0 ] ||
		stats=(tcp_connections_open tls_connections_open proxy_sessions leaked fsm_illegal)
	for s in "${stats[@]}"; do
		n=$(tt_stat "$log" "$s" || true)
		[ "$n" = 0 ] || bad+=("$s=${n:-missing} (want 0)")
	done
	if [ ${#bad[@]} -gt 0 ]; then
		grep stats: "$log" >&2
		local msg
		msg=$(printf '%s; ' "${bad[@]}")
		tt_fail "${msg%; }"
	fi
}
