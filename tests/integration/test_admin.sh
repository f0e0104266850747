#!/usr/bin/env bash
# The admin API over a kernel socket while tlsterm serves TLS on the test bed: /metrics parsed
# by the Prometheus client's own parser (every family typed and documented), its counters
# rising as s_client handshakes go through, /stats valid JSON with the same numbers, /healthz,
# the bearer token (401 without it or with a wrong one), 404, 405 and POST /reload
# (test_reload.sh tests reload itself), and an idle connection giving its expanded keys back.
# At shutdown the logged totals match the last scrape.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
TT_WORK=$(mktemp -d)
TT_PID=
name=test_admin
cleanup() {
	local rc=$?
	set +e
	if [ -n "${TT_PID:-}" ]; then
		kill -TERM "$TT_PID" 2>/dev/null
		timeout 10 tail --pid="$TT_PID" -f /dev/null || kill -KILL "$TT_PID" 2>/dev/null
	fi
	bash "$here/../../scripts/testbed.sh" down >/dev/null 2>&1
	if [ "$rc" -ne 0 ]; then
		echo "$name: evidence kept in $TT_WORK" >&2
	else
		rm -rf "$TT_WORK"
	fi
}
trap cleanup EXIT

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log
certs=$TT_WORK/certs
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null
bash "$here/../../scripts/testbed.sh" up >/dev/null

