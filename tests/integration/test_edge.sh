#!/usr/bin/env bash
# Edge protection over the test bed, with real clients (curl, ping, Python sockets) and a SYN
# flood from a raw socket (syn_flood, built by meson) in the client namespace.
#
# Run 1 (ACL default deny, 198.18.0.0/16 allowed but 198.18.0.3 denied; HTTPS to a backend):
#   a port without a listener refuses (RST); the denied address gets nothing (no SYN-ACK, no
#   RST, no echo reply) while the allowed one is served; ICMP echo is rate-limited; 100
#   connections that send half a ClientHello and stop are all closed after the handshake
#   timeout while curl is served; echo connections (plain and TLS) that say nothing are
#   closed after the idle timeout; under a 10 s SYN flood from random sources ten curl
#   requests in a row each succeed within 2 s (SYN cookies, max_half_open; the flood's random
#   sources churn a small per-client table), ARP stays bounded.
# Run 2 (per-client limits, closed ports silent): a port without a listener drops silently;
#   a connection storm from one address is cut by the new-connection bucket and by the
#   concurrent-connection limit, and the address is served again afterwards.
# Run 3: max_handshaking resets handshakes beyond the cap at once.
# All: every drop counted by reason (in /metrics too), no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
FLOOD=${TT_FLOOD_BIN:-$(dirname "$TT_BIN")/../../tests/syn_flood}
tt_begin test_edge

HOST=198.18.0.1
BACK=198.19.0.2
DENIED=198.18.0.3
log=$TT_WORK/tlsterm.log
certs=$TT_WORK/certs
[ -x "$FLOOD" ] || tt_fail "no SYN flood sender at $FLOOD (build with scripts/build.sh plain)"
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null
bash "$here/../../scripts/testbed.sh" up >/dev/null
# A second address in the client namespace, for the one the ACL denies.
tt_in_client ip addr add "$DENIED/16" dev "$TT_IF_CLIENT"

BACKEND_PIDS=()
tt_cleanup_hook() {
	local p
	for p in "${BACKEND_PIDS[@]}"; do kill "$p" 2>/dev/null; done
}
ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$here/proxy_backend.py" --listen "$BACK" --port 8082 \
	--proxy off >"$TT_WORK/backend.log" 2>&1 &
BACKEND_PIDS+=($!)
tt_wait_for "ip netns exec $TT_NS_BACKEND ss -ltnH 'sport = :8082' | grep -q LISTEN" 10 ||
	tt_fail "backend did not start"

