#!/usr/bin/env bash
# IPv6 gateways with the kernel as the router: the client namespace owns a second prefix
# (2001:2:0:99::1/128 on its loopback, forwarding on) and the backend namespace another
# (2001:2:0:98::2/128), neither on tlsterm's links.
# Run 1, `ipv6_gateway:` on the edge port (the client namespace's veth address): a client
# bound to 2001:2:0:99::1 gets its echo data back intact over plain TCP and TLS; the gateway
# was resolved with NDP; nothing counted as no_route.
# Run 2, `ipv6_gateway:` on the inside port only: health checks and curl (from the on-link
# client) reach the backend at 2001:2:0:98::2 through it (active opens off-link), while the
# connect from 2001:2:0:99::1 now fails (its SYN-ACK has no route) and no_route is counted.
# An off-link backend leaves through the first port with a gateway (as for IPv4), so the two
# directions get a run each. Both runs: counters asserted, no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
FAR_CLIENT=2001:2:0:99::1  # off-link for tlsterm: behind the client namespace's kernel
FAR_BACK=2001:2:0:98::2    # off-link too: behind the backend namespace's kernel
tt_proxy_begin test_ipv6_gateway 2001:2:0:18::1 "$FAR_BACK"

# Each namespace routes its far prefix: the address sits on lo and the kernel forwards, so
# it answers tlsterm's neighbor solicitations for the veth address as a router would.
tt_in_client sysctl -qw net.ipv6.conf.all.forwarding=1
tt_in_client ip -6 addr add "$FAR_CLIENT/128" dev lo nodad
tt_in_backend sysctl -qw net.ipv6.conf.all.forwarding=1
tt_in_backend ip -6 addr add "$FAR_BACK/128" dev lo nodad

ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$here/proxy_backend.py" --listen "$FAR_BACK" \
	--port 8082 --proxy off >"$TT_WORK/backend.log" 2>&1 &
BACKEND_PIDS+=($!)
tt_wait_for "ip netns exec $TT_NS_BACKEND ss -ltnH 'sport = :8082' | grep -q LISTEN" 10 ||
	tt_fail "backend did not start"

listeners=("listeners:" \
	"  - { port: 7, backend: echo }" \
	"  - port: 443" \
	"    backend: app" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"      alpn: [http/1.1]" \
	"  - port: 4443" \
	"    backend: echo" \
	"    tls: { certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ] }" \
	"backends:" \
	"  app:" \
	"    servers: [\"[$FAR_BACK]:8082\"]" \
	"    health: { type: http, path: /healthz, interval_ms: 300, timeout_ms: 250, rise: 1, fall: 2 }")

