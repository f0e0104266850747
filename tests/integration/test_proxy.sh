#!/usr/bin/env bash
# The reverse proxy with real peers: curl in the client namespace, an HTTP/1.1 backend
# (proxy_backend.py) in the backend namespace. HTTPS and plain TCP (L4) listeners to backend
# pools: downloads and uploads intact, round robin across servers, PROXY v1 and v2 (with the
# TLS TLVs) as the backend sees them, a refused server skipped, a pool with every server down
# closing the client cleanly, a server taken out by the HTTP health check and brought back,
# many requests at once. At shutdown: no session, connection or mbuf left.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_proxy_begin test_proxy 198.18.0.1 198.19.0.2
admin_port=$(tt_free_port)

# refused_by_tlsterm WHAT URL: a request that must fail because tlsterm found no server for
# it (no_server rises by one) and said so by closing the client, not by leaving it to a timer:
# no backend connect timed out, and curl ended on the close (its exit status is not 28, its
# own timeout). The time taken is printed, not judged.
refused_by_tlsterm() {
	local what=$1 url=$2 ns0 nt0 rc=0 t0 ms
	ns0=$(tt_metric "$admin_port" tlsterm_proxy_no_server_total)
	nt0=$(tt_metric "$admin_port" tlsterm_proxy_connect_timeouts_total)
	t0=$(date +%s%N)
	curl_in -o /dev/null "$url" 2>"$TT_WORK/refused.txt" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -ne 0 ] || tt_fail "$what, yet the request succeeded"
	[ "$rc" -ne 28 ] || tt_fail "$what: curl timed out instead of being closed"
	[ "$(tt_metric "$admin_port" tlsterm_proxy_no_server_total)" -eq $((ns0 + 1)) ] ||
		tt_fail "$what: no_server did not rise by one"
	[ "$(tt_metric "$admin_port" tlsterm_proxy_connect_timeouts_total)" -eq "$nt0" ] ||
		tt_fail "$what: a backend connect timed out"
	echo "  $what: closed by tlsterm (no_server +1, curl exit $rc) after $ms ms" \
		"($(head -c 80 "$TT_WORK/refused.txt"))"
}

ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$here/tcp_echo_backend.py" --listen "$BACK" --port 9007 \
	>"$TT_WORK/echo-backend.log" 2>&1 &
BACKEND_PIDS+=($!)
backend 8080 v2
backend 8081 v1
backend 8082 off
backend 8083 off
tt_backends_listening 8080 8081 8082 8083

tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" "$(tls 443 app)" "$(tls 8443 v2 v2)" "$(tls 8444 v1 v1)" \
	"$(tls 9443 failover)" "$(tls 9444 down)" \
	"  - { port: 8080, backend: app }" \
	"  - { port: 7070, backend: echo_pool }" \
	"backends:" \
	"  app:" \
	"    servers: [\"$BACK:8082\", \"$BACK:8083\"]" \
	"    health: { type: http, path: /healthz, interval_ms: 300, timeout_ms: 250, rise: 2, fall: 2 }" \
	"  v2: { servers: [\"$BACK:8080\"] }" \
	"  echo_pool: { servers: [\"$BACK:9007\"] }" \
	"  v1: { servers: [\"$BACK:8081\"] }" \
	"  failover:" \
	"    servers: [\"$BACK:8099\", \"$BACK:8082\"]" \
	"    retries: 1" \
	"    health: { interval_ms: 600000, fall: 3 }   # not found out before the request" \
	"  down: { servers: [\"$BACK:8098\", \"$BACK:8099\"], connect_timeout_ms: 1000 }" \
	"access_log: { file: $TT_WORK/access.log }" \
	"admin: { listen: \"127.0.0.1:$admin_port\" }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

# Download and upload intact, over HTTPS and over L4.
tt_proxy_transfers ""

# Half-close carried across both ways (L4 to a TCP echo server): the client's FIN reaches the
# backend, which finishes echoing and sends its own FIN, which reaches the client.
out=$TT_WORK/halfclose.txt
timeout 120 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" echo --host "$HOST" \
	--port 7070 --bytes $((4 << 20)) >"$out" 2>&1 || tt_fail "half-close: $(tail -n 1 "$out")"
echo "  half-close (L4): $(tail -n 1 "$out")"
tt_wait_for "grep -q 'bytes, ended by FIN' '$TT_WORK/echo-backend.log'" 5 ||
	tt_fail "half-close: the backend did not see a FIN"
# A client that resets: the backend connection is reset too.
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" <<'PY' || tt_fail "client reset"
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 7070), timeout=10)
s.sendall(b"x" * 1000)
assert s.recv(1000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()  # RST
PY
tt_wait_for "grep -q 'ended by reset' '$TT_WORK/echo-backend.log'" 5 ||
	tt_fail "client reset: the backend connection was not reset"
echo "  client reset (L4): the backend's connection was reset too"

# 50 requests on one keep-alive connection.
urls=()
for i in $(seq 1 50); do urls+=(-o "$TT_WORK/ka$i.json" "https://tlsterm.test/?$i"); done
connects=$(curl_in -w '%{num_connects}\n' "${urls[@]}" | awk '{s += $1} END {print s}')
[ "$connects" -eq 1 ] || tt_fail "keep-alive: 50 requests took $connects connections"
[ "$(json "$TT_WORK/ka50.json" 'j["request_on_connection"]')" -eq 50 ] ||
	tt_fail "keep-alive: the backend did not see 50 requests on one connection"
echo "  keep-alive: 50 requests on one connection (the backend's 50th request on it)"

# Round robin: new connections alternate between the two servers.
ports=""
for i in 1 2 3 4; do
	curl_in -o "$TT_WORK/rr$i.json" https://tlsterm.test/ || tt_fail "request $i failed"
	ports="$ports $(json "$TT_WORK/rr$i.json" 'j["local"]["port"]')"
done
[ "$(tr ' ' '\n' <<<"$ports" | sort -u | grep -c .)" -eq 2 ] ||
	tt_fail "round robin: requests went to ports$ports"
echo "  round robin: servers$ports"

# PROXY v2 with the TLS TLVs, and v1, as the backend parsed them.
curl_in -o "$TT_WORK/v2.json" https://tlsterm.test:8443/ || tt_fail "PROXY v2 request failed"
json "$TT_WORK/v2.json" 'j["proxy"]' >"$TT_WORK/v2.txt"
for want in "'198.18.0.2'" "'198.18.0.1'" "8443" "http/1.1" "tlsterm.test" "TLSv1.3" \
	"TLS_AES_" "ECDSA-SHA256" "EC256"; do
	grep -q -- "$want" "$TT_WORK/v2.txt" || tt_fail "PROXY v2: no $want in $(cat "$TT_WORK/v2.txt")"
done
echo "  PROXY v2: $(cut -c1-200 "$TT_WORK/v2.txt")"
curl_in -o "$TT_WORK/v1.json" https://tlsterm.test:8444/ || tt_fail "PROXY v1 request failed"
json "$TT_WORK/v1.json" 'j["proxy"]' >"$TT_WORK/v1.txt"
grep -q "198.18.0.2" "$TT_WORK/v1.txt" && grep -q "8444" "$TT_WORK/v1.txt" ||
	tt_fail "PROXY v1: $(cat "$TT_WORK/v1.txt")"
echo "  PROXY v1: $(cat "$TT_WORK/v1.txt")"

# A refused server is skipped; a pool with every server down closes the client cleanly.
curl_in -o "$TT_WORK/fo.json" https://tlsterm.test:9443/ || tt_fail "failover request failed"
[ "$(json "$TT_WORK/fo.json" 'j["local"]["port"]')" = 8082 ] || tt_fail "failover: wrong server"
echo "  failover: the refused server skipped, served by 8082"
refused_by_tlsterm "all servers down" https://tlsterm.test:9444/

# Many requests at once over HTTPS, on their own connections.
urls=()
for i in $(seq 1 200); do urls+=(-o /dev/null "https://tlsterm.test/bytes/20000?$i"); done
curl_in --parallel --parallel-max 50 -w '%{http_code}\n' "${urls[@]}" >"$TT_WORK/par.txt" \
	2>&1 || true
ok=$(grep -c '^200$' "$TT_WORK/par.txt" || true)
[ "$ok" -eq 200 ] || tt_fail "parallel: $ok of 200 requests answered 200"
echo "  200 requests, 50 at a time: all 200 OK"

# Health check: a server that stops answering is taken out, then brought back.
kill "$BACKEND_8083"
sleep 1.5
for i in 1 2 3 4 5 6; do
	curl_in -o "$TT_WORK/h$i.json" https://tlsterm.test/ || tt_fail "request $i with 8083 down"
	[ "$(json "$TT_WORK/h$i.json" 'j["local"]["port"]')" = 8082 ] ||
		tt_fail "request $i went to a server that is down"
done
echo "  health: 8083 down, 6 requests all served by 8082"
backend 8083 off
sleep 1.5
ports=""
for i in 1 2 3 4; do
	curl_in -o "$TT_WORK/b$i.json" https://tlsterm.test/ || tt_fail "request $i after 8083 came back"
	ports="$ports $(json "$TT_WORK/b$i.json" 'j["local"]["port"]')"
done
grep -q 8083 <<<"$ports" || tt_fail "8083 did not come back: ports$ports"
echo "  health: 8083 back in rotation:$ports"

# A client that reads slowly while the backend sends 64 MiB: tlsterm stops reading from the
# backend (its window closes), so the backend blocks and what sits in between stays bounded.
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" "$certs/ca.pem" "$TT_NS_BACKEND" <<'PY' ||
import socket, ssl, subprocess, sys, time
host, ca, ns = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.create_connection((host, 443), timeout=20)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s = ctx.wrap_socket(raw, server_hostname="tlsterm.test")
s.sendall(b"GET /bytes/67108864 HTTP/1.1\r\nHost: tlsterm.test\r\n\r\n")
got = 0
while got < (1 << 20):
    got += len(s.recv(65536))
def backend_queued():
    out = subprocess.run(["ip", "netns", "exec", ns, "ss", "-tnH", "( sport = :8082 or sport = :8083 )"],
                         capture_output=True, text=True).stdout
    return max([int(l.split()[2]) for l in out.splitlines() if l.startswith("ESTAB")] or [0])
time.sleep(3)
q1 = backend_queued()
time.sleep(2)
q2 = backend_queued()
assert q1 > 0 and q2 >= q1 * 0.9, f"the backend was not held back: Send-Q {q1} then {q2}"
s.close()
print(f"  slow reader: after 1 MiB read, the backend is held back (Send-Q {q1}, then {q2})")
PY
	tt_fail "slow reader"

# Every server of a pool killed: requests fail at once (refused, not timed out); restarted:
# served again once checked.
kill "$BACKEND_8081"
wait "$BACKEND_8081" 2>/dev/null || true
refused_by_tlsterm "backend killed" https://tlsterm.test:8444/
backend 8081 v1
tt_backends_listening 8081
tt_wait_for "curl_in -o /dev/null https://tlsterm.test:8444/" 15 ||
	tt_fail "the restarted backend is not served again"
echo "  backend restarted: served again"

# Log rotation: the files moved away, SIGUSR1, and new lines go to new files.
mv "$TT_WORK/access.log" "$TT_WORK/access.log.1"
kill -USR1 "$TT_PID"
tt_wait_for "grep -q 'SIGUSR1: log files reopened' '$log'" 5 || tt_fail "SIGUSR1 not handled"
curl_in -o /dev/null https://tlsterm.test/ || tt_fail "request after SIGUSR1"
tt_wait_for "[ -s '$TT_WORK/access.log' ]" 5 || tt_fail "SIGUSR1: the access log was not reopened"
echo "  SIGUSR1: the access log reopened after rotation"

sleep 1
tt_stop "$log"

# The access log: a line per session, with what each side chose.
cat "$TT_WORK/access.log.1" "$TT_WORK/access.log" >"$TT_WORK/access-all.log"
mv "$TT_WORK/access-all.log" "$TT_WORK/access.log"
lines=$(wc -l <"$TT_WORK/access.log")
sessions=$(tt_stat "$log" sessions)
[ "$lines" -eq "$sessions" ] || tt_fail "access log: $lines lines for $sessions sessions"
grep -Eq "listener=8443 tls=TLSv1.3 cipher=TLS_AES_.* sni=tlsterm.test alpn=http/1.1 backend=v2 server=198.19.0.2:8080 .* end=done" \
	"$TT_WORK/access.log" || tt_fail "access log: no line for the PROXY v2 request"
grep -q "listener=9444 .* end=no_server" "$TT_WORK/access.log" || tt_fail "access log: no no_server line"
grep -Eq "listener=443 .* down=(1[6-9]|[2-9][0-9])[0-9]{6} " "$TT_WORK/access.log" ||
	tt_fail "access log: no line with the 16 MiB download"
echo "  access log: $lines lines, one per session; for example:"
grep "listener=8443" "$TT_WORK/access.log" | head -n 1 | sed 's/^/    /'

# Idle timeout: a second tlsterm with limits.idle_timeout_ms 1500; a proxied connection that
# goes quiet is closed on both sides.
tt_write_config "$TT_WORK/idle.yaml" "listeners:" "$(tls 443 app)" "backends:" \
	"  app: { servers: [\"$BACK:8082\"] }" "limits: { idle_timeout_ms: 1500 }" \
	"access_log: { file: $TT_WORK/access-idle.log }"
tt_start "$TT_WORK/idle.yaml" "$TT_WORK/idle.log"
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" "$certs/ca.pem" <<'PY' || tt_fail "idle timeout"
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], 443), timeout=10),
                    server_hostname="tlsterm.test")
