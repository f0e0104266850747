#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The self-test of proxy_backend.py, on loopback (no test bed): curl sends PROXY v1
# (--haproxy-protocol) and a client here sends hand-made v2 headers (among them the bytes
# tests/unit/proxy/test_proxy_protocol.c expects from tlsterm's writer); every field the
# backend reports is the one sent, keep-alive keeps the header of the connection, bad headers
# are logged and closed without a reply, and /bytes, /echo, /healthz, /status work.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# start_backend name mode addr: a backend on a free port; once up, its port is in
# $work/name.port (port_of name waits for it).
start_backend() {
	"$TT_PY" "$here/proxy_backend.py" --listen "$3" --port 0 --proxy "$2" \
		--port-file "$work/$1.port" 2>"$work/$1.log" &
	pids+=($!)
}
port_of() {
	tt_wait_for "[ -s '$work/$1.port' ]" 20 ||
		{ cat "$work/$1.log" >&2; tt_fail "backend $1 did not start"; }
	cat "$work/$1.port"
}

# check json_file python_expr...: each expression, with j the parsed reply, must be true.
check() {
	local file=$1
	shift
	"$TT_PY" - "$file" "$@" <<'EOF' || tt_fail "reply $file is not as expected"
import json, sys
j = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    if not eval(expr):
        print("FAIL: %s\n%s" % (expr, json.dumps(j, indent=1)), file=sys.stderr)
        sys.exit(1)
EOF
}

start_backend off off 127.0.0.1
start_backend v1 v1 127.0.0.1
start_backend v2 v2 127.0.0.1
start_backend auto auto 127.0.0.1
have_v6=0
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	have_v6=1
	start_backend v6 auto ::1
fi
off=$(port_of off)
v1=$(port_of v1)
auto=$(port_of auto)
v2=$(port_of v2)

# No header expected, none sent.
curl -sf "http://127.0.0.1:$off/anything?x=1" -o "$work/off.json" || tt_fail "plain GET failed"
check "$work/off.json" 'j["proxy"] is None' 'j["peer"]["addr"] == "127.0.0.1"' \
	"j['local']['port'] == $off" 'j["request"]["path"] == "/anything?x=1"'

# v1 from curl, two requests on one connection: the header holds for both.
curl -sf --haproxy-protocol "http://127.0.0.1:$v1/a" -o "$work/v1a.json" \
	"http://127.0.0.1:$v1/b" -o "$work/v1b.json" || tt_fail "curl --haproxy-protocol failed"
for f in v1a v1b; do
	check "$work/$f.json" 'j["proxy"]["version"] == 1' 'j["proxy"]["family"] == "TCP4"' \
		'j["proxy"]["src_addr"] == "127.0.0.1"' 'j["proxy"]["dst_addr"] == "127.0.0.1"' \
		'j["proxy"]["src_port"] == j["peer"]["port"]' "j['proxy']['dst_port'] == $v1"
done
check "$work/v1a.json" 'j["request_on_connection"] == 1'
check "$work/v1b.json" 'j["request_on_connection"] == 2'
"$TT_PY" -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(a["peer"]["port"] != b["peer"]["port"])' "$work/v1a.json" "$work/v1b.json" ||
	tt_fail "curl did not keep the connection"

# v1 expected, plain HTTP sent: closed without a reply (curl: 52, empty reply).
rc=0
curl -s "http://127.0.0.1:$v1/" -o /dev/null || rc=$?
[ "$rc" -eq 52 ] || tt_fail "a request without its PROXY header got curl exit $rc, not 52"
grep -q "bad PROXY header: expected v1" "$work/v1.log" ||
	tt_fail "the missing header was not logged"

if [ "$have_v6" -eq 1 ]; then
	v6=$(port_of v6)
	curl -sfg --haproxy-protocol "http://[::1]:$v6/six" -o "$work/v6.json" ||
		tt_fail "IPv6 GET failed"
	check "$work/v6.json" 'j["proxy"]["family"] == "TCP6"' 'j["proxy"]["src_addr"] == "::1"' \
		'j["peer"]["addr"] == "::1"' 'j["proxy"]["src_port"] == j["peer"]["port"]' \
		"j['proxy']['dst_port'] == $v6"
