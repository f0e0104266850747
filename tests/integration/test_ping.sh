#!/usr/bin/env bash
# The kernel pings tlsterm over the test bed; then thousands of malformed
# frames from a raw socket are dropped and counted, tlsterm still answers,
# and every mbuf is back in its pool at shutdown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_ping

bash "$here/../../scripts/testbed.sh" up >/dev/null
tt_write_config "$TT_WORK/tlsterm.yaml"
tt_start "$TT_WORK/tlsterm.yaml" "$TT_WORK/tlsterm.log"

tt_in_client ping -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null || tt_fail "edge port does not answer ping"
tt_in_backend ping -c 3 -i 0.2 -W 2 198.19.0.1 >/dev/null || tt_fail "inside port does not answer ping"
# A large echo (1472 bytes of payload: a full 1500-byte IP packet).
tt_in_client ping -c 2 -i 0.2 -W 2 -s 1472 198.18.0.1 >/dev/null || tt_fail "large ping not answered"

# Every case but those a kernel AF_PACKET socket can't deliver to tlsterm: runts (< 14
# bytes) are refused by the sender's kernel, and the af_packet PMD's fanout defragments, so
# IP fragments never reach it (the unit tests cover both). A TTL of 0 is answered, not dropped.
cases=$(/usr/bin/python3 "$here/malformed_frames.py" --list |
	grep -vxE 'runt|ipv4_fragment_mf|ipv4_fragment_offset|ipv4_ttl_zero' | paste -sd, -)
mac=$(tt_tlsterm_mac "$TT_IF_EDGE")
tt_in_client /usr/bin/python3 "$here/malformed_frames.py" --iface "$TT_IF_CLIENT" --dst-ip 198.18.0.1 \
	--dst-mac "$mac" --count 5000 --seed 7 --pps 10000 --cases "$cases" >"$TT_WORK/sent.txt" ||
	tt_fail "malformed frame sender failed"
sent=$(sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$TT_WORK/sent.txt")
[ "${sent:-0}" -ge 4900 ] || { cat "$TT_WORK/sent.txt"; tt_fail "sender sent only ${sent:-0} frames"; }

tt_in_client ping -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null || tt_fail "no answer after the malformed frames"
tt_stop "$TT_WORK/tlsterm.log"

log=$TT_WORK/tlsterm.log
[ "$(tt_stat "$log" leaked)" = 0 ] || { grep stats: "$log"; tt_fail "mbufs leaked"; }
replies=$(tt_stat "$log" icmp_echo_replies)
[ "$replies" -ge 11 ] || tt_fail "expected at least 11 echo replies, got $replies"
drops=$(tt_stat "$log" drops_total)
[ "$drops" -ge "$sent" ] || { grep stats: "$log"; tt_fail "$sent malformed frames sent, only $drops drops counted"; }
for reason in ipv4_checksum ipv4_ihl ipv4_length ipv4_version arp_malformed \
	arp_opcode arp_not_ours icmp_checksum icmp_malformed icmp_type_ignored ethertype_unsupported \
	eth_dst_not_ours eth_src_invalid ipv4_src_invalid ipv4_dst_not_ours ipv4_options \
	ip_proto_unsupported ipv6_unsupported; do
	n=$(tt_stat "$log" "$reason")
	[ -n "$n" ] && [ "$n" -gt 0 ] || { grep stats: "$log"; tt_fail "no drops counted as $reason"; }
done
echo "PASS: ping answered, $drops malformed frames dropped by reason, no mbuf leaked"
