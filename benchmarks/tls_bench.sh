#!/usr/bin/env bash
# TLS benchmark of tlsterm (issue "TLS termination"). It reports; it does not pass or fail.
# See benchmarks/README.md "tls_bench.sh" for what is measured and how to read it.
#
#   sudo benchmarks/tls_bench.sh
#
# Builds (scripts/build.sh plain: tlsterm, benchmarks/tls_blast, benchmarks/tls_sizes), lays its
# own test bed (TT_PREFIX, default "tb": "tt" belongs to the tests and the demo), makes test
# certificates, and for each run of each workload starts tlsterm (lcores "0-1": control thread
# CPU 0, one worker CPU 1), runs the client from the client namespace pinned to CPU 0, stops
# tlsterm and reads its shutdown counters, so every run's counters belong to that workload:
#   hs13-ecdsa  hs13-rsa  hs12-ecdsa   full handshakes: HS_PROCS x openssl s_time -new
#   res12                              TLS 1.2 resumption: HS_PROCS x openssl s_time -reuse
#   res13                              TLS 1.3 resumption: HS_PROCS x tls_blast resume
#   discard-{aes128,aes256,chacha}     one connection, BULK_BYTES into the TLS discard service
#   echo-{aes128,aes256,chacha}        one connection, ECHO_BYTES out and back through TLS echo
#   idle10k                            IDLE_CONNS TLS 1.3 connections held open, idle
#
# Knobs (environment): RUNS=3 HS_SECONDS=5 HS_PROCS=4 BULK_BYTES=1GiB BULK_SECONDS=10
# ECHO_BYTES=256MiB ECHO_SECONDS=10 IDLE_CONNS=10000 WARM_CONNS=500 WORKLOADS="..." (a subset)
# MALLINFO=0 (do not attach gdb to tlsterm to read malloc's in-use bytes)
# QUIET_WAIT=30 (seconds to wait before each run for other tlsterm processes to finish)
# BUILD=0 (use the binaries as they are) KEEP=1 (keep the scratch folder with every log).
# The markdown goes to stdout and to benchmarks/results/tls-<date>.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

export TT_PREFIX=${TT_PREFIX:-tb}
P=$TT_PREFIX
RUNS=${RUNS:-3}
HS_SECONDS=${HS_SECONDS:-5}
HS_PROCS=${HS_PROCS:-4}
BULK_BYTES=${BULK_BYTES:-$((1 << 30))}
BULK_SECONDS=${BULK_SECONDS:-10}
ECHO_BYTES=${ECHO_BYTES:-$((256 << 20))}
ECHO_SECONDS=${ECHO_SECONDS:-10}
IDLE_CONNS=${IDLE_CONNS:-10000}
WARM_CONNS=${WARM_CONNS:-500}
QUIET_WAIT=${QUIET_WAIT:-30}
ALL_WORKLOADS="hs13-ecdsa hs13-rsa hs12-ecdsa res12 res13 discard-aes128 echo-aes128
discard-aes256 echo-aes256 discard-chacha echo-chacha idle10k"
WORKLOADS=${WORKLOADS:-$ALL_WORKLOADS}

PY=/usr/bin/python3 # Debian's python; the first python3 on PATH is a different build
BIN=$root/build/app/tlsterm/tlsterm
BLAST=$root/build/benchmarks/tls_blast
SIZES=$root/build/benchmarks/tls_sizes
NS_CLIENT="${P}-client"
HOST=198.18.0.1
PORT_ECDSA=443 # discard, ECDSA P-256 certificate only
PORT_RSA=444   # discard, RSA-2048 certificate only
PORT_ECHO=7443 # echo, ECDSA P-256
# A deeper af_packet ring than the PMD's default, as the integration tests use (lib.sh).
AF_RING="blocksz=4096,framesz=2048,framecnt=8192"

[ "$(id -u)" -eq 0 ] || { echo "tls_bench: must run as root" >&2; exit 1; }
[ "$P" != tt ] || echo "tls_bench: warning: TT_PREFIX=tt is the tests' and demo's test bed" >&2

WORK=$(mktemp -d)
RUNS_DIR=$WORK/runs
mkdir -p "$RUNS_DIR"
RECORDS=$WORK/records.txt
: >"$RECORDS"
TT_PID=
SAMPLER_PID=
CLIENT_PIDS=()

log() { echo "tls_bench: $*" >&2; }

