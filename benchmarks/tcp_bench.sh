#!/usr/bin/env bash
# TCP benchmark of tlsterm's user-space stack (issue "User-space TCP"). It reports; it does
# not pass or fail. See benchmarks/README.md for what is measured and how to read it.
#
#   sudo benchmarks/tcp_bench.sh
#
# Builds (scripts/build.sh plain), lays its own test bed (TT_PREFIX, default "tb": the default
# "tt" belongs to the tests and the demo, which may run at the same time), and for each run of
# each workload starts tlsterm (lcores "0-1": control thread on CPU 0, one worker on CPU 1),
# runs the workload from the kernel in the client namespace pinned to CPU 0, stops tlsterm and
# reads its shutdown counters, so every run's counters belong to that workload alone:
#   discard   one connection, 1 GiB (or 10 s) to port 9                       -> MB/s
#   echo      one connection, 256 MiB (or 12 s) to port 7 and back            -> MB/s each way
#   cps       CPS_PROCS processes: connect, 1 byte echoed, close, for 10 s    -> conn/s
# and the worker's cost: busy_cycles / (segs_in + segs_out), / payload bytes, / connections.
# Each tlsterm run is followed by the same workload against the kernel's TCP with a small
# Python asyncio server (its own namespace and veth pair, pinned to CPU 1) as a reference point.
#
# Knobs (environment): RUNS=3 DISCARD_BYTES DISCARD_SECONDS=10 ECHO_BYTES ECHO_SECONDS=12
# CPS_SECONDS=10 CPS_PROCS=4 WORKLOADS="discard echo cps" CC=cubic (tlsterm's
# tcp.congestion_control: cubic or newreno) LOSS=0 (per mille of frames dropped each way, on
# both paths: the test bed's wire namespace for tlsterm, nftables in the reference's namespace
# for the kernel) REFERENCE=1 QUIET_WAIT=5 (seconds to wait, before each run, for
# other tlsterm processes on this machine to finish) KEEP=1 (keep the scratch folder)
# BUILD=0 (skip scripts/build.sh and use the binary as it is).
# The markdown table goes to stdout and to benchmarks/results/tcp-<date>.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

export TT_PREFIX=${TT_PREFIX:-tb}
P=$TT_PREFIX
RUNS=${RUNS:-3}
DISCARD_BYTES=${DISCARD_BYTES:-$((1 << 30))}
DISCARD_SECONDS=${DISCARD_SECONDS:-10}
ECHO_BYTES=${ECHO_BYTES:-$((256 << 20))}
ECHO_SECONDS=${ECHO_SECONDS:-12}
CPS_SECONDS=${CPS_SECONDS:-10}
CPS_PROCS=${CPS_PROCS:-4}
REFERENCE=${REFERENCE:-1}
WORKLOADS=${WORKLOADS:-discard echo cps}
CC=${CC:-cubic}
LOSS=${LOSS:-0}
QUIET_WAIT=${QUIET_WAIT:-5}

PY=/usr/bin/python3 # Debian's python; the first python3 on PATH is a different build
LOAD=$here/tcp_load.py
BIN=$root/build/app/tlsterm/tlsterm
NS_CLIENT="${P}-client"
NS_REF="${P}-ref"    # kernel reference server
IF_REF_C="${P}r0"    # in NS_CLIENT
IF_REF_S="${P}r1"    # in NS_REF
HOST=198.18.0.1      # tlsterm's edge address
REF_HOST=198.19.254.1 # the reference server (the client namespace has no other 198.19/16 route)
REF_CLIENT=198.19.254.2
CLK_TCK=$(getconf CLK_TCK)

[ "$(id -u)" -eq 0 ] || { echo "tcp_bench: must run as root" >&2; exit 1; }
[ "$P" != tt ] || echo "tcp_bench: warning: TT_PREFIX=tt is the tests' and demo's test bed" >&2

WORK=$(mktemp -d)
RUNS_DIR=$WORK/runs
mkdir -p "$RUNS_DIR"
TT_PID=
REF_PID=
SAMPLER_PID=

log() { echo "tcp_bench: $*" >&2; }

