#!/usr/bin/env bash
# The reverse proxy over IPv6 only: curl -6 in the client namespace to tlsterm's IPv6 address,
# backends (proxy_backend.py) on the backend namespace's IPv6 address. HTTPS and plain TCP
# downloads and an upload arrive intact; the PROXY v2 and v1 headers the backend parses carry
# the client's IPv6 address; the access log shows both ends in IPv6 text form. At shutdown no
# connection or session is left and no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
CLIENT=2001:2:0:18::2
tt_proxy_begin test_ipv6_proxy 2001:2:0:18::1 2001:2:0:19::2

backend 8080 v2
backend 8081 v1
backend 8082 off
tt_backends_listening 8080 8081 8082

TT_IPV6=1 tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" "$(tls 443 app)" "$(tls 8443 v2 v2)" "$(tls 8444 v1 v1)" \
	"  - { port: 8080, backend: app }" \
	"backends:" \
	"  app:" \
	"    servers: [\"[$BACK]:8082\"]" \
	"    health: { type: http, path: /healthz, interval_ms: 300, timeout_ms: 250, rise: 1, fall: 2 }" \
	"  v2: { servers: [\"[$BACK]:8080\"] }" \
	"  v1: { servers: [\"[$BACK]:8081\"] }" \
	"access_log: { file: $TT_WORK/access.log }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

# The HTTP health check (worker 0) reaches the server over IPv6, from our inside address.
tt_wait_for "grep -q '^proxy_backend: \[2001:2:0:19::1\]:[0-9]*: \"GET /healthz' '$TT_WORK/backend-8082.log'" 10 ||
	tt_fail "no health check reached [$BACK]:8082 over IPv6"
echo "  health check: GET /healthz from [2001:2:0:19::1] answered by [$BACK]:8082"

tt_proxy_transfers " over IPv6"

# What the backend saw: tlsterm's inside IPv6 address as its peer.
curl_in -o "$TT_WORK/plain.json" https://tlsterm.test/ || tt_fail "request failed"
peer=$(json "$TT_WORK/plain.json" 'j["peer"]["addr"]')
[ "$peer" = 2001:2:0:19::1 ] || tt_fail "the backend's peer is $peer, not tlsterm's IPv6 address"
echo "  the backend's peer: $peer"

curl_in -o "$TT_WORK/v2.json" https://tlsterm.test:8443/ || tt_fail "PROXY v2 request failed"
json "$TT_WORK/v2.json" 'j["proxy"]' >"$TT_WORK/v2.txt"
for want in "'$CLIENT'" "'$HOST'" "8443" "http/1.1" "tlsterm.test" "TLSv1.3"; do
	grep -q -- "$want" "$TT_WORK/v2.txt" || tt_fail "PROXY v2: no $want in $(cat "$TT_WORK/v2.txt")"
done
echo "  PROXY v2: $(cut -c1-160 "$TT_WORK/v2.txt")"
curl_in -o "$TT_WORK/v1.json" https://tlsterm.test:8444/ || tt_fail "PROXY v1 request failed"
json "$TT_WORK/v1.json" 'j["proxy"]' >"$TT_WORK/v1.txt"
grep -q "$CLIENT" "$TT_WORK/v1.txt" && grep -q "TCP6" "$TT_WORK/v1.txt" ||
	tt_fail "PROXY v1: $(cat "$TT_WORK/v1.txt")"
echo "  PROXY v1: $(cat "$TT_WORK/v1.txt")"

sleep 1 # the last sessions' log records reach the control thread
tt_stop "$log"
tt_check_clean_stop "$log"

steered=$(tt_stat "$log" steered_in)
echo "  $(grep -o 'running: [0-9]* worker(s)' "$log" | head -n 1), frames steered between workers: $steered"
grep -q "client=\[$CLIENT\]:[0-9]* listener=443 .* server=\[$BACK\]:8082 " "$TT_WORK/access.log" ||
	{ cat "$TT_WORK/access.log" >&2; tt_fail "access log: no line with both IPv6 ends"; }
grep -q "listener=8443 .* server=\[$BACK\]:8080 " "$TT_WORK/access.log" ||
	tt_fail "access log: no line for the PROXY v2 request"
echo "  access log: $(grep -c . "$TT_WORK/access.log") lines; for example:"
grep "listener=8443" "$TT_WORK/access.log" | head -n 1 | sed 's/^/    /'
echo "PASS: HTTPS and L4 over IPv6 to an IPv6 backend, data intact, PROXY v1/v2 with IPv6, access log"
