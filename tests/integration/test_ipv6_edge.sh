#!/usr/bin/env bash
# The edge's IPv6 rules with kernel clients (one worker, so the per-worker limits are exact):
#   - edge.per_client.max_connections: 2 keys an IPv6 source on its /64: connections from
#     2001:2:0:18::2 and ::5 (one /64, both on the client's veth) share the limit, so a third
#     from ::5 gets no SYN-ACK; 2001:2:0:99::1 (another /64, behind the client namespace's
#     kernel, reached through the edge port's ipv6_gateway) has a count of its own: two
#     connect, the third does not. Refusals counted (edge_client_connections).
#   - edge.icmp_echo_per_s: 20 caps a fast ping -6 (500 requests, 2 ms apart): some replies,
#     at most the burst plus the rate over the time it took (with slack), the rest counted as
#     icmp_echo_rate_limited.
# No mbuf leaked, no connection left.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_ipv6_edge

HOST=2001:2:0:18::1
NEAR2=2001:2:0:18::2 # the client's own address
NEAR5=2001:2:0:18::5 # another address in the same /64
FAR=2001:2:0:99::1   # another /64, off-link for tlsterm
RATE=20
log=$TT_WORK/tlsterm.log
bash "$here/../../scripts/testbed.sh" up >/dev/null
tt_in_client sysctl -qw net.ipv6.conf.all.forwarding=1
tt_in_client ip -6 addr add "$NEAR5/64" dev "$TT_IF_CLIENT" nodad
tt_in_client ip -6 addr add "$FAR/128" dev lo nodad

TT_IPV6=1 TT_EDGE_EXTRA=", ipv6_gateway: \"$NEAR2\"" tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"edge:" \
	"  icmp_echo_per_s: $RATE" \
	"  per_client: { max_connections: 2 }"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

# ---------------------------------------------------------------- per-client limit by /64
got=$(tt_in_client "$TT_PY" "$here/edge_client.py" held "$HOST" 7 --timeout 3 \
	--sources "$NEAR2,$NEAR5,$NEAR5,$FAR,$FAR,$FAR")
want="connected connected timeout connected connected timeout"
[ "$got" = "$want" ] ||
	tt_fail "connects from ::2, ::5, ::5, $FAR x3 with max_connections 2: got '$got', want '$want'"
echo "  max_connections 2: ::2 and ::5 share their /64's count (the second ::5 refused); $FAR has its own (third refused)"
# Once they are closed, the /64 may connect again.
tt_wait_for "[ \"\$(ip netns exec $TT_NS_CLIENT $TT_PY $here/edge_client.py held $HOST 7 \
	--timeout 3 --sources $NEAR5,$NEAR2)\" = 'connected connected' ]" 20 ||
	tt_fail "the /64 cannot connect again after its connections closed"

# ---------------------------------------------------------------- ICMPv6 echo rate
t0=$(date +%s%N)
out=$(tt_in_client ping -6 -n -q -i 0.002 -c 500 -W 1 "$HOST" 2>&1 || true)
t1=$(date +%s%N)
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
[ -n "$sent" ] && [ -n "$recv" ] || tt_fail "could not read ping -6's summary: $out"
elapsed_s=$(((t1 - t0) / 1000000000 + 1))
most=$((RATE + RATE * (elapsed_s + 2)))
[ "$recv" -ge 1 ] || tt_fail "fast ping -6: no reply at all"
[ "$recv" -le "$most" ] ||
	tt_fail "fast ping -6: $recv of $sent answered in ${elapsed_s}s, want <= $most at $RATE/s"
echo "  fast ping -6: $recv of $sent answered in about ${elapsed_s}s (cap $RATE/s, bound $most)"

tt_stop "$log"
tt_check_clean_stop "$log"
at_least() { # at_least NAME MIN
	local n
	n=$(tt_stat "$log" "$1" || true)
	[ -n "$n" ] && [ "$n" -ge "$2" ] || { grep stats: "$log" >&2; tt_fail "$1=${n:-missing}, want >= $2"; }
}
at_least edge_client_connections 2
replies=$(tt_stat "$log" icmpv6_echo_replies)
[ "$replies" -ge "$recv" ] || tt_fail "icmpv6_echo_replies=$replies, fewer than ping received ($recv)"
[ "$replies" -le "$most" ] || tt_fail "icmpv6_echo_replies=$replies, want <= $most"
# Every request was answered or refused by the rate (a few may be lost on the way).
at_least icmp_echo_rate_limited $((sent - replies - sent / 20))
echo "PASS: per-client limits by /64 over IPv6; ICMPv6 echo capped at $RATE/s ($replies replies, $(tt_stat "$log" icmp_echo_rate_limited) rate-limited)"