stop_tlsterm() { # sets TT_RC
	TT_RC=0
	[ -n "$TT_PID" ] || return 0
	kill -TERM "$TT_PID" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$TT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TT_PID" 2>/dev/null; then
		log "tlsterm did not stop within 10 s of SIGTERM; killing it"
		kill -KILL "$TT_PID" 2>/dev/null || true
	fi
	wait "$TT_PID" 2>/dev/null || TT_RC=$?
	TT_PID=
}

cleanup() {
	local rc=$?
	set +e
	[ -z "${SAMPLER_PID:-}" ] || kill "$SAMPLER_PID" 2>/dev/null
	stop_tlsterm
	if [ -n "$REF_PID" ]; then
		kill -TERM "$REF_PID" 2>/dev/null
		wait "$REF_PID" 2>/dev/null
	fi
	if [ -e "/run/netns/$NS_REF" ]; then # anything else still in there was started by us
		pids=$(ip netns pids "$NS_REF" 2>/dev/null | tr '\n' ' ')
		# shellcheck disable=SC2086 # a list of pids
		[ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null
		ip netns del "$NS_REF" 2>/dev/null
	fi
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

# thread_ticks PID TID: utime stime (clock ticks) of one thread.
thread_ticks() { sed 's/.*) //' "/proc/$1/task/$2/stat" | awk '{print $12, $13}'; }
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# sched PID TID: nanoseconds on the CPU and waiting for it (runnable, another task running).
sched() { awk '{print $1, $2}' "/proc/$1/task/$2/schedstat"; }
# shellcheck disable=SC2016 # awk's own $fields
ref_segs() { ip netns exec "$NS_REF" awk '/^Tcp:/ && $2 ~ /^[0-9]/ {print $11, $12}' /proc/net/snmp; }
# client_tcp: the client namespace's RetransSegs and TCPTimeouts (RTO expiries) so far.
# shellcheck disable=SC2016 # awk's own $fields
client_tcp() {
	ip netns exec "$NS_CLIENT" awk '
		/^Tcp:/ { if (!h) { split($0, H); h = 1 } else for (i = 2; i <= NF; i++) if (H[i] == "RetransSegs") r = $i }
		/^TcpExt:/ { if (!e) { split($0, E); e = 1 } else for (i = 2; i <= NF; i++) if (E[i] == "TCPTimeouts") t = $i }
		END { print r + 0, t + 0 }' /proc/net/snmp /proc/net/netstat
}
# A sampler of other tlsterm processes during a run (they come and go within seconds).
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
now_ns() { date +%s%N; }

# client WORKLOAD HOST OUT: run the load from the client namespace, pinned to CPU 0.
client() {
	local w=$1 host=$2 out=$3 port args
	case "$w" in
	discard) port=9; args=(--bytes "$DISCARD_BYTES" --seconds "$DISCARD_SECONDS") ;;
	echo) port=7; args=(--bytes "$ECHO_BYTES" --seconds "$ECHO_SECONDS") ;;
	cps) port=7; args=(--seconds "$CPS_SECONDS" --procs "$CPS_PROCS") ;;
	esac
	# tcp_load.py record turns a missing result line into an error quoting $out.err.
	timeout 180 ip netns exec "$NS_CLIENT" taskset -c 0 "$PY" "$LOAD" "$w" \
		--host "$host" --port "$port" "${args[@]}" >"$out" 2>"$out.err"
}

# Client sockets towards HOST not in TIME-WAIT (a peer that never sent or finished its FIN).
leftover() {
	ip netns exec "$NS_CLIENT" ss -tanH dst "$1" | awk '$1 != "TIME-WAIT"' | wc -l
}

