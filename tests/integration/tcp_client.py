#!/usr/bin/python3
"""A kernel-socket TCP client for tlsterm's built-in echo and discard services.

Run it with /usr/bin/python3 inside the test bed's client namespace:

  tcp_client.py echo       --host H --port P --bytes N [--seed S] [--chunk C]
  tcp_client.py concurrent --host H --port P --conns N --bytes B [--seed S]
  tcp_client.py sequential --host H --port P --conns N --bytes B [--seed S]
  tcp_client.py discard    --host H --port P --bytes N [--seed S] [--chunk C]
  tcp_client.py rst        --host H --port P

Every socket operation has a timeout (--timeout, 30 s by default); for "concurrent" it is the
longest time without progress on any connection. --source binds every connection to one
local address (an address on a second prefix, reached through a gateway). The data is pseudo-random from --seed, so a
failing run sends the same bytes again. Success prints one line of results and exits 0; any
failure prints one line "tcp_client: <subcommand>: <what went wrong>" and exits 1.
"""

import argparse
import errno
import hashlib
import random
import resource
import selectors
import socket
import sys
import threading
import time


class Failure(Exception):
    """A check failed; the message is the one line to print."""


def payload(nbytes, seed):
    return random.Random(seed).randbytes(nbytes)


def first_difference(expected, got):
    """Offset of the first byte where got differs from expected (got may be shorter/longer)."""
    n = min(len(expected), len(got))
    lo, hi = 0, n
    if expected[:n] == got[:n]:
        return n
    # Binary search on prefix equality: cheap even for tens of MiB.
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if expected[lo:mid] == got[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def describe_mismatch(what, expected, got):
    off = first_difference(expected, got)
    return (f"{what}: sent {len(expected)} bytes sha256 "
            f"{hashlib.sha256(expected).hexdigest()[:16]}, "
            f"got {len(got)} bytes sha256 {hashlib.sha256(got).hexdigest()[:16]}, "
            f"first difference at offset {off}")


# --source: the local address every connection is bound to (None: the kernel picks)
SOURCE = None


def connect(host, port, timeout):
    try:
        return socket.create_connection((host, port), timeout=timeout,
                                        source_address=(SOURCE, 0) if SOURCE else None)
    except socket.timeout:
        raise Failure(f"connect {host}:{port}: timed out after {timeout:g} s") from None
    except OSError as e:
        raise Failure(f"connect {host}:{port}: {e.strerror or e}") from None


def mbps(nbytes, seconds):
    return nbytes / seconds / 1e6 if seconds > 0 else float("inf")


def echo_one(host, port, data, chunk, timeout):
    """Send data while reading the echo in another thread; half-close; read to EOF.
    Returns (received bytes, seconds)."""
    s = connect(host, port, timeout)
    send_error = []
    t0 = time.monotonic()

    def sender():
        try:
            view = memoryview(data)
            for off in range(0, len(data), chunk):
                s.sendall(view[off:off + chunk])
            s.shutdown(socket.SHUT_WR)
        except socket.timeout:
            send_error.append(f"send stalled for {timeout:g} s after some of {len(data)} bytes")
        except OSError as e:
            send_error.append(f"send: {e.strerror or e}")

    th = threading.Thread(target=sender, daemon=True)
    th.start()
    got = bytearray()
    try:
        while True:
            try:
                b = s.recv(1 << 18)
            except socket.timeout:
                raise Failure(f"receive stalled for {timeout:g} s after {len(got)} of "
                              f"{len(data)} bytes echoed (no EOF)") from None
            except OSError as e:
                raise Failure(f"receive after {len(got)} of {len(data)} bytes echoed: "
                              f"{e.strerror or e}") from None
            if not b:
                break
            got += b
            if len(got) > len(data):
                raise Failure(describe_mismatch("echoed more than was sent", data, bytes(got)))
        elapsed = time.monotonic() - t0
        th.join(timeout)
        if th.is_alive():
            raise Failure(f"EOF received but the sender still blocks after {timeout:g} s")
        if send_error:
            raise Failure(send_error[0])
    finally:
        s.close()
    return bytes(got), elapsed


def cmd_echo(a):
    data = payload(a.bytes, a.seed)
    got, elapsed = echo_one(a.host, a.port, data, a.chunk, a.timeout)
    if got != data:
        raise Failure(describe_mismatch("echo differs", data, got))
    digest = hashlib.sha256(got).hexdigest()
    assert digest == hashlib.sha256(data).hexdigest()
    print(f"echo: {len(got)} bytes in {elapsed:.3f} s, {mbps(len(got), elapsed):.1f} MB/s, "
          f"sha256 {digest[:16]} matches, EOF after half-close")


class Conn:
    """One non-blocking echo connection for the concurrent test."""

    def __init__(self, idx, data):
        self.idx = idx
        self.data = data
        self.sent = 0
        self.got = bytearray()
        self.state = "connecting"  # connecting -> sending -> draining -> done
        self.sock = None
        self.error = None


def cmd_concurrent(a):
    if a.conns < 1:
        raise Failure("--conns must be at least 1")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.conns + 64 and hard >= a.conns + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (a.conns + 64, hard))
    sel = selectors.DefaultSelector()
    conns = []
    t0 = time.monotonic()
    for i in range(a.conns):
        c = Conn(i, payload(a.bytes, a.seed + i))
        family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        c.sock = socket.socket(family, socket.SOCK_STREAM)
        if SOURCE:
            c.sock.bind((SOURCE, 0))
        c.sock.setblocking(False)
        rc = c.sock.connect_ex((a.host, a.port))
        if rc not in (0, errno.EINPROGRESS):
            raise Failure(f"connection {i}: connect {a.host}:{a.port}: "
                          f"{errno.errorcode.get(rc, rc)}")
        sel.register(c.sock, selectors.EVENT_WRITE | selectors.EVENT_READ, c)
        conns.append(c)

    pending = len(conns)
    last_progress = time.monotonic()
    failed = []

    def finish(c, error=None):
        nonlocal pending
        c.error = error
        c.state = "done" if error is None else "failed"
        sel.unregister(c.sock)
        c.sock.close()
        pending -= 1
        if error is not None:
            failed.append(c)

    while pending:
        events = sel.select(timeout=0.5)
        now = time.monotonic()
        if now - last_progress > a.timeout:
            break
        for key, mask in events:
            c = key.data
            if c.state == "connecting":
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    finish(c, f"connect: {errno.errorcode.get(err, err)}")
                    continue
                c.state = "sending"
                last_progress = now
            if mask & selectors.EVENT_WRITE and c.state == "sending":
                try:
                    n = c.sock.send(memoryview(c.data)[c.sent:c.sent + a.chunk])
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError as e:
                    finish(c, f"send after {c.sent} bytes: {e.strerror or e}")
                    continue
                if n:
                    c.sent += n
                    last_progress = now
                if c.sent == len(c.data):
                    c.sock.shutdown(socket.SHUT_WR)
                    c.state = "draining"
                    sel.modify(c.sock, selectors.EVENT_READ, c)
            if mask & selectors.EVENT_READ and c.state in ("sending", "draining"):
                try:
                    b = c.sock.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:
                    finish(c, f"receive after {len(c.got)} bytes: {e.strerror or e}")
                    continue
                last_progress = now
                if not b:
                    if c.state != "draining":
                        finish(c, f"EOF after {len(c.got)} bytes, before all {len(c.data)} "
                                  f"were sent")
                    elif bytes(c.got) != c.data:
                        finish(c, describe_mismatch("echo differs", c.data, bytes(c.got)))
                    else:
                        finish(c)
                    continue
                c.got += b
                if len(c.got) > len(c.data):
                    finish(c, describe_mismatch("echoed more than was sent", c.data, bytes(c.got)))
    elapsed = time.monotonic() - t0
    sel.close()

    stuck = [c for c in conns if c.state not in ("done", "failed")]
    for c in stuck:
        c.sock.close()
    if failed or stuck:
        states = {}
        for c in stuck:
            states[c.state] = states.get(c.state, 0) + 1
        parts = [f"{len(conns) - len(failed) - len(stuck)} of {len(conns)} completed"]
        if failed:
            c = failed[0]
            parts.append(f"{len(failed)} failed (first: connection {c.idx}: {c.error})")
        if stuck:
            c = stuck[0]
            detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
            parts.append(f"{len(stuck)} made no progress for {a.timeout:g} s ({detail}; first: "
                         f"connection {c.idx} sent {c.sent}, got {len(c.got)} of {len(c.data)})")
        raise Failure("; ".join(parts))
    total = a.conns * a.bytes
    print(f"concurrent: {a.conns} connections x {a.bytes} bytes echoed and verified in "
          f"{elapsed:.3f} s ({mbps(total, elapsed):.1f} MB/s total)")


