#!/usr/bin/env bash
# IPv6 over the test bed with the kernel as the peer: ping -6 to the global and the link-local
# address of both ports (the kernel resolves us with NDP), a full-size echo; TCP over IPv6
# to the built-in echo service, plain and TLS (1.3 and 1.2), data intact; then malformed
# IPv6, ICMPv6 and NDP frames from a raw socket are dropped and counted by reason, tlsterm
# still answers, and every mbuf is back in its pool at shutdown. The edge ACL holds IPv6
# lists (default deny, 2001:2:0:18::/64 allowed, 2001:2:0:18::3 denied inside it): the denied
# address gets nothing (no SYN-ACK, no RST, no echo reply) while ::2 is served.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_ipv6

bash "$here/../../scripts/testbed.sh" up >/dev/null
certs=$TT_WORK/certs
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null
TT_IPV6=1 tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"  - { port: 17, backend: echo, family: ipv4 }" \
	"  - { port: 19, backend: echo, family: ipv6 }" \
	"  - port: 443" \
	"    backend: echo" \
	"    tls: { certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ] }" \
	"edge:" \
	"  acl:" \
	"    allow: [\"2001:2:0:18::/64\", \"2001:2:0:19::/64\", \"fe80::/10\", 198.18.0.0/16]" \
	"    deny: [\"2001:2:0:18::3/128\"]" \
	"    default: deny"
tt_start "$TT_WORK/tlsterm.yaml" "$TT_WORK/tlsterm.log"

# fe80::/64 with the modified EUI-64 of a MAC (RFC 4291 2.5.1), as tlsterm makes it.
link_local() {
	/usr/bin/python3 - "$1" <<'PY'
import ipaddress, sys
b = bytes(int(x, 16) for x in sys.argv[1].split(":"))
iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:6]
print(ipaddress.IPv6Address(b"\xfe\x80" + b"\0" * 6 + iid))
PY
}
mac_edge=$(tt_tlsterm_mac "$TT_IF_EDGE")
ll_edge=$(link_local "$mac_edge")

tt_in_client ping -6 -c 3 -i 0.2 -W 2 2001:2:0:18::1 >/dev/null ||
	tt_fail "edge port does not answer ping -6"
tt_in_backend ping -6 -c 3 -i 0.2 -W 2 2001:2:0:19::1 >/dev/null ||
	tt_fail "inside port does not answer ping -6"
tt_in_client ping -6 -c 3 -i 0.2 -W 2 "$ll_edge%$TT_IF_CLIENT" >/dev/null ||
	tt_fail "edge port does not answer ping -6 to its link-local address $ll_edge"
# A full-size echo: 1452 bytes of payload make a 1500-byte IPv6 packet.
tt_in_client ping -6 -c 2 -i 0.2 -W 2 -s 1452 2001:2:0:18::1 >/dev/null ||
	tt_fail "large ping -6 not answered"
# The kernel learned our MAC through NDP: its neighbor entry for us names the edge's MAC.
neigh=$(tt_in_client ip -6 neigh show 2001:2:0:18::1 dev "$TT_IF_CLIENT")
grep -qi "lladdr $mac_edge" <<<"$neigh" ||
	{ tt_in_client ip -6 neigh show; tt_fail "the client's kernel has no neighbor entry for us"; }

