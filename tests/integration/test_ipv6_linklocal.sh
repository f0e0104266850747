#!/usr/bin/env bash
# A link-local backend named with its port: both of tlsterm's ports have IPv6, and the backend
# server is the backend namespace's own fe80:: address on the inside link. Written
# "[fe80::...%inside]:8082" it is reached through the inside port (health checks come up,
# curl over IPv6 gets its download intact, from tlsterm's link-local address); written without
# the zone it would be looked for on the first IPv6 port (edge), where nobody answers: the
# server stays down and the client's request finds no server. Counters asserted, no mbuf
# leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_proxy_begin test_ipv6_linklocal 2001:2:0:18::1 :: # the backend listens on any address
ll_back=$(tt_in_backend ip -6 -o addr show dev "$TT_IF_BACKEND" scope link |
	sed -n 's/.* inet6 \(fe80::[0-9a-f:]*\)\/64.*/\1/p' | head -n 1)
[ -n "$ll_back" ] || tt_fail "the backend namespace has no link-local address on $TT_IF_BACKEND"

ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$here/proxy_backend.py" --listen :: --port 8082 \
	--proxy off >"$TT_WORK/backend.log" 2>&1 &
BACKEND_PIDS+=($!)
tt_wait_for "ip netns exec $TT_NS_BACKEND ss -ltnH 'sport = :8082' | grep -q LISTEN" 10 ||
	tt_fail "backend did not start"

config() { # config SERVER
	TT_IPV6=1 tt_write_config "$TT_WORK/tlsterm.yaml" \
		"listeners:" \
		"  - port: 443" \
		"    backend: app" \
		"    tls:" \
		"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
		"      alpn: [http/1.1]" \
		"backends:" \
		"  app:" \
		"    servers: [\"$1\"]" \
		"    retries: 0" \
		"    health: { type: http, path: /healthz, interval_ms: 300, timeout_ms: 250, rise: 1, fall: 1 }"
}
# ---------------------------------------------------------------- run 1: with the zone
echo "run 1: [$ll_back%inside]:8082"
config "[$ll_back%inside]:8082"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"
tt_wait_for "grep -q 'GET /healthz' '$TT_WORK/backend.log'" 20 ||
	tt_fail "no health check reached [$ll_back]:8082 on the inside link"
# The checks come from tlsterm's link-local address on the inside port.
grep -qE '^proxy_backend: \[?fe80:' "$TT_WORK/backend.log" ||
	{ cat "$TT_WORK/backend.log"; tt_fail "the backend saw no connection from a link-local address"; }
expected=$TT_WORK/expected.bin
"$TT_PY" -c "import sys; sys.path.insert(0, '$here'); import proxy_backend as b
open('$expected', 'wb').write(b''.join(b.pattern_bytes(1 << 20)))"
tt_wait_for "curl_in -o $TT_WORK/got.bin https://tlsterm.test/bytes/$((1 << 20))" 20 ||
	tt_fail "HTTPS download through the link-local backend failed"
cmp -s "$expected" "$TT_WORK/got.bin" || tt_fail "download through the link-local backend differs"
echo "  health checks and a 1 MiB download through [$ll_back%inside]:8082"
tt_stop "$log"
tt_check_clean_stop "$log"
sess=$(tt_stat "$log" sessions)
[ "${sess:-0}" -ge 1 ] || { grep stats: "$log"; tt_fail "proxy sessions=${sess:-missing}"; }
cp "$log" "$TT_WORK/run1.log"

# ---------------------------------------------------------------- run 2: without it
echo "run 2: [$ll_back]:8082 (no zone: the first IPv6 port, edge)"
config "[$ll_back]:8082"
lines_before=$(wc -l <"$TT_WORK/backend.log")
tt_start "$TT_WORK/tlsterm.yaml" "$log"
tt_wait_for "grep -q 'is DOWN' '$log'" 20 || tt_fail "the server did not go down without its zone"
code=$(curl_in -o /dev/null -w '%{http_code}' https://tlsterm.test/bytes/16 2>/dev/null || true)
[ "$code" != 200 ] || tt_fail "a download worked without the zone (the edge link has no such server)"
lines_after=$(wc -l <"$TT_WORK/backend.log")
[ "$lines_after" -eq "$lines_before" ] ||
	tt_fail "the backend was reached without the zone ($((lines_after - lines_before)) new lines)"
echo "  without the zone: server down, no request reached it, the client got '${code:-nothing}'"
tt_stop "$log"
tt_check_clean_stop "$log"
nos=$(tt_stat "$log" no_server || true)
[ "${nos:-0}" -ge 1 ] || { grep stats: "$log"; tt_fail "no_server=${nos:-missing}, want >= 1 (the client's request)"; }
echo "PASS: a link-local backend with its port's name is served through that port; without it, not"