def cmd_sequential(a):
    if a.conns < 1:
        raise Failure("--conns must be at least 1")
    t0 = time.monotonic()
    for i in range(a.conns):
        data = payload(a.bytes, a.seed + i)
        s = connect(a.host, a.port, a.timeout)
        try:
            try:
                s.sendall(data)
            except socket.timeout:
                raise Failure(f"connection {i}: send stalled for {a.timeout:g} s") from None
            got = bytearray()
            while len(got) < len(data):
                try:
                    b = s.recv(len(data) - len(got))
                except socket.timeout:
                    raise Failure(f"connection {i}: receive stalled for {a.timeout:g} s after "
                                  f"{len(got)} of {len(data)} bytes") from None
                if not b:
                    raise Failure(f"connection {i}: EOF after {len(got)} of {len(data)} bytes")
                got += b
            if bytes(got) != data:
                raise Failure(f"connection {i}: "
                              + describe_mismatch("echo differs", data, bytes(got)))
        except OSError as e:
            raise Failure(f"connection {i}: {e.strerror or e}") from None
        finally:
            s.close()
    elapsed = time.monotonic() - t0
    print(f"sequential: {a.conns} connections x {a.bytes} bytes in {elapsed:.3f} s "
          f"({elapsed / a.conns * 1000:.2f} ms per connection)")