stop_tlsterm() { # sets TT_RC
	TT_RC=0
	[ -n "$TT_PID" ] || return 0
	kill -TERM "$TT_PID" 2>/dev/null || true
	for _ in $(seq 1 150); do
		kill -0 "$TT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TT_PID" 2>/dev/null; then
		log "tlsterm did not stop within 15 s of SIGTERM; killing it"
		kill -KILL "$TT_PID" 2>/dev/null || true
	fi
	wait "$TT_PID" 2>/dev/null || TT_RC=$?
	TT_PID=
}

stop_clients() {
	local pid
	for pid in "${CLIENT_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${CLIENT_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	CLIENT_PIDS=()
}

cleanup() {
	local rc=$?
	set +e
	[ -z "${SAMPLER_PID:-}" ] || kill "$SAMPLER_PID" 2>/dev/null
	stop_clients
	stop_tlsterm
	bash "$root/scripts/testbed.sh" down >/dev/null 2>&1 || log "testbed down failed (prefix $P)"
	if [ "$rc" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
		log "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Other tlsterm processes on the machine (other people's tests): they poll on the same cores.
others() { pgrep -x tlsterm | grep -vx "${TT_PID:-none}" | paste -sd, - || true; }
wait_quiet() {
	for _ in $(seq 1 $((QUIET_WAIT * 10))); do
		[ -z "$(others)" ] && return 0
		sleep 0.1
	done
}
sampler_start() {
	: >"$1"
	(while :; do others >>"$1"; sleep 0.3; done) &
	SAMPLER_PID=$!
}
sampler_stop() { # FILE -> space-separated pids seen
	[ -z "$SAMPLER_PID" ] || { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; }
	SAMPLER_PID=
	tr ',' '\n' <"$1" | grep . | sort -un | paste -sd' ' - || true
}
# sched PID TID: nanoseconds on the CPU and waiting for it (runnable, another task running).
sched() { awk '{print $1, $2}' "/proc/$1/task/$2/schedstat"; }
# cpu0: busy and total jiffies of CPU 0 (the client's: busy = all but idle and iowait).
cpu0() { awk '$1 == "cpu0" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }
in_client() { ip netns exec "$NS_CLIENT" taskset -c 0 "$@"; }

write_config() {
	local c=$WORK/certs
	cat >"$WORK/tlsterm.yaml" <<YAML
dpdk:
  lcores: "0-1"
  memory_mb: 512
  no_huge: true
  eal_args: ["--no-shconf", "--log-level=notice"]
ports:
  - { name: edge, device: "net_af_packet0,iface=${P}-edge,$AF_RING", ipv4: 198.18.0.1/16 }
  - { name: inside, device: "net_af_packet1,iface=${P}-inside,$AF_RING", ipv4: 198.19.0.1/16 }
log: { level: info }
mbufs_per_worker: 32767
tcp: { max_connections: 16384 }
listeners:
  - port: $PORT_ECDSA
    backend: discard
    tls: { certificates: [ { cert: $c/site-ecdsa.pem, key: $c/site-ecdsa.key } ] }
  - port: $PORT_RSA
    backend: discard
    tls: { certificates: [ { cert: $c/site-rsa.pem, key: $c/site-rsa.key } ] }
  - port: $PORT_ECHO
    backend: echo
    tls: { certificates: [ { cert: $c/site-ecdsa.pem, key: $c/site-ecdsa.key } ] }
YAML
	"$BIN" -c "$WORK/tlsterm.yaml" --check >"$WORK/check.txt" 2>&1 ||
		{ cat "$WORK/check.txt" >&2; log "config rejected"; exit 1; }
}

start_tlsterm() { # LOG; sets TT_PID and WORKER_TID
	local lg=$1 t
	"$BIN" -c "$WORK/tlsterm.yaml" >"$lg" 2>&1 &
	TT_PID=$!
	for _ in $(seq 1 150); do
		grep -q "running:" "$lg" && break
		kill -0 "$TT_PID" 2>/dev/null || { cat "$lg" >&2; TT_PID=; log "tlsterm exited during start-up"; exit 1; }
		sleep 0.1
	done
	grep -q "running:" "$lg" || { cat "$lg" >&2; log "tlsterm did not come up within 15 s"; exit 1; }
	WORKER_TID=
	for t in /proc/"$TT_PID"/task/*; do
		case "$(cat "$t/comm")" in *worker*) WORKER_TID=${t##*/} ;; esac
	done
}

# ttstat LOG NAME: NAME=value from tlsterm's shutdown statistics (empty when missing).
ttstat() { grep -o "[ ]$2=[-0-9]*" "$1" | tail -n 1 | cut -d= -f2 || true; }

suite_of() { # discard-aes128 -> TLS 1.3 suite
	case "$1" in
	*aes128) echo TLS_AES_128_GCM_SHA256 ;;
	*aes256) echo TLS_AES_256_GCM_SHA384 ;;
	*chacha) echo TLS_CHACHA20_POLY1305_SHA256 ;;
	esac
}

