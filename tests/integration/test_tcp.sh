#!/usr/bin/env bash
# The kernel as TCP peer of tlsterm's own stack, through the built-in services: echo
# (RFC 862) on port 7 and discard (RFC 863) on port 9. A 32 MiB echo comes back intact with
# the half-close carried across; 300 connections at once and 500 one after another are all
# echoed; 8 MiB go to discard; a port without a listener answers RST. At shutdown no
# connection is left open, no mbuf leaked and the state machine saw no illegal transition.
#
# TT_PCAP=1 also records the client's TCP traffic (headers only) into the scratch folder; on
# failure that folder (tlsterm log, client output, capture) is kept and its path printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
PCAP_PID=
tt_cleanup_hook() {
	if [ -n "${PCAP_PID:-}" ]; then
		kill -TERM "$PCAP_PID" 2>/dev/null
		wait "$PCAP_PID" 2>/dev/null
	fi
	[ "$1" -eq 0 ] || [ "${TT_PCAP:-0}" = 1 ] ||
		echo "test_tcp: TT_PCAP=1 also records the client's packets" >&2
}
tt_begin test_tcp

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log

# step NAME tcp_client-args...: run the client in the client namespace; its result line goes
# to stdout, and a failure names the step and quotes the client.
step() {
	local name=$1
	shift
	local out=$TT_WORK/step-${name// /_}.txt
	if ! timeout 120 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" "$@" \
		--host "$HOST" >"$out" 2>&1; then
		tt_fail "$name: $(tail -n 1 "$out")"
	fi
	echo "  $name: $(tail -n 1 "$out")"
}

bash "$here/../../scripts/testbed.sh" up >/dev/null
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"  - { port: 9, backend: discard }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
if [ "${TT_PCAP:-0}" = 1 ]; then
	# On the client's end: tcpdump on the root end does not see what DPDK sends.
	ip netns exec "$TT_NS_CLIENT" tcpdump -i "$TT_IF_CLIENT" -s 96 -U \
		-w "$TT_WORK/client.pcap" tcp 2>"$TT_WORK/tcpdump.txt" &
	PCAP_PID=$!
	sleep 0.5
fi
tt_start "$TT_WORK/tlsterm.yaml" "$log"

step "echo 32 MiB" echo --port 7 --bytes $((32 << 20)) --seed 1
step "300 concurrent" concurrent --port 7 --conns 300 --bytes 4096 --seed 1000
step "500 sequential" sequential --port 7 --conns 500 --bytes 4096 --seed 2000
step "discard 8 MiB" discard --port 9 --bytes $((8 << 20)) --seed 3
step "no listener" rst --port 8

# The client always closes first, so tlsterm's side ends LAST_ACK -> CLOSED on the client's
# last ACK, with no TIME_WAIT. The kernel's side must then be in TIME_WAIT only: anything
# else (FIN_WAIT_2, ESTAB, ...) means tlsterm never sent or never completed its FIN.
left=$(ip netns exec "$TT_NS_CLIENT" ss -tanH | awk '$1 != "TIME-WAIT"' || true)
[ -z "$left" ] || {
	echo "$left" | head -n 20 >&2
	tt_fail "client sockets not in TIME-WAIT after all steps: $(echo "$left" | wc -l)"
}
# An ACK lost on the way in (the af_packet ring overflows in bursts) costs tlsterm one FIN
# retransmission from LAST_ACK: give that a few retransmission timeouts.
sleep 2
tt_stop "$log"

grep -o 'stats: tcp .*' "$log" | sed 's/^stats: /  /' || true
bad=()
n=$(tt_stat "$log" tcp_connections_open || true)
[ "$n" = 0 ] || bad+=("tcp_connections_open=${n:-missing} at shutdown (want 0)")
n=$(tt_stat "$log" leaked || true)
[ "$n" = 0 ] || bad+=("leaked=${n:-missing} mbufs (want 0)")
n=$(tt_stat "$log" fsm_illegal || true)
[ "$n" = 0 ] || bad+=("fsm_illegal=${n:-missing} (want 0: an illegal TCP state transition)")
if [ ${#bad[@]} -gt 0 ]; then
	grep stats: "$log" >&2
	msg=$(printf '%s; ' "${bad[@]}")
	tt_fail "${msg%; }"
fi
echo "PASS: echo, 300 concurrent, 500 sequential, discard, RST; no connection left, no mbuf leaked"
