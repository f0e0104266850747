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
source "$here/tcp_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_cleanup_hook() { tt_pcap_stop "$1"; }
tt_begin test_tcp

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log

bash "$here/../../scripts/testbed.sh" up >/dev/null
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"  - { port: 9, backend: discard }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_pcap_start
tt_start "$TT_WORK/tlsterm.yaml" "$log"

tt_tcp_step "echo 32 MiB" echo --port 7 --bytes $((32 << 20)) --seed 1
tt_tcp_step "300 concurrent" concurrent --port 7 --conns 300 --bytes 4096 --seed 1000
tt_tcp_step "500 sequential" sequential --port 7 --conns 500 --bytes 4096 --seed 2000
tt_tcp_step "discard 8 MiB" discard --port 9 --bytes $((8 << 20)) --seed 3
tt_tcp_step "no listener" rst --port 8

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

tt_tcp_check_clean "$log"
[ "$(tt_stat "$log" resets_sent)" -ge 1 ] || tt_fail "no listener: no RST counted (resets_sent)"
echo "PASS: echo, 300 concurrent, 500 sequential, discard, RST; no connection left, no mbuf leaked"