# A free loopback port: tests of several prefixes may run at once on this host.
port=$("$TT_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(openssl rand -hex 32)
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - port: 443" \
	"    backend: echo" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"admin: { listen: \"127.0.0.1:$port\", token: \"$token\" }"
tt_start "$TT_WORK/tlsterm.yaml" "$log"
grep -q "admin API on 127.0.0.1:$port, bearer token" "$log" || tt_fail "no admin API in the log"

# api METHOD PATH OUT [curl args...]: prints the HTTP status; the body goes to OUT.
api() {
	local method=$1 path=$2 out=$3
	shift 3
	curl -s -m 10 -X "$method" -o "$out" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path"
}
auth=(-H "Authorization: Bearer $token")
expect() { # expect WANT GOT LABEL
	[ "$1" = "$2" ] || tt_fail "$3: HTTP $2, want $1"
	echo "  $3: $2"
}

expect 401 "$(api GET /metrics "$TT_WORK/r")" "no token"
grep -q unauthorized "$TT_WORK/r" || tt_fail "no token: body $(cat "$TT_WORK/r")"
expect 401 "$(api GET /healthz "$TT_WORK/r" -H "Authorization: Bearer x$token")" "wrong token"
expect 401 "$(api POST /reload "$TT_WORK/r" -H "Authorization: Basic $token")" "not a bearer"
expect 200 "$(api GET /healthz "$TT_WORK/r" "${auth[@]}")" "healthz"
[ "$(cat "$TT_WORK/r")" = ok ] || tt_fail "healthz said $(cat "$TT_WORK/r")"
expect 404 "$(api GET /nothing "$TT_WORK/r" "${auth[@]}")" "unknown path"
expect 405 "$(api POST /metrics "$TT_WORK/r" "${auth[@]}")" "POST /metrics"
expect 200 "$(api POST /reload "$TT_WORK/r" "${auth[@]}")" "POST /reload (the same file again)"
"$TT_PY" -c 'import json, sys; assert json.load(open(sys.argv[1])) == {"reloaded": True, "generation": 2}' \
	"$TT_WORK/r" || tt_fail "reload: body $(cat "$TT_WORK/r")"

# scrape N: /metrics into m.N, checked by the parser.
scrape() {
	local type
	type=$(curl -s -m 10 -o "$TT_WORK/m.$1" -w '%{content_type}' "${auth[@]}" \
		"http://127.0.0.1:$port/metrics")
	[ "$type" = "text/plain; version=0.0.4" ] || tt_fail "metrics: Content-Type $type"
	"$TT_PY" "$here/metrics_check.py" check "$TT_WORK/m.$1" >/dev/null ||
		tt_fail "metrics $1 do not parse"
}
metric() { # metric N NAME [k=v...]
	local n=$1
	shift
	"$TT_PY" "$here/metrics_check.py" get "$TT_WORK/m.$n" "$@"
}

scrape 0
echo "  /metrics: $("$TT_PY" "$here/metrics_check.py" check "$TT_WORK/m.0")"
t13_0=$(metric 0 tlsterm_tls_handshakes_total version=1.3 result=ok)
t12_0=$(metric 0 tlsterm_tls_handshakes_total version=1.2 result=ok)
rx_0=$(metric 0 tlsterm_port_rx_packets_total port=edge)
rxdev_0=$(metric 0 tlsterm_port_rx_device_cycles_total port=edge)
txdev_0=$(metric 0 tlsterm_port_tx_device_cycles_total port=edge)
it_0=$(metric 0 tlsterm_worker_iterations_total worker=0)
[ "$(metric 0 tlsterm_tsc_hz)" -gt 0 ] || tt_fail "tsc_hz is 0"
[ "$(metric 0 tlsterm_mempool_size pool=mbufs_w0)" -eq 32767 ] || tt_fail "mempool size wrong"
metric 0 tlsterm_mempool_in_use pool=mbufs_w0 >/dev/null # af_packet fills no RX ring: may be 0

# Traffic: three TLS 1.3 and one TLS 1.2 handshake, each echoing a line.
for v in -tls1_3 -tls1_3 -tls1_3 -tls1_2; do
	line="admin-$RANDOM"
	out=$( (printf '%s\n' "$line"; sleep 1) | timeout 20 ip netns exec "$TT_NS_CLIENT" \
		openssl s_client -connect "$HOST:443" -CAfile "$certs/ca.pem" -verify_return_error \
		-servername tlsterm.test -no_ign_eof "$v" 2>&1 || true)
	grep -qx -- "$line" <<<"$out" || { echo "$out" | tail -n 20 >&2; tt_fail "s_client $v: no echo"; }
done
echo "  4 s_client connections echoed"
sleep 1 # the connections close; nothing moves after this

scrape 1
t13_1=$(metric 1 tlsterm_tls_handshakes_total version=1.3 result=ok)
t12_1=$(metric 1 tlsterm_tls_handshakes_total version=1.2 result=ok)
rx_1=$(metric 1 tlsterm_port_rx_packets_total port=edge)
it_1=$(metric 1 tlsterm_worker_iterations_total worker=0)
opened=$(metric 1 tlsterm_tcp_connections_opened_total direction=passive)
[ "$t13_1" -eq $((t13_0 + 3)) ] || tt_fail "TLS 1.3 handshakes: $t13_0 -> $t13_1, want +3"
[ "$t12_1" -eq $((t12_0 + 1)) ] || tt_fail "TLS 1.2 handshakes: $t12_0 -> $t12_1, want +1"
[ "$rx_1" -gt "$rx_0" ] || tt_fail "edge rx packets did not rise ($rx_0 -> $rx_1)"
# af_packet's receive and transmit calls were timed while frames moved
[ "$(metric 1 tlsterm_port_rx_device_cycles_total port=edge)" -gt "$rxdev_0" ] ||
	tt_fail "edge rx device cycles did not rise"
[ "$(metric 1 tlsterm_port_tx_device_cycles_total port=edge)" -gt "$txdev_0" ] ||
	tt_fail "edge tx device cycles did not rise"
[ "$it_1" -gt "$it_0" ] || tt_fail "worker iterations did not rise"
[ "$opened" -ge 4 ] || tt_fail "passive opens $opened, want >= 4"
[ "$(metric 1 tlsterm_tls_records_total direction=seal)" -gt 0 ] || tt_fail "no record sealed"
[ "$(metric 1 tlsterm_tls_alerts_received_total alert=close_notify)" -ge 1 ] ||
	tt_fail "no close_notify received counted"
# each connection's keys were expanded into lent schedules, given back when it closed
[ "$(metric 1 tlsterm_tls_key_expansions_total)" -ge 2 ] || tt_fail "no key expansion counted"
[ "$(metric 1 tlsterm_tls_key_schedules_in_use)" -eq 0 ] || tt_fail "key schedules still lent"
[ "$(metric 1 tlsterm_tls_key_schedules_size)" -ge 1024 ] || tt_fail "key schedule cache size"
echo "  handshakes 1.3: $t13_0 -> $t13_1, 1.2: $t12_0 -> $t12_1; edge rx packets $rx_0 -> $rx_1"

expect 200 "$(api GET /stats "$TT_WORK/stats.json" "${auth[@]}")" "stats"
"$TT_PY" - "$TT_WORK/stats.json" "$t13_1" "$t12_1" "$opened" <<'PY' || tt_fail "stats: $(head -c 300 "$TT_WORK/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
t13, t12, opened = map(int, sys.argv[2:])
assert s["tls"]["handshakes_tls13"] == t13, s["tls"]
assert s["tls"]["handshakes_tls12"] == t12, s["tls"]
assert s["tcp"]["passive_opens"] == opened, s["tcp"]
assert s["ports"]["edge"]["rx_packets"] > 0
assert s["workers"][0]["iterations"] > 0
assert s["mempools"][0]["pool"] == "mbufs_w0"
assert s["connections"]["tls_open"] == 0, s["connections"]
assert s["connections"]["tls_key_schedules"] == 0, s["connections"]
assert s["tls"]["key_expansions"] >= 2, s["tls"]
PY
echo "  /stats: valid JSON, the same numbers"

# A connection that goes idle gives its expanded keys back, and has them expanded again when it
# moves data: a Python (OpenSSL) client echoes a line, waits while tlsterm's sweep takes its
# two key schedules back (the connection still open), then echoes another.
gauge() { # gauge NAME: the value in a fresh scrape
	curl -s -m 10 "${auth[@]}" "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n {print $2}'
}
go=$TT_WORK/idle.go
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" "$certs/ca.pem" "$go" >"$TT_WORK/idle.out" 2>&1 <<'PY' &
import os, socket, ssl, sys, time
host, ca, go = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection((host, 443), timeout=30), server_hostname="tlsterm.test")
def echo(line):
    s.sendall(line)
    got = b""
    while not got.endswith(b"\n"):
        got += s.recv(100)
    assert got == line, got
echo(b"before idle\n")
print("idle", flush=True)
for _ in range(300):  # until the test has seen the keys go back (30 s at most)
    if os.path.exists(go):
        break
    time.sleep(0.1)
echo(b"after idle\n")
print("echoed again", flush=True)
s.close()
PY
idle_pid=$!
tt_wait_for "grep -qx idle '$TT_WORK/idle.out'" 20 || tt_fail "idle client: $(cat "$TT_WORK/idle.out")"
exp0=$(gauge tlsterm_tls_key_expansions_total)
swept0=$(gauge tlsterm_tls_key_schedules_swept_total)
tt_wait_for '[ "$(gauge tlsterm_tls_key_schedules_in_use)" = 0 ]' 20 ||
	tt_fail "an idle connection kept its key schedules ($(gauge tlsterm_tls_key_schedules_in_use))"
[ "$(gauge tlsterm_tls_connections_open)" = 1 ] || tt_fail "the idle connection is gone"
[ "$(gauge tlsterm_tls_key_schedules_swept_total)" -ge $((swept0 + 2)) ] ||
	tt_fail "the sweep did not count the two schedules"
touch "$go"
wait "$idle_pid" || tt_fail "idle client: $(tail -n 3 "$TT_WORK/idle.out")"
grep -qx "echoed again" "$TT_WORK/idle.out" || tt_fail "no echo after idle"
[ "$(gauge tlsterm_tls_key_expansions_total)" -ge $((exp0 + 2)) ] ||
	tt_fail "keys not expanded again after idle"
echo "  an idle connection gave its 2 key schedules back (swept $swept0 -> $(gauge tlsterm_tls_key_schedules_swept_total)) and echoed again (expansions $exp0 -> $(gauge tlsterm_tls_key_expansions_total))"

tt_stop "$log"
# the scrape's, and the idle client's handshake since
[ "$(tt_stat "$log" handshakes_tls13)" -eq $((t13_1 + 1)) ] || tt_fail "shutdown stats differ from the scrape"
for s in tcp_connections_open tls_connections_open leaked fsm_illegal; do
	n=$(tt_stat "$log" $s || true)
	[ "$n" = 0 ] || tt_fail "$s=${n:-missing} (want 0)"
done
echo "PASS: $name"