s.sendall(b"GET / HTTP/1.1\r\nHost: tlsterm.test\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
while len(body) < length:
    body += s.recv(65536)  # the whole answer; then nothing either way
t0 = time.monotonic()
try:
    left = s.recv(100)
except (ConnectionResetError, ssl.SSLError):
    left = b""
waited = time.monotonic() - t0
assert left == b"", f"data after the answer: {left!r}"
# Who closed it is told by idle_timeouts below; the time is information.
print(f"  idle timeout: a quiet connection closed after {waited:.1f} s (limit 1.5 s)")
PY
sleep 0.5
tt_stop "$TT_WORK/idle.log"
[ "$(tt_stat "$TT_WORK/idle.log" idle_timeouts)" = 1 ] || tt_fail "idle timeout not counted"
grep -q "end=idle_timeout" "$TT_WORK/access-idle.log" || tt_fail "access log: no idle_timeout line"
grep -o 'stats: proxy .*' "$log" | sed 's/^stats: /  /' || true
tt_check_clean_stop "$log"
bad=()
[ "$(tt_stat "$log" retries)" -ge 1 ] || bad+=("no retry counted")
[ "$(tt_stat "$log" no_server)" -ge 1 ] || bad+=("no no_server counted")
if [ ${#bad[@]} -gt 0 ]; then
	grep stats: "$log" >&2
	msg=$(printf '%s; ' "${bad[@]}")
	tt_fail "${msg%; }"
fi
echo "PASS: test_proxy"