write_config() {
	cat >"$WORK/tlsterm.yaml" <<YAML
dpdk:
  lcores: "0-1"
  memory_mb: 256
  no_huge: true
  eal_args: ["--no-shconf", "--log-level=notice"]
ports:
  - { name: edge, device: "net_af_packet0,iface=${P}-edge", ipv4: 198.18.0.1/16 }
  - { name: inside, device: "net_af_packet1,iface=${P}-inside", ipv4: 198.19.0.1/16 }
log: { level: info }
listeners: [{port: 7, backend: echo}, {port: 9, backend: discard}]
tcp: { congestion_control: $CC }
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

run_tlsterm() { # WORKLOAD RUN
	local w=$1 r=$2 base="$RUNS_DIR/tlsterm-$1-$2" t0 t1 u0 s0 u1 s1 e0 d0 e1 d1 rc=0 left seen
	local cr0 ct0 cr1 ct1
	wait_quiet
	start_tlsterm "$base.log"
	sampler_start "$base.others"
	read -r cr0 ct0 < <(client_tcp)
	read -r u0 s0 < <(thread_ticks "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	read -r e0 d0 < <(sched "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	t0=$(now_ns)
	client "$w" "$HOST" "$base.client" || rc=$?
	t1=$(now_ns)
	read -r e1 d1 < <(sched "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	read -r u1 s1 < <(thread_ticks "$TT_PID" "$WORKER_TID" 2>/dev/null || echo "0 0")
	seen=$(sampler_stop "$base.others")
	sleep 1 # let the last FINs and ACKs go by
	read -r cr1 ct1 < <(client_tcp)
	left=$(leftover "$HOST")
	stop_tlsterm
	"$PY" "$LOAD" record --out "$base.json" --server tlsterm --workload "$w" --run "$r" \
		--client "$base.client" --log "$base.log" --kv tlsterm_rc="$TT_RC" \
		worker_utime_ticks=$((u1 - u0)) worker_stime_ticks=$((s1 - s0)) clk_tck="$CLK_TCK" \
		cpu_ns=$((e1 - e0)) wait_ns=$((d1 - d0)) wall_ns=$((t1 - t0)) \
		client_retrans=$((cr1 - cr0)) client_rto=$((ct1 - ct0)) \
		client_leftover="$left" other_dpdk="$seen"
	log "tlsterm $w run $r: $(cat "$base.client")"
	[ "$rc" -eq 0 ] || log "tlsterm $w run $r: client failed (rc $rc): $(tail -n 3 "$base.client.err")"
}

run_kernel() { # WORKLOAD RUN
	local w=$1 r=$2 base="$RUNS_DIR/kernel-$1-$2" t0 t1 c0 c1 e0 d0 e1 d1 in0 out0 in1 out1 rc=0 left seen
	local cr0 ct0 cr1 ct1
	wait_quiet
	sampler_start "$base.others"
	read -r cr0 ct0 < <(client_tcp)
	read -r in0 out0 < <(ref_segs)
	c0=$(proc_ticks "$REF_PID")
	read -r e0 d0 < <(sched "$REF_PID" "$REF_PID")
	t0=$(now_ns)
	client "$w" "$REF_HOST" "$base.client" || rc=$?
	t1=$(now_ns)
	read -r e1 d1 < <(sched "$REF_PID" "$REF_PID")
	c1=$(proc_ticks "$REF_PID")
	read -r in1 out1 < <(ref_segs)
	seen=$(sampler_stop "$base.others")
	sleep 1
	read -r cr1 ct1 < <(client_tcp)
	left=$(leftover "$REF_HOST")
	"$PY" "$LOAD" record --out "$base.json" --server kernel --workload "$w" --run "$r" \
		--client "$base.client" --kv server_cpu_ticks=$((c1 - c0)) clk_tck="$CLK_TCK" \
		cpu_ns=$((e1 - e0)) wait_ns=$((d1 - d0)) wall_ns=$((t1 - t0)) \
		segs_in=$((in1 - in0)) segs_out=$((out1 - out0)) client_leftover="$left" other_dpdk="$seen" \
		client_retrans=$((cr1 - cr0)) client_rto=$((ct1 - ct0))
	log "kernel  $w run $r: $(cat "$base.client")"
	[ "$rc" -eq 0 ] || log "kernel $w run $r: client failed (rc $rc): $(tail -n 3 "$base.client.err")"
}

# --- build and test bed ---------------------------------------------------------------------
t_start=$(date +%s)
if [ "${BUILD:-1}" = 1 ]; then
	bash "$root/scripts/build.sh" plain >&2
fi
[ -x "$BIN" ] || { log "no tlsterm binary at $BIN"; exit 1; }
if [ "$LOSS" -gt 0 ]; then
	bash "$root/scripts/testbed.sh" up --wire >/dev/null
	bash "$root/scripts/testbed.sh" impair "$LOSS" 0 >/dev/null
else
	bash "$root/scripts/testbed.sh" up >/dev/null
fi
# Short connections: the client closes first, so its side keeps TIME-WAIT for 60 s. With
# thousands of connections a second the default ephemeral range would run out; widen it and
# let connect() reuse TIME-WAIT ports (safe with timestamps, which both servers use).
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.tcp_tw_reuse=1
write_config

if [ "$REFERENCE" = 1 ]; then
	# The reference server's own namespace and veth pair from the client namespace: one veth
	# hop like tlsterm's, the same offloads off (the client does the same work either way).
	ip netns add "$NS_REF"
	ip -n "$NS_CLIENT" link add "$IF_REF_C" type veth peer name "$IF_REF_S" netns "$NS_REF"
	ip -n "$NS_REF" link set dev lo up
	ip -n "$NS_CLIENT" addr add "$REF_CLIENT/24" dev "$IF_REF_C"
	ip -n "$NS_REF" addr add "$REF_HOST/24" dev "$IF_REF_S"
	ip netns exec "$NS_CLIENT" ethtool -K "$IF_REF_C" tx off rx off tso off gso off gro off >/dev/null
	ip netns exec "$NS_REF" ethtool -K "$IF_REF_S" tx off rx off tso off gso off gro off >/dev/null
	ip -n "$NS_CLIENT" link set dev "$IF_REF_C" up
	ip -n "$NS_REF" link set dev "$IF_REF_S" up
	if [ "$LOSS" -gt 0 ]; then # the same random loss both ways in front of the kernel's stack
		ip netns exec "$NS_REF" nft -f - <<NFT
table inet loss {
	chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 1000 < $LOSS drop; }
	chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 1000 < $LOSS drop; }
}
NFT
	fi
	ip netns exec "$NS_REF" taskset -c 1 "$PY" "$LOAD" serve --echo-port 7 --discard-port 9 \
		>"$WORK/ref-server.log" 2>&1 &
	REF_PID=$!
	for _ in $(seq 1 50); do
		grep -q serving "$WORK/ref-server.log" && break
		sleep 0.1
	done
	grep -q serving "$WORK/ref-server.log" || { cat "$WORK/ref-server.log" >&2; log "reference server did not start"; exit 1; }
fi

# --- runs: interleaved, so slow drifts and other users' load hit both servers alike ----------
for r in $(seq 1 "$RUNS"); do
	for w in $WORKLOADS; do
		run_tlsterm "$w" "$r"
		[ "$REFERENCE" != 1 ] || run_kernel "$w" "$r"
	done
done

# --- report ----------------------------------------------------------------------------------
model=$(lscpu | awk -F: '/^Model name/ {sub(/^[ \t]+/, "", $2); print $2; exit}')
ncpu=$(nproc)
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no -- app lib include meson.build 2>/dev/null | wc -l)
machine="Machine: ${model} — ${ncpu} CPUs; kernel $(uname -r); $("$BIN" --version 2>/dev/null | head -n 1), \
built from ${rev}$([ "$dirty" -eq 0 ] || echo " + ${dirty} locally modified source files"). \
Client: kernel TCP in netns ${NS_CLIENT}, /usr/bin/python3 $("$PY" -c 'import platform; print(platform.python_version())'), taskset CPU 0. \
tlsterm: lcores \"0-1\" (control thread CPU 0, worker CPU 1), --no-huge, net_af_packet on veth. \
Workloads: discard $((DISCARD_BYTES >> 20)) MiB or ${DISCARD_SECONDS} s; echo $((ECHO_BYTES >> 20)) MiB or ${ECHO_SECONDS} s; \
cps ${CPS_PROCS} client processes for ${CPS_SECONDS} s; ${RUNS} runs each, tlsterm restarted for every run. \
tlsterm congestion control: ${CC}; loss: ${LOSS}/1000 of frames each way."
mkdir -p "$here/results"
tag=""
[ "$CC" = cubic ] && [ "$LOSS" -eq 0 ] || tag="-$CC-loss$LOSS"
out="$here/results/tcp-$(date +%Y-%m-%dT%H%M)$tag.md"
"$PY" "$LOAD" report --dir "$RUNS_DIR" --out "$out" --machine "$machine"
log "report written to $out ($(($(date +%s) - t_start)) s in all)"
