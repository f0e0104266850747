#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An HTTP/1.1 backend for tlsterm's reverse-proxy tests (Python 3 stdlib only).

Run it with /usr/bin/python3 in the test bed's backend namespace:

  proxy_backend.py --listen ADDR --port P [--proxy off|v1|v2|auto] [--port-file F]

With --proxy v1/v2 every connection must start with that PROXY protocol header (HAProxy's
"The PROXY protocol"); auto takes either or none; off expects none. A missing or garbled
header is logged ("proxy_backend: <peer>: bad PROXY header: <why>") and the connection is
closed without a reply.

Every request gets 200 and a JSON body saying what the backend saw (see describe()), except:
  GET /healthz        200 "ok"
  GET /bytes/N        N bytes of pattern_bytes(N): block i of 64 KiB is
                      SHAKE-128("N:i") cut to 65536, the last block cut to what is left
  POST /echo          the request body back (Content-Length bodies only)
  GET /status/CODE    an empty reply with that status (200..599)
HTTP/1.1 keep-alive, Content-Length on every reply, one thread per connection.
"""

import argparse
import hashlib
import io
import ipaddress
import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_MAX = 107  # the spec's bound on a v1 line, CRLF included
HEADER_TIMEOUT = 10.0
BLOCK = 65536
BYTES_MAX = 1 << 34

TLV_NAMES = {0x01: "alpn", 0x02: "authority", 0x05: "unique_id", 0x30: "netns"}
SSL_SUB_NAMES = {0x21: "version", 0x22: "cn", 0x23: "cipher", 0x24: "sig_alg",
                 0x25: "key_alg", 0x26: "group", 0x27: "sig_scheme"}
PP2_TYPE_CRC32C = 0x03
PP2_TYPE_NOOP = 0x04
PP2_TYPE_SSL = 0x20
PP2_CLIENT_SSL, PP2_CLIENT_CERT_CONN, PP2_CLIENT_CERT_SESS = 0x01, 0x02, 0x04


class BadHeader(Exception):
    pass


def pattern_bytes(n):
    """Yield the /bytes/N body in chunks; any client can compute the same bytes."""
    i = 0
    while i * BLOCK < n:
        block = hashlib.shake_128(b"%d:%d" % (n, i)).digest(BLOCK)
        yield block[:n - i * BLOCK]
        i += 1


def crc32c(data):
    # Castagnoli, reflected polynomial 0x82F63B78 (RFC 3720 B.4)
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise BadHeader("connection closed after %d of %d header bytes" % (len(out), n))
        out += chunk
    return out


def parse_port(text):
    # decimal 0..65535, no sign, no leading zero
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise BadHeader("bad port %r" % text)
    port = int(text)
    if port > 65535:
        raise BadHeader("port %d out of range" % port)
    return port


def parse_v1(line):
    """line: the whole header, "PROXY " through CRLF."""
    if not line.endswith(b"\r\n") or b"\r" in line[:-2] or b"\n" in line[:-2]:
        raise BadHeader("v1 line does not end in a single CRLF")
    try:
        words = line[:-2].decode("ascii").split(" ")
    except UnicodeDecodeError:
        raise BadHeader("v1 line is not ASCII") from None
    if words[0] != "PROXY" or len(words) < 2:
        raise BadHeader("v1 line does not start with PROXY")
    if words[1] == "UNKNOWN":
        # the sender doesn't know; the rest of the line is to be ignored (spec 2.1)
        return {"version": 1, "command": "PROXY", "family": "UNKNOWN"}
    if words[1] not in ("TCP4", "TCP6"):
        raise BadHeader("v1 protocol %r is not TCP4, TCP6 or UNKNOWN" % words[1])
    if len(words) != 6:
        raise BadHeader("v1 line has %d fields, not 6" % len(words))
    cls = ipaddress.IPv4Address if words[1] == "TCP4" else ipaddress.IPv6Address
    try:
        src, dst = cls(words[2]), cls(words[3])
    except ValueError as e:
        raise BadHeader("v1 address: %s" % e) from None
    return {"version": 1, "command": "PROXY", "family": words[1],
            "src_addr": str(src), "dst_addr": str(dst),
            "src_port": parse_port(words[4]), "dst_port": parse_port(words[5])}


def parse_tlvs(data):
    """[(type, value, offset)] of data, which TLVs must fill exactly."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < 3:
            raise BadHeader("%d stray bytes after the last TLV" % (len(data) - i))
        length = int.from_bytes(data[i + 1:i + 3], "big")
        if i + 3 + length > len(data):
            raise BadHeader("TLV 0x%02x of %d bytes runs past the header" % (data[i], length))
        out.append((data[i], data[i + 3:i + 3 + length], i))
        i += 3 + length
    return out


def text(value):
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise BadHeader("TLV value is not UTF-8: %s" % value.hex()) from None


