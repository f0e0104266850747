#!/usr/bin/python3
"""A kernel-socket TLS client (Python's ssl, i.e. OpenSSL) for tlsterm's TLS echo service.

Run it with /usr/bin/python3 inside the test bed's client namespace:

  tls_client.py echo       --host H --port P --ca CA --bytes N [--tls 1.2|1.3] [--cipher C]
                           [--sni NAME] [--alpn P,...] [--seed S] [--source ADDR]
  tls_client.py sequential --host H --port P --ca CA --conns N --bytes B [--tls ...]

"echo" sends N pseudo-random bytes while reading the echo (one thread, non-blocking, through
ssl.MemoryBIO so sending and receiving never wait on each other), then sends close_notify and
expects tlsterm's close_notify and EOF. The certificate is verified against CA and the name.
Success prints one line of results; any failure prints "tls_client: <cmd>: <what>" and exits 1.
"""

import argparse
import hashlib
import random
import selectors
import socket
import ssl
import sys
import time


class Failure(Exception):
    """A check failed; the message is the one line to print."""


def payload(nbytes, seed):
    return random.Random(seed).randbytes(nbytes)


def context(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(a.ca)
    if a.tls == "1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif a.tls == "1.3":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if a.cipher:
        ctx.set_ciphers(a.cipher)  # TLS 1.2 names; TLS 1.3 suites are all allowed by default
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))
    return ctx


class Tls:
    """One TLS connection over a non-blocking socket, driven by a selector."""

    def __init__(self, a):
        try:
            self.sock = socket.create_connection(
                (a.host, a.port), timeout=a.timeout,
                source_address=(a.source, 0) if a.source else None)
        except OSError as e:
            raise Failure(f"connect {a.host}:{a.port}: {e.strerror or e}") from None
        self.sock.setblocking(False)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = context(a).wrap_bio(self.inc, self.out, server_hostname=a.sni or "tlsterm.test")
        self.timeout = a.timeout
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ)
        self.pending = b""  # ciphertext not yet taken by the kernel
        self.eof = False

    def flush(self):
        self.pending += self.out.read()
        while self.pending:
            try:
                n = self.sock.send(self.pending)
            except BlockingIOError:
                return False
            self.pending = self.pending[n:]
        return True

    def pump(self, want_write):
        """Wait for the socket; feed what arrived into the TLS object."""
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if want_write or self.pending
                                         else 0)
        self.sel.modify(self.sock, events)
        ready = self.sel.select(self.timeout)
        if not ready:
            raise Failure(f"no progress for {self.timeout:g} s")
        for _, ev in ready:
            if ev & selectors.EVENT_READ:
                try:
                    b = self.sock.recv(1 << 18)
                except BlockingIOError:
                    b = None
                except ConnectionResetError:
                    raise Failure("connection reset by tlsterm") from None
                if b == b"":
                    self.eof = True
                    self.inc.write_eof()
                elif b:
                    self.inc.write(b)
        self.flush()

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self.flush()
                return
            except ssl.SSLWantReadError:
                self.flush()
                if self.eof:
                    raise Failure("EOF during the handshake")
                self.pump(False)
            except ssl.SSLError as e:
                raise Failure(f"handshake: {e}") from None


def cmd_echo(a):
    data = payload(a.bytes, a.seed)
    t = Tls(a)
    t0 = time.monotonic()
    t.handshake()
    version, cipher = t.obj.version(), t.obj.cipher()[0]
    sent, got, closed_sent = 0, bytearray(), False
    view = memoryview(data)
    while True:
        # Write while the kernel keeps up; ssl.SSLObject.write never blocks.
        while sent < len(data) and len(t.pending) < (1 << 20):
            n = t.obj.write(view[sent:sent + 16384])
            sent += n
            if not t.flush():
                break
        try:
            while True:
                b = t.obj.read(1 << 18)
                if not b:
                    break
                got += b
                if len(got) > len(data):
                    raise Failure(f"echoed {len(got)} bytes, more than the {len(data)} sent")
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            break  # tlsterm's close_notify
        except ssl.SSLError as e:
            raise Failure(f"after {len(got)} of {len(data)} bytes echoed: {e}") from None
        if t.eof:
            raise Failure(f"EOF without close_notify after {len(got)} of {len(data)} bytes")
        if sent == len(data) and not closed_sent and len(got) == len(data):
            try:
                t.obj.unwrap()  # our close_notify; tlsterm answers with its own
            except ssl.SSLWantReadError:
                pass
            closed_sent = True
            t.flush()
        t.pump(sent < len(data))
    elapsed = time.monotonic() - t0
    if bytes(got) != data:
        raise Failure(f"echo differs: sent {len(data)} bytes, got {len(got)}")
    if not closed_sent:
        raise Failure("tlsterm sent close_notify before the echo was complete")
    alpn = t.obj.selected_alpn_protocol()
    cert = t.obj.getpeercert()
    names = ",".join(v for k, v in cert.get("subjectAltName", ()) if k == "DNS")
    t.sock.close()
    digest = hashlib.sha256(got).hexdigest()[:16]
    print(f"echo: {version} {cipher} alpn={alpn} cert={names}: {len(got)} bytes in "
          f"{elapsed:.3f} s, {len(got) / elapsed / 1e6:.1f} MB/s, sha256 {digest} matches, "
          f"close_notify both ways")


def cmd_sequential(a):
    t0 = time.monotonic()
    for i in range(a.conns):
        data = payload(a.bytes, a.seed + i)
        ctx = context(a)
        try:
            with socket.create_connection(
                    (a.host, a.port), timeout=a.timeout,
                    source_address=(a.source, 0) if a.source else None) as raw:
                with ctx.wrap_socket(raw, server_hostname=a.sni or "tlsterm.test") as s:
                    s.sendall(data)
                    got = bytearray()
                    while len(got) < len(data):
                        b = s.recv(len(data) - len(got))
                        if not b:
                            raise Failure(f"connection {i}: EOF after {len(got)} bytes")
                        got += b
                    if bytes(got) != data:
                        raise Failure(f"connection {i}: echo differs")
        except (OSError, ssl.SSLError) as e:
            raise Failure(f"connection {i}: {e}") from None
    elapsed = time.monotonic() - t0
    print(f"sequential: {a.conns} TLS connections x {a.bytes} bytes in {elapsed:.3f} s "
          f"({elapsed / a.conns * 1000:.2f} ms per connection)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("echo", "sequential"):
        s = sub.add_parser(name)
        s.add_argument("--host", required=True)
        s.add_argument("--port", type=int, required=True)
        s.add_argument("--ca", required=True)
        s.add_argument("--bytes", type=int, required=True)
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--tls", choices=["1.2", "1.3"])
        s.add_argument("--cipher")
        s.add_argument("--sni")
        s.add_argument("--source", help="local address to connect from")
        s.add_argument("--alpn")
        s.add_argument("--timeout", type=float, default=30.0)
        if name == "sequential":
            s.add_argument("--conns", type=int, required=True)
    a = p.parse_args()
    try:
        {"echo": cmd_echo, "sequential": cmd_sequential}[a.cmd](a)
    except Failure as e:
        print(f"tls_client: {a.cmd}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