# client WORKLOAD BASE: run the workload's client(s); key=value facts on stdout.
client() {
	local w=$1 base=$2 i rc=0 pids=() args=()
	case "$w" in
	hs13-ecdsa | hs13-rsa | hs12-ecdsa | res12)
		case "$w" in
		hs13-ecdsa) args=(-connect "$HOST:$PORT_ECDSA" -new -tls1_3) ;;
		hs13-rsa) args=(-connect "$HOST:$PORT_RSA" -new -tls1_3) ;;
		hs12-ecdsa) args=(-connect "$HOST:$PORT_ECDSA" -new -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256) ;;
		res12) args=(-connect "$HOST:$PORT_ECDSA" -reuse -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256) ;;
		esac
		for i in $(seq 1 "$HS_PROCS"); do
			timeout $((HS_SECONDS + 60)) ip netns exec "$NS_CLIENT" taskset -c 0 \
				openssl s_time "${args[@]}" -time "$HS_SECONDS" >"$base.client.$i" 2>&1 &
			pids+=($!)
		done
		for i in "${pids[@]}"; do wait "$i" || rc=$?; done
		# The last "N connections in M real seconds" of each process is its timed loop.
		local n=0 c
		for i in $(seq 1 "$HS_PROCS"); do
			c=$(grep -oE '^[0-9]+ connections in [0-9]+ real seconds' "$base.client.$i" |
				tail -n 1 | cut -d' ' -f1)
			n=$((n + ${c:-0}))
		done
		echo "client_connections=$n client_rc=$rc"
		;;
	res13)
		for i in $(seq 1 "$HS_PROCS"); do
			timeout $((HS_SECONDS + 60)) ip netns exec "$NS_CLIENT" taskset -c 0 \
				"$BLAST" -s "$HS_SECONDS" resume "$HOST" "$PORT_ECDSA" >"$base.client.$i" 2>&1 &
			pids+=($!)
		done
		for i in "${pids[@]}"; do wait "$i" || rc=$?; done
		local n=0 c
		for i in $(seq 1 "$HS_PROCS"); do
			c=$(grep -o 'connections=[0-9]*' "$base.client.$i" | cut -d= -f2)
			n=$((n + ${c:-0}))
		done
		echo "client_connections=$n client_rc=$rc"
		;;
	discard-*)
		timeout $((BULK_SECONDS + 60)) ip netns exec "$NS_CLIENT" taskset -c 0 "$BLAST" \
			-b "$BULK_BYTES" -s "$BULK_SECONDS" -c "$(suite_of "$w")" send "$HOST" "$PORT_ECDSA" \
			>"$base.client" 2>&1 || rc=$?
		echo "$(grep -o 'bytes_sent=.*' "$base.client" || true) client_rc=$rc"
		;;
	echo-*)
		timeout $((ECHO_SECONDS + 60)) ip netns exec "$NS_CLIENT" taskset -c 0 "$BLAST" \
			-b "$ECHO_BYTES" -s "$ECHO_SECONDS" -c "$(suite_of "$w")" echo "$HOST" "$PORT_ECHO" \
			>"$base.client" 2>&1 || rc=$?
		echo "$(grep -o 'bytes_sent=.*' "$base.client" || true) client_rc=$rc"
		;;
	esac
	client_cpu "$base.times"
}

# client_cpu FILE: user + system CPU time of every client process this (sub)shell waited for
# (`times` must run in that shell itself, not in a pipeline's subshell).
client_cpu() {
	times >"$1"
	awk 'END {
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
		printf "client_cpu_ms=%.0f\n", t * 1000 }' "$1"
}