def decode_ssl(value):
    if len(value) < 5:
        raise BadHeader("PP2_TYPE_SSL of %d bytes, under 5" % len(value))
    client = value[0]
    ssl = {"client": client,
           "client_ssl": bool(client & PP2_CLIENT_SSL),
           "client_cert_conn": bool(client & PP2_CLIENT_CERT_CONN),
           "client_cert_sess": bool(client & PP2_CLIENT_CERT_SESS),
           "verify": int.from_bytes(value[1:5], "big")}
    for sub, subvalue, _ in parse_tlvs(value[5:]):
        name = SSL_SUB_NAMES.get(sub, "0x%02x" % sub)
        if name in ssl:
            raise BadHeader("SSL sub-TLV %s twice" % name)
        ssl[name] = text(subvalue) if sub in SSL_SUB_NAMES else subvalue.hex()
    return ssl


def decode_tlvs(header, start):
    """The TLVs of a v2 header, from byte start on, by name; unknown ones as "0x.." hex."""
    tlvs = {}
    for kind, value, at in parse_tlvs(header[start:]):
        if kind == PP2_TYPE_NOOP:
            continue
        name = TLV_NAMES.get(kind, "0x%02x" % kind)
        if kind == PP2_TYPE_SSL:
            name = "ssl"
        elif kind == PP2_TYPE_CRC32C:
            name = "crc32c"
        if name in tlvs:
            raise BadHeader("TLV %s twice" % name)
        if kind == PP2_TYPE_SSL:
            tlvs[name] = decode_ssl(value)
        elif kind == PP2_TYPE_CRC32C:
            if len(value) != 4:
                raise BadHeader("PP2_TYPE_CRC32C of %d bytes" % len(value))
            # over the whole header with the checksum itself zeroed (spec 2.2.5)
            at += start + 3
            zeroed = header[:at] + bytes(4) + header[at + 4:]
            if crc32c(zeroed) != int.from_bytes(value, "big"):
                raise BadHeader("PP2_TYPE_CRC32C does not match")
            tlvs[name] = value.hex()
        elif kind in (0x01, 0x02, 0x30):
            tlvs[name] = text(value)
        else:
            tlvs[name] = value.hex()
    return tlvs


def parse_v2(header):
    """header: the whole v2 header, signature to the last TLV."""
    ver_cmd, fam = header[12], header[13]
    if ver_cmd >> 4 != 2:
        raise BadHeader("v2 version %d, not 2" % (ver_cmd >> 4))
    command = {0: "LOCAL", 1: "PROXY"}.get(ver_cmd & 0x0F)
    if command is None:
        raise BadHeader("v2 command %d" % (ver_cmd & 0x0F))
    body = header[16:]
    info = {"version": 2, "command": command}
    families = {0x00: ("UNSPEC", 0, None), 0x11: ("TCP4", 4, 4), 0x12: ("UDP4", 4, 4),
                0x21: ("TCP6", 16, 6), 0x22: ("UDP6", 16, 6),
                0x31: ("UNIX_STREAM", 108, "unix"), 0x32: ("UNIX_DGRAM", 108, "unix")}
    if fam not in families:
        raise BadHeader("v2 family/protocol 0x%02x" % fam)
    name, alen, kind = families[fam]
    info["family"] = name
    addr_block = 2 * alen + (4 if kind in (4, 6) else 0)
    if len(body) < addr_block:
        raise BadHeader("v2 length %d too short for %s addresses" % (len(body), name))
    if kind in (4, 6):
        make = ipaddress.IPv4Address if kind == 4 else ipaddress.IPv6Address
        info["src_addr"] = str(make(body[:alen]))
        info["dst_addr"] = str(make(body[alen:2 * alen]))
        info["src_port"] = int.from_bytes(body[2 * alen:2 * alen + 2], "big")
        info["dst_port"] = int.from_bytes(body[2 * alen + 2:2 * alen + 4], "big")
    elif kind == "unix":
        info["src_addr"] = body[:108].rstrip(b"\0").decode("utf-8", "replace")
        info["dst_addr"] = body[108:216].rstrip(b"\0").decode("utf-8", "replace")
    info["tlvs"] = decode_tlvs(header, 16 + addr_block)
    return info


def read_v2(sock, first):
    head = first + recv_exact(sock, 16 - len(first))
    if head[:12] != V2_SIGNATURE:
        raise BadHeader("not the v2 signature: %s" % head[:12].hex())
    length = int.from_bytes(head[14:16], "big")
    return parse_v2(head + recv_exact(sock, length))


def read_v1(sock, first):
    line = first
    while not line.endswith(b"\n"):
        if len(line) >= V1_MAX:
            raise BadHeader("v1 line longer than %d bytes" % V1_MAX)
        line += recv_exact(sock, 1)
    return parse_v1(line)


def read_proxy_header(sock, mode):
    """(header dict or None, bytes read that belong to HTTP)."""
    # Byte by byte until the first bytes tell v1, v2 and HTTP apart, so nothing of the
    # request is read past.
    seen = b""
    while seen not in (V2_SIGNATURE, b"PROXY "):
        if not (V2_SIGNATURE.startswith(seen) or b"PROXY ".startswith(seen)):
            break
        seen += recv_exact(sock, 1)
    is_v2, is_v1 = seen == V2_SIGNATURE, seen == b"PROXY "
    if mode == "v2" and not is_v2:
        raise BadHeader("expected v2, got %r" % seen)
    if mode == "v1" and not is_v1:
        raise BadHeader("expected v1, got %r" % seen)
    if mode == "auto" and not (is_v1 or is_v2):
        return None, seen
    return (read_v2(sock, seen) if is_v2 else read_v1(sock, seen)), b""