def cmd_discard(a):
    data = payload(a.bytes, a.seed)
    s = connect(a.host, a.port, a.timeout)
    t0 = time.monotonic()
    try:
        view = memoryview(data)
        try:
            for off in range(0, len(data), a.chunk):
                s.sendall(view[off:off + a.chunk])
            s.shutdown(socket.SHUT_WR)
        except socket.timeout:
            raise Failure(f"send stalled for {a.timeout:g} s") from None
        except OSError as e:
            raise Failure(f"send: {e.strerror or e}") from None
        try:
            b = s.recv(4096)
        except socket.timeout:
            raise Failure(f"no EOF within {a.timeout:g} s after sending {len(data)} bytes and "
                          f"half-closing") from None
        except OSError as e:
            raise Failure(f"waiting for EOF: {e.strerror or e}") from None
        if b:
            raise Failure(f"discard service sent {len(b)} bytes back")
        elapsed = time.monotonic() - t0
    finally:
        s.close()
    print(f"discard: {len(data)} bytes in {elapsed:.3f} s, {mbps(len(data), elapsed):.1f} MB/s, "
          f"EOF after half-close")


def cmd_rst(a):
    # A refusal is the answer (an RST: tlsterm sends no ICMP for TCP), however long it took
    # on a loaded machine; silence ends in the timeout. The time is information.
    t0 = time.monotonic()
    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout,
                                     source_address=(SOURCE, 0) if SOURCE else None)
    except ConnectionRefusedError:
        elapsed = time.monotonic() - t0
        print(f"rst: {a.host}:{a.port} refused in {elapsed * 1000:.1f} ms")
        return
    except socket.timeout:
        raise Failure(f"connect {a.host}:{a.port}: no RST within {a.timeout:g} s") from None
    except OSError as e:
        raise Failure(f"connect {a.host}:{a.port}: expected a refusal, "
                      f"got: {e.strerror or e}") from None
    s.close()
    raise Failure(f"connect {a.host}:{a.port}: accepted, expected a refusal (RST)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, bytes_default=None, conns=False):
        p.add_argument("--host", required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--source", help="local address to connect from")
        p.add_argument("--timeout", type=float, default=30.0,
                       help="seconds any one socket operation may take (default 30)")
        if bytes_default is not None:
            p.add_argument("--bytes", type=int, required=True)
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--chunk", type=int, default=65536, help="bytes per send call")
        if conns:
            p.add_argument("--conns", type=int, required=True)

    common(sub.add_parser("echo", help="one echo connection, full duplex"), 0)
    common(sub.add_parser("concurrent", help="N echo connections at once"), 0, conns=True)
    common(sub.add_parser("sequential", help="N short echo connections, one after another"), 0,
           conns=True)
    common(sub.add_parser("discard", help="send N bytes, half-close, expect EOF"), 0)
    common(sub.add_parser("rst", help="a port without listener must refuse (RST) quickly"))
    a = ap.parse_args()
    if getattr(a, "bytes", 0) < 0 or getattr(a, "chunk", 1) < 1:
        ap.error("--bytes must be >= 0 and --chunk >= 1")

    global SOURCE
    SOURCE = a.source
    run = {"echo": cmd_echo, "concurrent": cmd_concurrent, "sequential": cmd_sequential,
           "discard": cmd_discard, "rst": cmd_rst}[a.cmd]
    try:
        run(a)
    except Failure as e:
        print(f"tcp_client: {a.cmd}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"tcp_client: {a.cmd}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