run_one() { # WORKLOAD RUN
	local w=$1 r=$2 base="$RUNS_DIR/$1-$2" t0 t1 e0 d0 e1 d1 b0 a0 b1 a1 rss0 rss1 facts seen
	wait_quiet
	start_tlsterm "$base.log"
	sleep 0.5
	rss0=$(rss_kb "$TT_PID")
	sampler_start "$base.others"
	read -r b0 a0 < <(cpu0)
	read -r e0 d0 < <(sched "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	t0=$(now_ns)
	facts=$(client "$w" "$base" | paste -sd' ' -)
	t1=$(now_ns)
	read -r e1 d1 < <(sched "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	read -r b1 a1 < <(cpu0)
	seen=$(sampler_stop "$base.others")
	sleep 1 # the last FINs and RSTs
	rss1=$(rss_kb "$TT_PID")
	stop_tlsterm
	record "$w" "$r" "$base.log" "$facts wall_ns=$((t1 - t0)) cpu_ns=$((e1 - e0)) wait_ns=$((d1 - d0)) \
cpu0_busy=$((b1 - b0)) cpu0_total=$((a1 - a0)) rss_start_kb=$rss0 rss_end_kb=$rss1 others=${seen// /,}"
}

# malloc_in_use PID: bytes glibc malloc has handed out in tlsterm (all arenas: OpenSSL's heap and
# anything else malloc'd), read with gdb calling mallinfo2() in the process (stops it for a
# moment; the connections are idle then). Empty when gdb cannot.
malloc_in_use() {
	[ "${MALLINFO:-1}" = 1 ] || return 0
	timeout 60 gdb -p "$1" -batch -nx -ex 'print (long)mallinfo2().uordblks' -ex detach 2>/dev/null |
		awk '/^\$1 = / {print $3}' || true
}

# The idle-connection run. A warm-up (WARM_CONNS connections opened and closed) first, so
# OpenSSL's one-time allocations are not counted; then RSS and malloc'd bytes before and with
# IDLE_CONNS open; tlsterm is stopped while they are, so its shutdown counters show what they hold.
run_idle() { # RUN
	local r=$1 base="$RUNS_DIR/idle10k-$1" rss0 rss1 anon0 anon1 m0 m1 facts seen pid
	wait_quiet
	start_tlsterm "$base.log"
	sleep 0.5
	sampler_start "$base.others"
	in_client "$BLAST" -n "$WARM_CONNS" -s 0 hold "$HOST" "$PORT_ECDSA" >"$base.warm" 2>&1 ||
		{ cat "$base.warm" >&2; log "idle10k run $r: warm-up failed"; exit 1; }
	sleep 2 # the warm-up's connections close
	rss0=$(rss_kb "$TT_PID")
	anon0=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$TT_PID/status")
	m0=$(malloc_in_use "$TT_PID")
	ip netns exec "$NS_CLIENT" taskset -c 0 "$BLAST" -n "$IDLE_CONNS" -s 300 hold "$HOST" \
		"$PORT_ECDSA" >"$base.client" 2>&1 &
	pid=$!
	CLIENT_PIDS=("$pid")
	for _ in $(seq 1 1800); do
		grep -q established= "$base.client" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q established= "$base.client" ||
		{ cat "$base.client" >&2; log "idle10k run $r: the connections were not established"; exit 1; }
	sleep 2 # delayed ACKs and the tickets' ACKs settle
	rss1=$(rss_kb "$TT_PID")
	anon1=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$TT_PID/status")
	m1=$(malloc_in_use "$TT_PID")
	seen=$(sampler_stop "$base.others")
	stop_tlsterm # with the connections open: its stats show what they hold
	stop_clients
	facts="$(grep -o 'established=.*' "$base.client") rss_start_kb=$rss0 rss_held_kb=$rss1"
	facts+=" anon_start_kb=$anon0 anon_held_kb=$anon1 malloc_start=${m0:-} malloc_held=${m1:-}"
	facts+=" warm_conns=$WARM_CONNS others=${seen// /,}"
	record idle10k "$r" "$base.log" "$facts"
}

# record WORKLOAD RUN LOG FACTS: one line of key=value for the report.
record() {
	local w=$1 r=$2 lg=$3 facts=$4 k line="workload=$1 run=$2 tlsterm_rc=$TT_RC"
	for k in handshakes_started handshakes_tls13 handshakes_tls12 handshakes_resumed \
		handshakes_failed handshake_timeouts handshake_cycles bytes_opened bytes_sealed \
		records_opened records_sealed busy_cycles tsc_hz tcp_connections_open \
		tls_connections_open in_use_at_start in_use_at_stop held leaked fsm_illegal \
		drops_total retransmits rto_expiries resets_sent; do
		line+=" $k=$(ttstat "$lg" "$k")"
	done
	line+=" warnings=$(grep -c -E ' (warn|error):' "$lg" || true)"
	echo "$line $facts" >>"$RECORDS"
	log "$w run $r: $facts"
}

# --- build, certificates, test bed ---------------------------------------------------------
t_start=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "${BUILD:-1}" = 1 ]; then
	bash "$root/scripts/build.sh" plain >&2
fi
for b in "$BIN" "$BLAST" "$SIZES"; do
	[ -x "$b" ] || { log "no binary at $b (scripts/build.sh plain builds it with the tests)"; exit 1; }
done
bash "$root/scripts/certs.sh" "$WORK/certs" >/dev/null
bash "$root/scripts/testbed.sh" up >/dev/null
# Thousands of short connections a second: widen the client's ports, reuse TIME-WAIT ones.
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.tcp_tw_reuse=1
# IDLE_CONNS sockets in one client process.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((IDLE_CONNS + 64)) ] ||
	{ log "open-file limit $(ulimit -n) too small for IDLE_CONNS=$IDLE_CONNS"; exit 1; }
write_config

# --- what each listener negotiates, and whether s_time -reuse resumes TLS 1.3 ----------------
start_tlsterm "$WORK/check.log"
CHECKS=$WORK/checks.txt
: >"$CHECKS"
check() { # LABEL ARGS...
	local label=$1 out
	shift
	out=$(timeout 20 ip netns exec "$NS_CLIENT" openssl s_client -connect "$@" \
		-CAfile "$WORK/certs/ca.pem" -servername tlsterm.test </dev/null 2>&1 || true)
	echo "| $label | $(grep -m1 -oE '^(New|Reused), TLSv1\.[23], Cipher is [A-Z0-9_-]+' <<<"$out" || echo '?') \
| $(grep -m1 -oE 'Peer signature type: [A-Za-z0-9-]+' <<<"$out" | cut -d' ' -f4 || echo '?') \
| $(grep -m1 -oE 'Server Temp Key: [^,]+' <<<"$out" | cut -d' ' -f4 || echo '?') \
| $(grep -m1 -oE 'Verify return code: [0-9]+ \([^)]*\)' <<<"$out" | cut -d' ' -f4- || echo '?') |" >>"$CHECKS"
}
check "hs13-ecdsa, res13, discard-*, idle10k (port $PORT_ECDSA)" "$HOST:$PORT_ECDSA" -tls1_3
check "hs13-rsa (port $PORT_RSA)" "$HOST:$PORT_RSA" -tls1_3
check "hs12-ecdsa, res12 (port $PORT_ECDSA)" "$HOST:$PORT_ECDSA" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check "echo-* (port $PORT_ECHO)" "$HOST:$PORT_ECHO" -tls1_3
in_client openssl s_time -connect "$HOST:$PORT_ECDSA" -reuse -tls1_3 -time 1 >"$WORK/stime13.txt" 2>&1 || true
stop_tlsterm
S13_TOTAL=$(ttstat "$WORK/check.log" handshakes_tls13)
S13_RESUMED=$(ttstat "$WORK/check.log" handshakes_resumed)

"$SIZES" 16384 >"$WORK/sizes.txt" 2>"$WORK/sizes.err" || { cat "$WORK/sizes.err" >&2; exit 1; }

# --- runs: interleaved (run 1 of every workload, then run 2 ...) so drifts spread evenly -------
for r in $(seq 1 "$RUNS"); do
	for w in $WORKLOADS; do
		case "$w" in
		idle10k) run_idle "$r" ;;
		*) run_one "$w" "$r" ;;
		esac
	done