fi

# auto: none, v1 and v2 on one port; a method starting like "PROXY" reaches HTTP whole.
curl -sf "http://127.0.0.1:$auto/" -o "$work/auto0.json" || tt_fail "auto: plain GET failed"
check "$work/auto0.json" 'j["proxy"] is None'
curl -sf --haproxy-protocol "http://127.0.0.1:$auto/" -o "$work/auto1.json" ||
	tt_fail "auto: v1 GET failed"
check "$work/auto1.json" 'j["proxy"]["version"] == 1'
code=$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND "http://127.0.0.1:$auto/") || true
[ "$code" = 501 ] || tt_fail "auto: PROPFIND got $code, not 501 (its first bytes were lost?)"

# Downloads: /bytes/N is SHAKE-128("N:i") per 64 KiB block i, computed here on its own.
for n in 0 1 65535 65536 65537 1000000; do
	curl -sf "http://127.0.0.1:$auto/bytes/$n" -o "$work/bytes" || tt_fail "/bytes/$n failed"
	"$TT_PY" - "$n" "$work/bytes" <<'EOF' || tt_fail "/bytes/$n: wrong bytes"
import hashlib, sys
n, got = int(sys.argv[1]), open(sys.argv[2], "rb").read()
want = b"".join(hashlib.shake_128(b"%d:%d" % (n, i)).digest(65536)
                for i in range((n + 65535) // 65536))[:n]
sys.exit(got != want)
EOF
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$auto/bytes/ten") || true
[ "$code" = 400 ] || tt_fail "/bytes/ten got $code, not 400"

# Uploads come back byte for byte, empty ones too, with and without a PROXY header.
head -c 3000000 /dev/urandom >"$work/up"
curl -sf --data-binary "@$work/up" "http://127.0.0.1:$auto/echo" -o "$work/down" ||
	tt_fail "POST /echo failed"
cmp -s "$work/up" "$work/down" || tt_fail "/echo changed the body"
curl -sf --haproxy-protocol --data-binary "@$work/up" "http://127.0.0.1:$v1/echo" \
	-o "$work/down" || tt_fail "POST /echo after a v1 header failed"
cmp -s "$work/up" "$work/down" || tt_fail "/echo after a v1 header changed the body"
: >"$work/empty"
[ "$(curl -sf --data-binary "@$work/empty" "http://127.0.0.1:$auto/echo" | wc -c)" -eq 0 ] ||
	tt_fail "/echo of nothing"

[ "$(curl -sf "http://127.0.0.1:$auto/healthz")" = ok ] || tt_fail "/healthz is not ok"
for c in 200 204 404 503; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$auto/status/$c") || true
	[ "$code" = "$c" ] || tt_fail "/status/$c got $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$auto/status/99") || true
[ "$code" = 400 ] || tt_fail "/status/99 got $code, not 400"

# Hand-made v2 (and garbled v1) headers.
"$TT_PY" - "$v2" "$v1" "$auto" <<'EOF' || tt_fail "PROXY v2 / bad header checks"
import json, socket, struct, sys

v2_port, v1_port, auto_port = (int(a) for a in sys.argv[1:])
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
failed = []


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def tlv(kind, value):
    return struct.pack("!BH", kind, len(value)) + value


def v2(fam, addrs, tlvs=b"", cmd=0x21):
    body = addrs + tlvs
    return SIG + struct.pack("!BBH", cmd, fam, len(body)) + body


def exchange(port, header, requests=1, host="127.0.0.1"):
    """Send header then requests GETs on one connection; the JSON replies."""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(header)
    f = s.makefile("rb")
    out = []
    for i in range(requests):
        s.sendall(b"GET /r%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        status = f.readline()
        assert status.startswith(b"HTTP/1.1 200"), status
        length = None
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            k, v = line.split(b":", 1)
            if k.lower() == b"content-length":
                length = int(v)
        out.append(json.loads(f.read(length)))
    s.close()
    return out


def rejected(port, data):
    """data was refused: the connection ends with no reply byte."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the backend has closed already
    try:
        got = s.recv(1)
    except ConnectionResetError:
        got = b""
    s.close()
    return got == b""


def expect(what, cond):
    if not cond:
        failed.append(what)
        print("FAIL: %s" % what, file=sys.stderr)


# The bytes the unit test wants from pp_v2_write() with every TLV.
unit_vector = bytes.fromhex(
    "0d0a0d0a000d0a515549540a" "21110061" "c0000201" "c6336407" "dc0401bb"
    "010002" + b"h2".hex() + "02000b" + b"example.com".hex() +
    "20003f" "01" "00000000" "210007" + b"TLSv1.3".hex() +
    "230016" + b"TLS_AES_128_GCM_SHA256".hex() + "24000c" + b"ECDSA-SHA256".hex() +
    "250005" + b"EC256".hex())
for port in (v2_port, auto_port):
    a, b = exchange(port, unit_vector, requests=2)
    for j in (a, b):
        p = j["proxy"]
        expect("unit vector fields", p == {
            "version": 2, "command": "PROXY", "family": "TCP4",
            "src_addr": "192.0.2.1", "dst_addr": "198.51.100.7",
            "src_port": 56324, "dst_port": 443,
            "tlvs": {"alpn": "h2", "authority": "example.com",
                     "ssl": {"client": 1, "client_ssl": True, "client_cert_conn": False,
                             "client_cert_sess": False, "verify": 0, "version": "TLSv1.3",
                             "cipher": "TLS_AES_128_GCM_SHA256", "sig_alg": "ECDSA-SHA256",
                             "key_alg": "EC256"}}})
    expect("keep-alive after v2",
           (a["request_on_connection"], b["request_on_connection"]) == (1, 2))

# IPv6, unusual values, a NOOP, an unregistered type, a client certificate, and a CRC32C.
src = socket.inet_pton(socket.AF_INET6, "2001:db8::1:0:0:1")
dst = socket.inet_pton(socket.AF_INET6, "fe80::abcd")
ssl = bytes([0x07]) + struct.pack("!I", 21) + tlv(0x21, b"TLSv1.2") + tlv(0x22, b"client one") \
    + tlv(0x23, b"ECDHE-RSA-AES256-GCM-SHA384") + tlv(0x24, b"RSA-SHA256") \
    + tlv(0x25, b"RSA2048")
tlvs = tlv(0x04, b"\0" * 3) + tlv(0x01, b"http/1.1") + tlv(0x02, "ex\u00e4mple.org".encode()) \
    + tlv(0xE0, b"\x01\x02") + tlv(0x20, ssl) + tlv(0x03, b"\0\0\0\0")
header = bytearray(v2(0x21, src + dst + struct.pack("!HH", 65535, 0), tlvs))
header[-4:] = struct.pack("!I", crc32c(bytes(header)))
j = exchange(v2_port, bytes(header))[0]["proxy"]
expect("IPv6 v2 fields", j == {
    "version": 2, "command": "PROXY", "family": "TCP6",
    "src_addr": "2001:db8::1:0:0:1", "dst_addr": "fe80::abcd", "src_port": 65535, "dst_port": 0,
    "tlvs": {"alpn": "http/1.1", "authority": "ex\u00e4mple.org", "0xe0": "0102",
             "crc32c": header[-4:].hex(),
             "ssl": {"client": 7, "client_ssl": True, "client_cert_conn": True,
                     "client_cert_sess": True, "verify": 21, "version": "TLSv1.2",
                     "cn": "client one", "cipher": "ECDHE-RSA-AES256-GCM-SHA384",
                     "sig_alg": "RSA-SHA256", "key_alg": "RSA2048"}}})

# LOCAL (a health check from the proxy itself): no addresses to report.
j = exchange(v2_port, v2(0x00, b"", cmd=0x20))[0]["proxy"]
expect("LOCAL", j == {"version": 2, "command": "LOCAL", "family": "UNSPEC", "tlvs": {}})

# A valid v1 TCP6 line, written as tlsterm writes it.
j = exchange(v1_port, b"PROXY TCP6 2001:db8::1 2001:db8::1:0:0:1 1 8443\r\n")[0]["proxy"]
expect("v1 TCP6", j == {"version": 1, "command": "PROXY", "family": "TCP6",
                        "src_addr": "2001:db8::1", "dst_addr": "2001:db8::1:0:0:1",
                        "src_port": 1, "dst_port": 8443})

v4 = bytes([10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack("!HH", 1, 2)
bad_v2 = {
    "no header": b"",
    "v1 where v2 is due": b"PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n",
    "signature off by one bit": SIG[:-1] + b"\x0b" + v2(0x11, v4)[12:],
    "version 1": v2(0x11, v4, cmd=0x11),
    "command 2": v2(0x11, v4, cmd=0x22),
    "family 0x13": v2(0x13, v4),
    "too short for addresses": v2(0x11, v4[:8]),
    "TLV past the end": v2(0x11, v4, b"\x01\x00\x05ab"),
    "stray TLV byte": v2(0x11, v4, b"\x01"),
    "SSL TLV under 5 bytes": v2(0x11, v4, tlv(0x20, b"\x01\0\0\0")),
    "SSL sub-TLV past the end": v2(0x11, v4, tlv(0x20, b"\x01\0\0\0\0\x21\x00\x09TLS")),
    "ALPN twice": v2(0x11, v4, tlv(0x01, b"h2") + tlv(0x01, b"h2")),
    "wrong CRC32C": v2(0x11, v4, tlv(0x03, b"\x12\x34\x56\x78")),
    "cut short": v2(0x11, v4, tlv(0x01, b"h2"))[:20],
}
bad_v1 = {
    "no header": b"",
    "v2 where v1 is due": v2(0x11, v4),
    "short address": b"PROXY TCP4 10.0.0 10.0.0.2 1 2\r\n",
    "leading zero in address": b"PROXY TCP4 10.0.0.01 10.0.0.2 1 2\r\n",
    "leading zero in port": b"PROXY TCP4 10.0.0.1 10.0.0.2 01 2\r\n",
    "port 65536": b"PROXY TCP4 10.0.0.1 10.0.0.2 1 65536\r\n",
    "IPv4 under TCP6": b"PROXY TCP6 10.0.0.1 10.0.0.2 1 2\r\n",
    "TCP5": b"PROXY TCP5 10.0.0.1 10.0.0.2 1 2\r\n",
    "two spaces": b"PROXY TCP4  10.0.0.1 10.0.0.2 1 2\r\n",
    "LF alone": b"PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n",
    "a field missing": b"PROXY TCP4 10.0.0.1 10.0.0.2 1\r\n",
    "over 107 bytes": b"PROXY UNKNOWN " + b"x" * 100 + b"\r\n",
    "lower case": b"proxy TCP4 10.0.0.1 10.0.0.2 1 2\r\n",
}
for port, cases in ((v2_port, bad_v2), (v1_port, bad_v1)):
    for what, data in cases.items():
        expect("refused: %s" % what, rejected(port, data))
# and the backends still serve
expect("v2 alive after bad headers", exchange(v2_port, unit_vector)[0]["proxy"]["version"] == 2)
print("%d bad v2 and %d bad v1 headers refused" % (len(bad_v2), len(bad_v1)))
sys.exit(1 if failed else 0)
EOF

# Every refused header left one log line (13 + the curl request above on v1, 14 on v2).
n=$(grep -c 'bad PROXY header' "$work/v2.log" || true)
[ "$n" -eq 14 ] || { cat "$work/v2.log"; tt_fail "v2 backend logged $n bad headers, not 14"; }
n=$(grep -c 'bad PROXY header' "$work/v1.log" || true)
[ "$n" -eq 14 ] || { cat "$work/v1.log"; tt_fail "v1 backend logged $n bad headers, not 14"; }
echo "ok: proxy_backend.py"