curl_in() { # curl in the client namespace, tlsterm.test -> tlsterm
	ip netns exec "$TT_NS_CLIENT" curl -sS --cacert "$certs/ca.pem" \
		--resolve "tlsterm.test:443:$HOST" "$@"
}
client() { tt_in_client "$TT_PY" "$here/edge_client.py" "$@"; }
admin_port=$("$TT_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
scrape() { # scrape FILE: /metrics into FILE
	curl -s -m 10 -o "$1" "http://127.0.0.1:$admin_port/metrics" || tt_fail "no /metrics"
}
metric() { "$TT_PY" "$here/metrics_check.py" get "$@"; }
stat_at_least() { # stat_at_least NAME MIN
	local n
	n=$(tt_stat "$log" "$1")
	[ -n "$n" ] && [ "$n" -ge "$2" ] ||
		{ grep stats: "$log" >&2; tt_fail "$1=${n:-missing}, want >= $2"; }
}

# ---------------------------------------------------------------- run 1
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - port: 443" \
	"    backend: app" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"      alpn: [http/1.1]" \
	"  - { port: 7, backend: echo }" \
	"  - port: 8443" \
	"    backend: echo" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"backends:" \
	"  app: { servers: [\"$BACK:8082\"] }" \
	"edge:" \
	"  acl: { allow: [\"198.18.0.0/16\"], deny: [\"$DENIED/32\"], default: deny }" \
	"  icmp_echo_per_s: 20" \
	"  max_half_open: 16" \
	"  per_client: { new_per_s: 1000, table_size: 1024 }   # generous: the flood churns it" \
	"limits: { handshake_timeout_ms: 2000, idle_timeout_ms: 3000 }" \
	"admin: { listen: \"127.0.0.1:$admin_port\" }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

curl_in --max-time 10 -o /dev/null https://tlsterm.test/ || tt_fail "allowed client not served"
echo "  allowed 198.18.0.2: served"

r=$(client connect "$HOST" 9999 --timeout 3)
[ "$r" = refused ] || tt_fail "a port without a listener: $r, want refused"
echo "  port 9999 (no listener): refused"

r=$(client connect "$HOST" 443 --source "$DENIED" --timeout 3)
[ "$r" = timeout ] || tt_fail "denied address on 443: $r, want nothing (timeout)"
r=$(client connect "$HOST" 9999 --source "$DENIED" --timeout 3)
[ "$r" = timeout ] || tt_fail "denied address on a closed port: $r, want nothing (timeout)"
tt_in_client ping -c 2 -i 0.2 -W 1 -I "$DENIED" "$HOST" >/dev/null 2>&1 &&
	tt_fail "denied address got an echo reply"
curl_in --max-time 10 -o /dev/null https://tlsterm.test/ || tt_fail "allowed client not served"
echo "  denied $DENIED: no answer on 443, on a closed port or to ping; 198.18.0.2 still served"

got=$(tt_in_client ping -q -c 100 -i 0.01 -W 1 "$HOST" 2>/dev/null |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ "${got:-0}" -ge 10 ] && [ "${got:-0}" -le 80 ] ||
	tt_fail "100 pings in 1 s at icmp_echo_per_s 20: $got answered, want 10..80"
echo "  ICMP echo at 20/s: $got of 100 pings in 1 s answered"

# 100 stalled handshakes while curl is served.
client half_hello "$HOST" 443 --count 100 --wait 20 >"$TT_WORK/half.txt" &
half_pid=$!
tt_wait_for "grep -q '^sent 100 halves' $TT_WORK/half.txt" 30 ||
	tt_fail "the 100 stalled handshakes did not start: $(cat "$TT_WORK/half.txt")"
for i in 1 2 3; do
	curl_in --max-time 5 -o /dev/null https://tlsterm.test/ ||
		tt_fail "curl $i not served beside 100 stalled handshakes"
done
wait "$half_pid" || tt_fail "half_hello client failed"
grep -q "^closed 100 of 100" "$TT_WORK/half.txt" ||
	tt_fail "stalled handshakes: $(tail -n 1 "$TT_WORK/half.txt"), want all 100 closed"
echo "  100 half ClientHellos: $(tail -n 1 "$TT_WORK/half.txt") (timeout 2 s);" \
	"curl served meanwhile"

r=$(client idle "$HOST" 7 --wait 20)
case "$r" in "closed after"*) ;; *) tt_fail "an idle echo connection: $r, want closed" ;; esac
echo "  idle echo connection: $r (idle_timeout_ms 3000)"
r=$(client idle "$HOST" 8443 --tls --wait 20)
case "$r" in "closed after"*) ;; *) tt_fail "an idle TLS echo connection: $r, want closed" ;; esac
echo "  idle TLS echo connection: $r"