class PrefixedReader(io.RawIOBase):
    """The bytes the header check already read, then the socket."""

    def __init__(self, prefix, raw):
        super().__init__()
        self.prefix, self.raw = prefix, raw

    def readable(self):
        return True

    def readinto(self, b):
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        return self.raw.readinto(b)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tlsterm-proxy-backend"
    timeout = 60

    def setup(self):
        self.proxy = None
        self.requests_seen = 0
        self.bad_header = False
        prefix = b""
        if self.server.proxy_mode != "off":
            self.request.settimeout(HEADER_TIMEOUT)
            try:
                self.proxy, prefix = read_proxy_header(self.request, self.server.proxy_mode)
            except (BadHeader, OSError) as e:
                self.bad_header = True
                self.server.log("%s: bad PROXY header: %s" % (self.peer_text(), e))
        super().setup()
        if prefix:
            self.rfile.close()
            self.rfile = io.BufferedReader(PrefixedReader(prefix, self.request.makefile(
                "rb", buffering=0)))

    def handle(self):
        if self.bad_header:
            return  # closed in finish(), without a reply
        super().handle()

    def peer_text(self):
        host, port = self.client_address[:2]
        return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)

    def log_message(self, format, *args):
        self.server.log("%s: %s" % (self.peer_text(), format % args))

    def reply(self, code, body=b"", ctype="application/octet-stream", chunks=None, length=None):
        self.send_response(code)
        if code != 204:  # RFC 9110 8.6: no Content-Length on a 204
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or code in (204, 304):
            return
        if chunks is None:
            self.wfile.write(body)
        else:
            for chunk in chunks:
                self.wfile.write(chunk)

    def body_length(self):
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            self.send_error(501, "only Content-Length bodies")
            return None
        text = self.headers.get("Content-Length", "0")
        if not text.isdigit():
            self.close_connection = True
            self.send_error(400, "bad Content-Length")
            return None
        return int(text)

    def body_chunks(self, length):
        while length > 0:
            chunk = self.rfile.read(min(length, BLOCK))
            if not chunk:
                raise ConnectionError("body cut short")
            length -= len(chunk)
            yield chunk

    def describe(self, body_len):
        sock = self.request
        local = sock.getsockname()
        return {
            "peer": {"addr": self.client_address[0], "port": self.client_address[1]},
            "local": {"addr": local[0], "port": local[1]},
            "proxy_mode": self.server.proxy_mode,
            "proxy": self.proxy,
            "request": {"method": self.command, "path": self.path,
                        "version": self.request_version, "body_length": body_len,
                        "host": self.headers.get("Host")},
            "request_on_connection": self.requests_seen,
        }

    def serve(self):
        self.requests_seen += 1
        length = self.body_length()
        if length is None:
            return
        path = self.path.split("?", 1)[0]
        if self.command == "POST" and path == "/echo":
            if "Content-Length" not in self.headers:
                self.close_connection = True
                self.send_error(411)
                return
            self.reply(200, chunks=self.body_chunks(length), length=length)
            return
        for _ in self.body_chunks(length):
            pass  # a body we don't use is still read, so keep-alive stays in step
        if self.command in ("GET", "HEAD") and path == "/healthz":
            self.reply(200, b"ok", "text/plain")
        elif self.command in ("GET", "HEAD") and path.startswith("/bytes/"):
            n = path[len("/bytes/"):]
            if not n.isdigit() or not n.isascii() or int(n) > BYTES_MAX:
                self.reply(400, b"bad byte count\n", "text/plain")
            else:
                self.reply(200, chunks=pattern_bytes(int(n)), length=int(n))
        elif self.command in ("GET", "HEAD") and path.startswith("/status/"):
            code = path[len("/status/"):]
            if not code.isdigit() or not code.isascii() or not 200 <= int(code) <= 599:
                self.reply(400, b"bad status\n", "text/plain")
            else:
                self.reply(int(code))
        else:
            body = json.dumps(self.describe(length), indent=1, sort_keys=True).encode() + b"\n"
            self.reply(200, body, "application/json")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = serve


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, addr, mode):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.proxy_mode = mode
        self.log_lock = threading.Lock()
        super().__init__(addr, Handler)

    def server_bind(self):
        # HTTPServer's would look the name up (getfqdn): slow in a namespace without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def log(self, line):
        with self.log_lock:
            print("proxy_backend: %s" % line, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--listen", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8080, help="0: any; see --port-file")
    ap.add_argument("--proxy", choices=("off", "v1", "v2", "auto"), default="off")
    ap.add_argument("--port-file", help="write the port here once listening")
    args = ap.parse_args()
    server = Server((args.listen, args.port), args.proxy)
    port = server.socket.getsockname()[1]
    server.log("listening on %s port %d, PROXY header %s" % (args.listen, port, args.proxy))
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        # renamed into place, so a reader never sees half a file
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