# client_step NAME SCRIPT ARGS...: a test client in the client namespace, to our IPv6 address.
client_step() {
	local name=$1 script=$2
	shift 2
	local out=$TT_WORK/step-${name// /_}.txt
	timeout 180 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/$script" "$@" \
		--host 2001:2:0:18::1 >"$out" 2>&1 || tt_fail "$name: $(tail -n 1 "$out")"
	echo "  $name: $(tail -n 1 "$out")"
}
client_step "echo 8 MiB" tcp_client.py echo --port 7 --bytes $((8 << 20)) --seed 1
client_step "100 concurrent" tcp_client.py concurrent --port 7 --conns 100 --bytes 4096 --seed 100
client_step "no listener" tcp_client.py rst --port 8
# Listeners for one family: the other family is refused as if nothing listened there.
client_step "IPv4-only listener refuses IPv6" tcp_client.py rst --port 17
client_step "IPv6-only listener" tcp_client.py echo --port 19 --bytes 65536 --seed 19
timeout 60 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" echo --port 17 \
	--bytes 65536 --seed 17 --host 198.18.0.1 >"$TT_WORK/v4-only.txt" 2>&1 ||
	tt_fail "IPv4-only listener over IPv4: $(tail -n 1 "$TT_WORK/v4-only.txt")"
timeout 60 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" rst --port 19 \
	--host 198.18.0.1 >"$TT_WORK/v6-only.txt" 2>&1 ||
	tt_fail "IPv6-only listener took IPv4: $(tail -n 1 "$TT_WORK/v6-only.txt")"
echo "  one-family listeners: IPv4-only and IPv6-only each refuse the other family"
client_step "TLS 1.3 echo 4 MiB" tls_client.py echo --port 443 --bytes $((4 << 20)) --tls 1.3 \
	--ca "$certs/ca.pem"
client_step "TLS 1.2 echo 1 MiB" tls_client.py echo --port 443 --bytes $((1 << 20)) --tls 1.2 \
	--ca "$certs/ca.pem"
# The kernel's end saw IPv6 connections (no IPv4 fallback): its TIME-WAIT sockets name us.
socks=$(tt_in_client ss -tanH)
grep -qE '\[2001:2:0:18::1\]:7( |$)' <<<"$socks" ||
	tt_fail "the client's kernel shows no IPv6 connection to port 7"

# The denied address (a second one on the client's interface) gets nothing at all.
DENIED6=2001:2:0:18::3
tt_in_client ip -6 addr add "$DENIED6/64" dev "$TT_IF_CLIENT" nodad
r=$(tt_in_client "$TT_PY" "$here/edge_client.py" connect 2001:2:0:18::1 7 --source "$DENIED6" \
	--timeout 3)
[ "$r" = timeout ] || tt_fail "denied $DENIED6 on port 7: $r, want nothing (timeout)"
r=$(tt_in_client "$TT_PY" "$here/edge_client.py" connect 2001:2:0:18::1 8 --source "$DENIED6" \
	--timeout 3)
[ "$r" = timeout ] || tt_fail "denied $DENIED6 on a closed port: $r, want nothing (timeout)"
tt_in_client ping -6 -c 2 -i 0.2 -W 1 -I "$DENIED6" 2001:2:0:18::1 >/dev/null 2>&1 &&
	tt_fail "denied $DENIED6 got an echo reply"
# Off again, so the kernel does not pick it as the source of the next connections.
tt_in_client ip -6 addr del "$DENIED6/64" dev "$TT_IF_CLIENT"
client_step "allowed ::2 after the denied ::3" tcp_client.py echo --port 7 --bytes 65536 --seed 3
tt_in_client ping -6 -c 2 -i 0.2 -W 2 2001:2:0:18::1 >/dev/null ||
	tt_fail "allowed ::2 gets no echo reply after the denied ::3"
echo "  denied $DENIED6: no answer on port 7, on a closed port or to ping -6"

cases=$(/usr/bin/python3 "$here/malformed_frames.py" --list | grep -E '^(ipv6|icmpv6|ndp)_' |
	paste -sd, -)
tt_in_client /usr/bin/python3 "$here/malformed_frames.py" --iface "$TT_IF_CLIENT" \
	--dst-ip6 2001:2:0:18::1 --src-ip6 2001:2:0:18::2 --dst-mac "$mac_edge" \
	--count 3200 --seed 11 --pps 10000 --cases "$cases" >"$TT_WORK/sent.txt" ||
	tt_fail "malformed frame sender failed"
sent=$(sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$TT_WORK/sent.txt")
[ "${sent:-0}" -ge 3100 ] || { cat "$TT_WORK/sent.txt"; tt_fail "sender sent only ${sent:-0} frames"; }

tt_in_client ping -6 -c 3 -i 0.2 -W 2 2001:2:0:18::1 >/dev/null ||
	tt_fail "no answer to ping -6 after the malformed frames"
sleep 2 # a last ACK lost costs one FIN retransmission from LAST_ACK (as in test_tcp)
tt_stop "$TT_WORK/tlsterm.log"

log=$TT_WORK/tlsterm.log
tt_check_clean_stop "$log"
replies=$(tt_stat "$log" icmpv6_echo_replies)
[ "$replies" -ge 14 ] || tt_fail "expected at least 14 ICMPv6 echo replies, got $replies"
denied=$(tt_stat "$log" edge_acl_denied)
# Two SYNs at least (port 7 and the closed port 8) and two echo requests from the denied address.
[ "${denied:-0}" -ge 4 ] || { grep stats: "$log"; tt_fail "edge_acl_denied=${denied:-missing}, want >= 4"; }
adverts=$(tt_stat "$log" ndp_adverts_sent)
# 4 unsolicited at start (two addresses on two ports), then answers to the kernels' solicitations
[ "$adverts" -ge 6 ] || tt_fail "expected at least 6 neighbor advertisements, got $adverts"
# Options that ask to be reported got parameter problems, within ipv6.icmp_errors_per_s.
errors=$(tt_stat "$log" icmpv6_errors_sent)
[ "$errors" -gt 0 ] || tt_fail "no ICMPv6 error was sent for the options that ask for one"
limited=$(tt_stat "$log" icmpv6_errors_rate_limited)
echo "  ICMPv6 errors: $errors sent, $limited over the rate"
drops=$(tt_stat "$log" drops_total)
[ "$drops" -ge "$sent" ] || { grep stats: "$log"; tt_fail "$sent malformed frames sent, only $drops drops counted"; }
for reason in ipv6_length ipv6_version ipv6_hop_limit ipv6_fragment ipv6_ext_limit \
	ipv6_ext_header ipv6_dst_not_ours ipv6_src_invalid icmpv6_checksum icmpv6_malformed \
	icmpv6_type_ignored ndp_malformed ndp_router_message_ignored icmpv6_too_big_invalid \
	icmpv6_too_big_stale; do
	n=$(tt_stat "$log" "$reason")
	[ -n "$n" ] && [ "$n" -gt 0 ] || { grep stats: "$log"; tt_fail "no drops counted as $reason"; }
done
echo "PASS: ping -6 answered ($replies replies, $adverts advertisements), $drops frames dropped by reason, no mbuf leaked"