# The SYN flood: 10 s from random sources, at whatever rate the sender reaches.
mac=$(tt_tlsterm_mac "$TT_IF_EDGE")
scrape "$TT_WORK/m.before"
tt_in_client "$FLOOD" "$TT_IF_CLIENT" "$mac" "$HOST" 443 10 >"$TT_WORK/flood.txt" 2>&1 &
flood_pid=$!
sleep 1
slow=0
for i in $(seq 1 10); do
	t=$(curl_in --max-time 2 -o /dev/null -w '%{time_total}' https://tlsterm.test/) ||
		tt_fail "curl $i during the SYN flood failed (--max-time 2)"
	echo "    curl $i during the flood: $t s"
done
running_at_end=1
kill -0 "$flood_pid" 2>/dev/null || running_at_end=0
wait "$flood_pid" || tt_fail "flood sender failed: $(cat "$TT_WORK/flood.txt")"
[ "$running_at_end" = 1 ] || echo "  (the flood ended before the tenth curl did)"
scrape "$TT_WORK/m.after"
rx=$(($(metric "$TT_WORK/m.after" tlsterm_port_rx_packets_total port=edge) -
	$(metric "$TT_WORK/m.before" tlsterm_port_rx_packets_total port=edge)))
echo "  flood: $(cat "$TT_WORK/flood.txt"); tlsterm received $rx frames on the edge port" \
	"($((rx / 10)) per second over 10 s)"
cookies=$(metric "$TT_WORK/m.after" tlsterm_tcp_syncookies_sent_total)
[ "$cookies" -gt 0 ] || tt_fail "no SYN cookies sent under the flood"
arp=$(metric "$TT_WORK/m.after" tlsterm_arp_requests_sent_total)
# At most arp.pending_max (64) resolutions wait at once, each asked 3 times over 3 s.
[ "$arp" -le 2000 ] || tt_fail "ARP requests not bounded: $arp"
for reason in edge_acl_denied icmp_echo_rate_limited arp_queue_full; do
	n=$(metric "$TT_WORK/m.after" tlsterm_drops_total reason="$reason")
	[ "$n" -gt 0 ] || tt_fail "/metrics: no drops counted as $reason"
done
echo "  flood: $cookies SYN cookies sent, $arp ARP requests, $(metric "$TT_WORK/m.after" \
	tlsterm_drops_total reason=arp_queue_full) replies to unresolvable sources dropped"

tt_stop "$log"
# The flood's own half-open connections (at most max_half_open, 16) still wait for their
# SYN-ACK retries at shutdown; everything else must be gone.
tt_check_clean_stop "$log" tls_connections_open proxy_sessions leaked fsm_illegal
open=$(tt_stat "$log" tcp_connections_open)
[ "$open" -le 16 ] || tt_fail "tcp_connections_open=$open at shutdown, want <= 16"
stat_at_least handshake_timeouts 100
stat_at_least idle_timeouts 2
stat_at_least half_open_capped 1
stat_at_least edge_acl_denied 3
stat_at_least tcp_no_listener 1
echo "  run 1 counters: handshake_timeouts=$(tt_stat "$log" handshake_timeouts)" \
	"idle_timeouts=$(tt_stat "$log" idle_timeouts)" \
	"half_open_capped=$(tt_stat "$log" half_open_capped)" \
	"edge_acl_denied=$(tt_stat "$log" edge_acl_denied)" \
	"client_evictions=$(tt_stat "$log" client_evictions)" \
	"leaked=$(tt_stat "$log" leaked)"

# ---------------------------------------------------------------- run 2
tt_write_config "$TT_WORK/tlsterm2.yaml" \
	"listeners:" \
	"  - { port: 7, backend: echo }" \
	"edge:" \
	"  closed_ports: drop" \
	"  per_client: { new_per_s: 10, burst: 20, max_connections: 15, table_size: 1024 }" \
	"admin: { listen: \"127.0.0.1:$admin_port\" }"
"$TT_BIN" -c "$TT_WORK/tlsterm2.yaml" --check >"$TT_WORK/check2.txt" 2>&1 ||
	tt_fail "config 2 rejected: $(head -n 1 "$TT_WORK/check2.txt")"
log=$TT_WORK/tlsterm2.log
tt_start "$TT_WORK/tlsterm2.yaml" "$log"

r=$(client connect "$HOST" 9999 --timeout 3)
[ "$r" = timeout ] || tt_fail "closed_ports drop: $r, want silence (timeout)"
echo "  closed_ports: drop: port 9999 silent"

# The bucket: 60 connects in a row from one address get about burst + rate x time through.
seq_out=$(client sequential "$HOST" 7 --count 60 --timeout 0.5)
ok=$(sed -n 's/^connected \([0-9]*\) of.*/\1/p' <<<"$seq_out")
secs=$(sed -n 's/.* in \([0-9]*\)\..*/\1/p' <<<"$seq_out")
max=$((20 + 10 * (secs + 1) + 2))
[ "$ok" -ge 15 ] && [ "$ok" -lt 60 ] && [ "$ok" -le "$max" ] ||
	tt_fail "storm of 60 in a row: $seq_out; want 15..$max (burst 20, 10/s)"
echo "  60 connects in a row at new_per_s 10, burst 20: $seq_out"

# The concurrent limit: with a full bucket, 25 at once and held: 15 get through.
sleep 2.5
client storm "$HOST" 7 --count 25 --timeout 1.5 --hold 3 >"$TT_WORK/storm.txt" &
storm_pid=$!
tt_wait_for "grep -q connected $TT_WORK/storm.txt" 10 || tt_fail "storm printed nothing"
ok=$(sed -n 's/^connected \([0-9]*\) of.*/\1/p' "$TT_WORK/storm.txt")
[ "$ok" -ge 10 ] && [ "$ok" -le 15 ] ||
	tt_fail "25 at once with max_connections 15: $(cat "$TT_WORK/storm.txt")"
echo "  25 at once, held, max_connections 15: $(cat "$TT_WORK/storm.txt")"
wait "$storm_pid"
sleep 2.5
r=$(client connect "$HOST" 7 --timeout 2)
[ "$r" = connected ] || tt_fail "after the storm the client was not let in again: $r"
echo "  after the storm: served again"
scrape "$TT_WORK/m2"
for reason in edge_client_rate edge_client_connections; do
	n=$(metric "$TT_WORK/m2" tlsterm_drops_total reason="$reason")
	[ "$n" -gt 0 ] || tt_fail "/metrics: no drops counted as $reason"
done
tt_stop "$log"
tt_check_clean_stop "$log"
stat_at_least edge_client_rate 1
stat_at_least edge_client_connections 1
echo "  run 2 counters: edge_client_rate=$(tt_stat "$log" edge_client_rate)" \
	"edge_client_connections=$(tt_stat "$log" edge_client_connections)" \
	"client_evictions=$(tt_stat "$log" client_evictions)"
# ---------------------------------------------------------------- run 3
# A cap on handshakes at once: 30 stalled ones with max_handshaking 16 leave 16 holding
# OpenSSL state until the timeout; the others are reset at once.
tt_write_config "$TT_WORK/tlsterm3.yaml" \
	"listeners:" \
	"  - port: 443" \
	"    backend: echo" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"edge: { max_handshaking: 16 }" \
	"limits: { handshake_timeout_ms: 2000 }"
log=$TT_WORK/tlsterm3.log
tt_start "$TT_WORK/tlsterm3.yaml" "$log"
client half_hello "$HOST" 443 --count 30 --wait 20 >"$TT_WORK/half3.txt" ||
	tt_fail "half_hello client failed"
grep -q "^closed 30 of 30" "$TT_WORK/half3.txt" ||
	tt_fail "30 stalled handshakes: $(tail -n 1 "$TT_WORK/half3.txt"), want all closed"
tt_stop "$log"
tt_check_clean_stop "$log"
refused=$(tt_stat "$log" handshakes_refused)
timeouts=$(tt_stat "$log" handshake_timeouts)
[ "$refused" -ge 14 ] && [ "$timeouts" -le 16 ] && [ "$timeouts" -ge 1 ] ||
	{ grep stats: "$log" >&2; tt_fail "max_handshaking 16: refused=$refused timeouts=$timeouts"; }
echo "  30 stalled handshakes, max_handshaking 16: handshakes_refused=$refused" \
	"handshake_timeouts=$timeouts; $(tail -n 1 "$TT_WORK/half3.txt")"

echo "PASS: edge protection (ACL, closed ports, ICMP rate, stalled handshakes, idle, SYN flood," \
	"per-client limits, handshake cap); every drop counted, no mbuf leaked"