done

# --- report ----------------------------------------------------------------------------------
model=$(lscpu | awk -F: '/^Model name/ {sub(/^[ \t]+/, "", $2); print $2; exit}')
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no -- app lib include meson.build 2>/dev/null | wc -l)
machine="${model} — $(nproc) CPUs ($(lscpu | awk -F: '/^Core\(s\) per socket/ {gsub(/ /, "", $2); print $2}') cores/socket); \
kernel $(uname -r); $(openssl version); $("$BIN" --version 2>/dev/null | head -n 1), built from ${rev}\
$([ "$dirty" -eq 0 ] || echo " + ${dirty} locally modified source files")"
mkdir -p "$here/results"
out="$here/results/tls-$(date +%Y-%m-%dT%H%M).md"
"$PY" "$here/tls_report.py" --records "$RECORDS" --checks "$CHECKS" --sizes "$WORK/sizes.txt" \
	--machine "$machine" --load-before "$LOAD_BEFORE" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--stime13 "${S13_RESUMED:-?}/${S13_TOTAL:-?}" \
	--params "RUNS=$RUNS HS_SECONDS=$HS_SECONDS HS_PROCS=$HS_PROCS BULK_BYTES=$BULK_BYTES \
BULK_SECONDS=$BULK_SECONDS ECHO_BYTES=$ECHO_BYTES ECHO_SECONDS=$ECHO_SECONDS IDLE_CONNS=$IDLE_CONNS WARM_CONNS=$WARM_CONNS" \
	--out "$out"
log "report written to $out ($(($(date +%s) - t_start)) s in all)"