# client_step NAME SCRIPT ARGS...: a test client in the client namespace, from FAR_CLIENT.
client_step() {
	local name=$1 script=$2
	shift 2
	local out=$TT_WORK/step-${name// /_}.txt
	timeout 180 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/$script" "$@" \
		--host "$HOST" >"$out" 2>&1 || tt_fail "$name: $(tail -n 1 "$out")"
	echo "  $name: $(tail -n 1 "$out")"
}

# ---------------------------------------------------------------- run 1: edge gateway
echo "run 1: ipv6_gateway on the edge port"
TT_IPV6=1 TT_EDGE_EXTRA=', ipv6_gateway: "2001:2:0:18::2"' \
	tt_write_config "$TT_WORK/tlsterm.yaml" "${listeners[@]}"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

client_step "echo 4 MiB from $FAR_CLIENT" tcp_client.py echo --port 7 --bytes $((4 << 20)) \
	--seed 99 --source "$FAR_CLIENT"
client_step "50 concurrent from $FAR_CLIENT" tcp_client.py concurrent --port 7 --conns 50 \
	--bytes 8192 --seed 50 --source "$FAR_CLIENT"
client_step "TLS 1.3 echo 1 MiB from $FAR_CLIENT" tls_client.py echo --port 4443 \
	--bytes $((1 << 20)) --tls 1.3 --ca "$certs/ca.pem" --source "$FAR_CLIENT"
# The kernel's sockets name the far address: nothing fell back to the on-link one.
socks=$(tt_in_client ss -tanH)
grep -qF "[$FAR_CLIENT]:" <<<"$socks" ||
	tt_fail "the client's kernel shows no connection from $FAR_CLIENT"
# tlsterm resolved its gateway with NDP, from its own address: the kernel learned it back.
mac_edge=$(tt_tlsterm_mac "$TT_IF_EDGE")
neigh=$(tt_in_client ip -6 neigh show "$HOST" dev "$TT_IF_CLIENT")
grep -qi "lladdr $mac_edge" <<<"$neigh" ||
	tt_fail "the client's kernel has no neighbor entry for tlsterm"
tt_stop "$log"
tt_check_clean_stop "$log"
sol=$(tt_stat "$log" ndp_solicits_sent)
[ "${sol:-0}" -ge 1 ] || { grep stats: "$log"; tt_fail "ndp_solicits_sent=${sol:-missing}, want >= 1 (the gateway)"; }
nr=$(tt_stat "$log" no_route || true)
[ -z "$nr" ] || { grep stats: "$log"; tt_fail "no_route=$nr with the gateway configured"; }
est=$(tt_stat "$log" established)
[ "${est:-0}" -ge 52 ] || { grep stats: "$log"; tt_fail "established=${est:-missing}, want >= 52"; }
cp "$log" "$TT_WORK/run1.log"

# ---------------------------------------------------------------- run 2: inside gateway
echo "run 2: ipv6_gateway on the inside port only"
TT_IPV6=1 TT_INSIDE_EXTRA=', ipv6_gateway: "2001:2:0:19::2"' \
	tt_write_config "$TT_WORK/tlsterm.yaml" "${listeners[@]}"
tt_start "$TT_WORK/tlsterm.yaml" "$log"
# Health checks reach the off-link backend through the inside gateway.
tt_wait_for "grep -q 'GET /healthz' '$TT_WORK/backend.log'" 20 ||
	tt_fail "no health check reached [$FAR_BACK]:8082 through the inside gateway"
expected=$TT_WORK/expected.bin
"$TT_PY" -c "import sys; sys.path.insert(0, '$here'); import proxy_backend as b
open('$expected', 'wb').write(b''.join(b.pattern_bytes(4 << 20)))"
tt_wait_for "ip netns exec $TT_NS_CLIENT curl -6 -sS --max-time 10 --cacert $certs/ca.pem \
	--resolve tlsterm.test:443:[$HOST] -o $TT_WORK/got.bin https://tlsterm.test/bytes/$((4 << 20))" 30 ||
	tt_fail "HTTPS download through the proxy from $FAR_BACK failed"
cmp -s "$expected" "$TT_WORK/got.bin" || tt_fail "HTTPS download through the inside gateway differs"
echo "  health checks and curl: 4 MiB from [$FAR_BACK]:8082 through 2001:2:0:19::2, intact"
r=$(tt_in_client "$TT_PY" "$here/edge_client.py" connect "$HOST" 7 --source "$FAR_CLIENT" \
	--timeout 4)
[ "$r" = timeout ] || tt_fail "connect from $FAR_CLIENT without an edge gateway: $r, want timeout"
echo "  $FAR_CLIENT without an edge gateway: $r (no route back)"
tt_stop "$log"
# The far client's connection waits in SYN_RCVD for its SYN-ACK retries (no route for any of
# them) when tlsterm stops: that one open connection is expected, nothing else.
tt_check_clean_stop "$log" tls_connections_open proxy_sessions leaked fsm_illegal
open=$(tt_stat "$log" tcp_connections_open)
[ "${open:-9}" -le 1 ] || { grep stats: "$log"; tt_fail "tcp_connections_open=$open, want <= 1"; }
nr=$(tt_stat "$log" no_route || true)
[ "${nr:-0}" -ge 1 ] || { grep stats: "$log"; tt_fail "no_route=${nr:-missing}, want >= 1"; }
sess=$(tt_stat "$log" sessions)
[ "${sess:-0}" -ge 1 ] || { grep stats: "$log"; tt_fail "proxy sessions=${sess:-missing}"; }
echo "PASS: off-link IPv6 client (edge gateway, $sol solicitations) and backend (inside gateway) served; without the edge gateway no_route=$nr"
