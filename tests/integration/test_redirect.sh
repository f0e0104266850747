#!/usr/bin/env bash
# The port-80 redirect over the test bed, against unmodified clients: curl gets a 301 (port 80)
# and a 308 with redirect_port (port 8080) with the path and query kept, HEAD too; a 10 KiB URI
# gets 414; garbage and a bare-LF request from a raw socket get 400 and a FIN; a client that
# sends half a request and waits gets 408 and a FIN after limits.redirect_timeout_ms.
# At shutdown: every outcome counted, no connection left, no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_redirect

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log
bash "$here/../../scripts/testbed.sh" up >/dev/null

tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - { port: 80, redirect_https: true }" \
	"  - { port: 8080, redirect_https: true, redirect_code: 308, redirect_port: 8443 }" \
	"limits: { redirect_timeout_ms: 2000 }"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

# curl_head ARGS...: the response head curl saw (CRs removed).
curl_head() {
	tt_in_client timeout 20 curl -si --max-time 10 "$@" | tr -d '\r' || true
}

# expect_line TEXT LABEL OUT: OUT must hold the line TEXT.
expect_line() {
	grep -qxF -- "$1" <<<"$3" || { echo "$3" >&2; tt_fail "$2: no line \"$1\""; }
}

out=$(curl_head "http://tlsterm.test/some/path?x=1" --resolve tlsterm.test:80:$HOST)
expect_line "HTTP/1.1 301 Moved Permanently" "301" "$out"
expect_line "Location: https://tlsterm.test/some/path?x=1" "301" "$out"
expect_line "Content-Length: 0" "301" "$out"
expect_line "Connection: close" "301" "$out"
echo "  GET port 80: 301 to https://tlsterm.test/some/path?x=1"

out=$(curl_head "http://tlsterm.test:8080/a/b?c=d&e" --resolve tlsterm.test:8080:$HOST)
expect_line "HTTP/1.1 308 Permanent Redirect" "308" "$out"
expect_line "Location: https://tlsterm.test:8443/a/b?c=d&e" "308" "$out"
echo "  GET port 8080: 308 to https://tlsterm.test:8443/a/b?c=d&e"

out=$(curl_head -I "http://tlsterm.test/head" --resolve tlsterm.test:80:$HOST)
expect_line "HTTP/1.1 301 Moved Permanently" "HEAD" "$out"
expect_line "Location: https://tlsterm.test/head" "HEAD" "$out"
echo "  HEAD: 301"

long=$(head -c 10240 /dev/zero | tr '\0' 'a')
code=$(tt_in_client timeout 20 curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	"http://tlsterm.test/$long" --resolve tlsterm.test:80:$HOST || true)
[ "$code" = 414 ] || tt_fail "10 KiB URI: got status '$code', want 414"
echo "  10 KiB URI: 414"

# Raw sockets: what comes back, and that a FIN follows (recv gives b"" in time).
tt_in_client "$TT_PY" - "$HOST" <<'PY'
import socket, sys, time
host = sys.argv[1]

def exchange(data, label, want):
    s = socket.create_connection((host, 80), timeout=10)
    t0 = time.monotonic()
    s.sendall(data)
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    waited = time.monotonic() - t0
    s.close()
    if not got.startswith(want):
        sys.exit(f"FAIL: {label}: got {got!r}, want {want!r}...")
    status = got.split(b"\r\n")[0].decode()
    print(f"  {label}: {status} and FIN after {waited:.1f} s")

exchange(b"\x00\x01garbage\r\n\r\n", "garbage", b"HTTP/1.1 400 Bad Request\r\n")
exchange(b"GET / HTTP/1.1\nHost: a\n\n", "bare LF", b"HTTP/1.1 400 Bad Request\r\n")
exchange(b"GET / HTTP/1.1\r\nHost: a\rSet-Cookie: x\r\n\r\n", "CR in Host",
         b"HTTP/1.1 400 Bad Request\r\n")
exchange(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 preface", b"HTTP/1.1 400 Bad Request\r\n")
# a request cut into bytes, each its own segment
s = socket.create_connection((host, 80), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for b in b"GET /x?y HTTP/1.1\r\nHost: [::1]:80\r\n\r\n":
    s.send(bytes([b]))
    time.sleep(0.002)
got = b""
while (chunk := s.recv(4096)):
    got += chunk
s.close()
if b"\r\nLocation: https://[::1]/x?y\r\n" not in got:
    sys.exit(f"FAIL: bytewise: got {got!r}")
print("  one byte per segment: 301 to https://[::1]/x?y")
# half a request, then nothing: 408 from the 2 s timer (redirect_timeouts=1 below says it
# was the timer; the time is printed, not judged)
exchange(b"GET /slow HTTP/1.1\r\nHost: a\r\n", "slow sender",
         b"HTTP/1.1 408 Request Timeout\r\n")
PY

sleep 1
tt_stop "$log"
grep -o 'stats: edge .*' "$log" | sed 's/^stats: /  /' || true
tt_check_clean_stop "$log"
bad=()
want() { # want NAME VALUE
	local n
	n=$(tt_stat "$log" "$1" || true)
	[ "${n:-missing}" = "$2" ] || bad+=("$1=${n:-missing} (want $2)")
}
want redirect_connections 10
want redirected 4
want uri_too_long 1
want bad_method 1
want bad_line_end 2
want h2_preface 1
want redirect_timeouts 1
want redirect_incomplete 0
want redirect_no_state 0
want redirect_send_failed 0
if [ ${#bad[@]} -gt 0 ]; then
	grep stats: "$log" >&2
	msg=$(printf '%s; ' "${bad[@]}")
	tt_fail "${msg%; }"
fi
echo "PASS: test_redirect"
