#!/usr/bin/env bash
# Router advertisements (ipv6.accept_ra: true, no ipv6_gateway) with the kernel as the router:
# the client namespace forwards and owns 2001:2:0:99::1 on its loopback, off tlsterm's link.
# Its kernel sends the advertisements (tests/integration/ra_send.py, a raw ICMPv6 socket).
#   - no router yet: a connect from 2001:2:0:99::1 gets no answer (no_route);
#   - invalid advertisements (hop limit 64; a global source) teach nothing, counted by reason;
#   - a valid one (lifetime 600 s): echo data from 2001:2:0:99::1 comes back intact;
#   - lifetime 0 takes the router away again;
#   - lifetime 6 s: served at once, then (after the lifetime and a margin) no longer, and the
#     expiry is counted.
# Counters asserted, no mbuf leaked. Connections refused for want of a route wait in SYN_RCVD
# until a router lets their SYN-ACK out (the kernel then resets them) or tlsterm stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_ipv6_ra

HOST=2001:2:0:18::1
FAR_CLIENT=2001:2:0:99::1
log=$TT_WORK/tlsterm.log
bash "$here/../../scripts/testbed.sh" up >/dev/null
tt_in_client sysctl -qw net.ipv6.conf.all.forwarding=1
tt_in_client ip -6 addr add "$FAR_CLIENT/128" dev lo nodad

TT_IPV6=1 tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"ipv6: { accept_ra: true }"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

ra() { # ra ARGS...: one advertisement from the client namespace's kernel
	tt_in_client "$TT_PY" "$here/ra_send.py" --iface "$TT_IF_CLIENT" "$@" >>"$TT_WORK/ra.txt" ||
		tt_fail "ra_send.py $*"
}
refused=0
expect_no_route() { # expect_no_route WHY: a connect from FAR_CLIENT gets nothing back
	local r
	r=$(tt_in_client "$TT_PY" "$here/edge_client.py" connect "$HOST" 7 --source "$FAR_CLIENT" \
		--timeout 4)
	[ "$r" = timeout ] || tt_fail "$1: connect from $FAR_CLIENT: $r, want no answer (timeout)"
	refused=$((refused + 1))
	echo "  $1: no answer to $FAR_CLIENT"
}
far_echo() { # far_echo NAME SEED: echo from FAR_CLIENT, retried while the advertisement lands
	local out=$TT_WORK/echo-$2.txt
	tt_wait_for "timeout 30 ip netns exec $TT_NS_CLIENT $TT_PY $here/tcp_client.py echo \
		--host $HOST --port 7 --bytes 262144 --seed $2 --timeout 3 --source $FAR_CLIENT \
		>$out 2>&1" 20 || tt_fail "$1: $(tail -n 1 "$out")"
	echo "  $1: $(tail -n 1 "$out")"
}

timeout 60 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" echo --port 7 \
	--bytes 65536 --seed 1 --host "$HOST" >"$TT_WORK/onlink.txt" 2>&1 ||
	tt_fail "on-link echo: $(tail -n 1 "$TT_WORK/onlink.txt")"
expect_no_route "before any advertisement"

ra --lifetime 600 --hop-limit 64
ra --lifetime 600 --source 2001:2:0:18::2
expect_no_route "after invalid advertisements (hop limit 64, global source)"

ra --lifetime 600
far_echo "router learned (lifetime 600 s)" 600
ra --lifetime 0
expect_no_route "after lifetime 0"

ra --lifetime 6
sent_at=$(date +%s)
far_echo "router learned again (lifetime 6 s)" 6
# Past the lifetime with a margin: the router must be gone.
while [ $(($(date +%s) - sent_at)) -lt 9 ]; do sleep 0.5; done
expect_no_route "6 s lifetime over"

tt_stop "$log"
tt_check_clean_stop "$log" tls_connections_open proxy_sessions leaked fsm_illegal
open=$(tt_stat "$log" tcp_connections_open)
[ "${open:-99}" -le "$refused" ] ||
	{ grep stats: "$log"; tt_fail "tcp_connections_open=$open, want <= $refused (the refused ones)"; }
at_least() { # at_least NAME MIN
	local n
	n=$(tt_stat "$log" "$1" || true)
	[ -n "$n" ] && [ "$n" -ge "$2" ] || { grep stats: "$log" >&2; tt_fail "$1=${n:-missing}, want >= $2"; }
}
at_least ndp_ra_accepted 3
at_least ndp_routers_expired 1
at_least ndp_ra_hop_limit 1
at_least ndp_ra_source 1
at_least no_route "$refused"
at_least established 3
echo "PASS: default router learned from the kernel's advertisements, withdrawn, expired; invalid ones counted; $(tt_stat "$log" no_route) no_route drops while there was none"
