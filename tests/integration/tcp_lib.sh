# shellcheck shell=bash disable=SC2034  # sourced; the names are for the tests
# What the tests of tlsterm's own TCP stack through its echo and discard services share
# (test_tcp.sh, test_tcp_loss.sh, test_tcp_workers.sh): the kernel client (tcp_client.py) run
# step by step, the optional capture of the client's packets, and the end-of-run check. Source
# it after lib.sh and run_tlsterm.sh; the test sets HOST and may set TT_STEP_NOTE (added to a
# failed step's name, e.g. the wire's impairment).

TT_TCP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PCAP_PID=

# tt_tcp_step NAME ARGS...: tcp_client.py ARGS in the client namespace against HOST; its
# result line goes to stdout ($TT_WORK/step-NAME.txt keeps all it said), and a failure names
# the step and quotes the client.
tt_tcp_step() {
	local name=$1
	shift
	local out=$TT_WORK/step-${name// /_}.txt
	if ! timeout 120 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$TT_TCP_DIR/tcp_client.py" "$@" \
		--host "$HOST" >"$out" 2>&1; then
		tt_fail "$name${TT_STEP_NOTE:-}: $(tail -n 1 "$out")"
	fi
	echo "  $name: $(tail -n 1 "$out")"
}

# tt_pcap_start: with TT_PCAP=1, record the client's TCP headers into $TT_WORK/client.pcap
# (on the client's end: tcpdump on the root end does not see what DPDK sends).
tt_pcap_start() {
	[ "${TT_PCAP:-0}" = 1 ] || return 0
	ip netns exec "$TT_NS_CLIENT" tcpdump -i "$TT_IF_CLIENT" -s 96 -U \
		-w "$TT_WORK/client.pcap" tcp 2>"$TT_WORK/tcpdump.txt" &
	PCAP_PID=$!
	sleep 0.5 # tcpdump has no "ready" to wait on; a packet missed here costs only evidence
}

# tt_pcap_stop RC: from the test's tt_cleanup_hook; stops the capture, and after a failure
# without one says how to get it.
tt_pcap_stop() {
	if [ -n "${PCAP_PID:-}" ]; then
		kill -TERM "$PCAP_PID" 2>/dev/null
		wait "$PCAP_PID" 2>/dev/null
	fi
	[ "$1" -eq 0 ] || [ "${TT_PCAP:-0}" = 1 ] ||
		echo "$TT_NAME: TT_PCAP=1 also records the client's packets" >&2
}

# tt_tcp_check_clean LOG: after tt_stop, the stack's statistics and no connection left open,
# no mbuf leaked, no illegal state transition.
tt_tcp_check_clean() {
	grep -o 'stats: tcp .*' "$1" | sed 's/^stats: /  /' || true
	tt_check_clean_stop "$1" tcp_connections_open leaked fsm_illegal
}
