#!/usr/bin/python3
"""Bad TLS input against tlsterm's record layer, from a real TLS client (Python's ssl).

  tls_badinput.py --host H --port P --ca CA

Each case completes a real handshake (TLS 1.3 and TLS 1.2), then breaks the record stream in
one way and expects tlsterm's answer: the right alert, then the connection closes. A long-lived
good connection echoes between cases, so no other connection notices. Prints one line per case;
any failure prints "tls_badinput: <case>: <what>" and exits 1.
"""

import argparse
import socket
import ssl
import sys
import time


class Failure(Exception):
    pass


class Conn:
    def __init__(self, a, version):
        self.sock = socket.create_connection((a.host, a.port), timeout=10)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(a.ca)
        ctx.minimum_version = ctx.maximum_version = version
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname="tlsterm.test")
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.flush()
                self.feed()
        self.flush()

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def feed(self):
        b = self.sock.recv(65536)
        if not b:
            raise Failure("EOF")
        self.inc.write(b)

    def record(self, payload):
        """One application-data record as bytes, not sent."""
        self.flush()
        self.obj.write(payload)
        return self.out.read()

    def echo(self, payload):
        self.sock.sendall(self.record(payload))
        got = b""
        deadline = time.monotonic() + 10
        while len(got) < len(payload):
            try:
                got += self.obj.read(65536)
            except ssl.SSLWantReadError:
                if time.monotonic() > deadline:
                    raise Failure("echo timed out")
                self.feed()
        if got != payload:
            raise Failure("echo differs")

    def answer(self):
        """Read until EOF; return (alert seen by our TLS library, EOF seen)."""
        alert = None
        eof = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.obj.read(65536) == b"":
                    alert = "close_notify"  # SSLObject.read says close_notify with b""
                else:
                    continue
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                alert = "close_notify"
            except ssl.SSLError as e:
                alert = e.reason or str(e)
            try:
                b = self.sock.recv(65536)
            except ConnectionResetError:
                return alert, "reset"
            except socket.timeout:
                return alert, "timeout"
            if not b:
                eof = True
                # Let the TLS library see what is already buffered.
                try:
                    if self.obj.read(65536) == b"":
                        alert = alert or "close_notify"
                except ssl.SSLZeroReturnError:
                    alert = alert or "close_notify"
                except ssl.SSLError as e:
                    alert = alert or (e.reason or str(e))
                return alert, eof
            self.inc.write(b)
        return alert, "timeout"


def expect(name, conn, want, good):
    alert, eof = conn.answer()
    conn.sock.close()
    if eof is not True:
        raise Failure(f"{name}: connection not closed cleanly ({eof}); alert {alert}")
    wants = want if isinstance(want, tuple) else (want,)
    if alert is None or not any(w.upper() in alert.upper().replace(" ", "_") for w in wants):
        raise Failure(f"{name}: expected alert {' or '.join(wants)}, got {alert}")
    good.echo(b"still here " + name.encode())
    print(f"  {name}: {alert}, closed; the other connection still echoes")


def cases(a, version, tag, good):
    # A flipped bit in the ciphertext.
    c = Conn(a, version)
    rec = bytearray(c.record(b"A" * 100))
    rec[10] ^= 1
    c.sock.sendall(rec)
    expect(f"{tag} flipped bit", c, "bad_record_mac", good)

    # A flipped bit in the tag.
    c = Conn(a, version)
    rec = bytearray(c.record(b"B" * 100))
    rec[-1] ^= 0x80
    c.sock.sendall(rec)
    expect(f"{tag} bad tag", c, "bad_record_mac", good)

    # A replayed record: the second copy has the wrong sequence number.
    c = Conn(a, version)
    rec = c.record(b"C" * 50)
    c.sock.sendall(rec + rec)
    expect(f"{tag} replayed record", c, "bad_record_mac", good)

    # Two records swapped.
    c = Conn(a, version)
    r1, r2 = c.record(b"D" * 50), c.record(b"E" * 50)
    c.sock.sendall(r2 + r1)
    expect(f"{tag} reordered records", c, "bad_record_mac", good)

    # A record longer than TLS allows.
    c = Conn(a, version)
    c.sock.sendall(bytes([23, 3, 3, 0x50, 0x00]) + b"\0" * 0x5000)
    expect(f"{tag} oversized record", c, "record_overflow", good)

    # A record too short to hold a tag.
    c = Conn(a, version)
    c.sock.sendall(bytes([23, 3, 3, 0, 4]) + b"\0" * 4)
    expect(f"{tag} record shorter than its tag", c, ("bad_record_mac", "decode_error"), good)

    # A record with a version TLS never uses on the wire.
    c = Conn(a, version)
    rec = bytearray(c.record(b"G" * 40))
    rec[1:3] = b"\x03\x01"
    c.sock.sendall(rec)
    expect(f"{tag} wrong record version", c, ("decode_error", "protocol_version"), good)

    # An unknown record type.
    c = Conn(a, version)
    c.sock.sendall(bytes([99, 3, 3, 0, 20]) + b"\0" * 20)
    expect(f"{tag} unknown record type", c, "unexpected_message", good)


def garbage_mid_handshake(a):
    """A real ClientHello, the server's flight, then garbage where the Finished belongs."""
    sock = socket.create_connection((a.host, a.port), timeout=10)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(a.ca)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="tlsterm.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    sock.sendall(out.read())
    sock.recv(65536)  # the server's flight (enough of it to know it answered)
    sock.sendall(bytes([22, 3, 3, 0, 16]) + b"\xee" * 16)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        raise Failure("reset instead of an alert") from None
    # What follows the flight must end in an alert record: plaintext 21, or 23 (1.3 wraps it).
    last, off = None, 0
    while off + 5 <= len(data):
        last = data[off]
        off += 5 + (data[off + 3] << 8 | data[off + 4])
    if last not in (21, 23):
        raise Failure(f"garbage during the handshake: no alert before EOF ({len(data)} bytes)")
    sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    a = p.parse_args()
    name = "setup"
    try:
        good = Conn(a, ssl.TLSVersion.TLSv1_3)
        good.echo(b"hello")
        cases(a, ssl.TLSVersion.TLSv1_3, "1.3", good)
        cases(a, ssl.TLSVersion.TLSv1_2, "1.2", good)
        name = "garbage during the handshake"
        garbage_mid_handshake(a)
        good.echo(b"after garbage")
        print(f"  {name}: alert and close")
        name = "truncated record at EOF"
        c = Conn(a, ssl.TLSVersion.TLSv1_3)
        rec = c.record(b"F" * 100)
        c.sock.sendall(rec[:30])
        c.sock.shutdown(socket.SHUT_WR)
        alert, eof = c.answer()
        if eof is not True or alert != "close_notify":
            raise Failure(f"{name}: want close_notify and EOF, got {alert}, {eof}")
        good.echo(b"after truncation")
        print(f"  {name}: tlsterm closes too ({alert}, FIN)")
        good.sock.close()
    except Failure as e:
        print(f"tls_badinput: {e}")
        sys.exit(1)
    except (OSError, ssl.SSLError) as e:
        print(f"tls_badinput: {name}: {e}")
        sys.exit(1)
    print("bad input: every case got its alert and a close; the good connection never noticed")


if __name__ == "__main__":
    main()
