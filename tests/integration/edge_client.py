#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Clients that misbehave on purpose, for test_edge.sh (Python 3 stdlib only).

  edge_client.py connect HOST PORT [--source A] [--timeout S]
      one connect: prints "connected", "refused" or "timeout" (exit 0 in all three)
  edge_client.py half_hello HOST PORT --count N --wait S
      N connections that each send the first half of a real TLS ClientHello and
      stop; prints "sent N halves" once they are out, then how many tlsterm closed
      (FIN or RST) within S seconds, and the longest time one took
  edge_client.py storm HOST PORT --count N --timeout S [--hold S]
      N connects at once (non-blocking); prints how many completed within S
      seconds; with --hold, keeps those open that long before closing them
  edge_client.py sequential HOST PORT --count N --timeout S
      N connects one after another, each closed at once; prints how many completed
      (each within S seconds) and how long all took
  edge_client.py held HOST PORT --sources A,B,... [--timeout S]
      one connect after another, from each source address in turn, every one kept open
      until the last has its answer; prints one word per connect ("connected", "refused",
      "timeout"), space-separated, then closes them all
  edge_client.py idle HOST PORT --wait S [--tls]
      one connection (with --tls: after a whole TLS handshake) that then sends nothing:
      prints "closed after T s" or "open"
"""

import argparse
import select
import socket
import ssl
import sys
import time


def cmd_connect(a):
    s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET)
    if a.source:
        s.bind((a.source, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, TimeoutError):
        print("timeout")
    finally:
        s.close()


def cmd_held(a):
    held, words = [], []
    for src in a.sources.split(","):
        s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET)
        s.bind((src, 0))
        s.settimeout(a.timeout)
        try:
            s.connect((a.host, a.port))
            words.append("connected")
            held.append(s)
        except ConnectionRefusedError:
            words.append("refused")
            s.close()
        except (socket.timeout, TimeoutError):
            words.append("timeout")
            s.close()
    print(" ".join(words))
    for s in held:
        s.close()


def client_hello():
    """The bytes of a real ClientHello, from Python's own TLS client over memory BIOs."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="tlsterm.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def closed_by_peer(s):
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True
    except BlockingIOError:
        return False


def cmd_half_hello(a):
    hello = client_hello()
    half = hello[: len(hello) // 2]
    socks, reset_early = [], 0
    for _ in range(a.count):
        try:
            s = socket.create_connection((a.host, a.port), timeout=10)
            s.sendall(half)
        except (ConnectionResetError, BrokenPipeError):
            reset_early += 1  # refused at once (max_handshaking): closed too
            continue
        s.setblocking(False)
        socks.append(s)
    print(f"sent {a.count} halves")
    sys.stdout.flush()
    start = time.monotonic()
    open_ = {s.fileno(): s for s in socks}
    closed, longest = reset_early, 0.0
    while open_ and time.monotonic() - start < a.wait:
        ready, _, _ = select.select(list(open_.values()), [], [], 0.2)
        for s in ready:
            if closed_by_peer(s):
                closed += 1
                longest = time.monotonic() - start
                del open_[s.fileno()]
                s.close()
    for s in open_.values():
        s.close()
    print(f"closed {closed} of {a.count}, the last after {longest:.1f} s")


def cmd_storm(a):
    socks = []
    for _ in range(a.count):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((a.host, a.port))
        except BlockingIOError:
            pass
        socks.append(s)
    deadline = time.monotonic() + a.timeout
    pending, done = set(socks), []
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], list(pending), [], max(0, deadline - time.monotonic()))
        for s in w:
            pending.discard(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    for s in pending:
        s.close()
    print(f"connected {len(done)} of {a.count}")
    sys.stdout.flush()
    if a.hold:
        time.sleep(a.hold)
    for s in done:
        s.close()


def cmd_sequential(a):
    ok, start = 0, time.monotonic()
    for _ in range(a.count):
        s = socket.socket()
        s.settimeout(a.timeout)
        try:
            s.connect((a.host, a.port))
            ok += 1
        except (socket.timeout, TimeoutError, ConnectionError):
            pass
        s.close()
    print(f"connected {ok} of {a.count} in {time.monotonic() - start:.1f} s")


def cmd_idle(a):
    s = socket.create_connection((a.host, a.port), timeout=10)
    if a.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="tlsterm.test")  # the handshake completes
    s.setblocking(False)
    start = time.monotonic()
    while time.monotonic() - start < a.wait:
        select.select([s], [], [], 0.2)
        try:
            if closed_by_peer(s):
                print(f"closed after {time.monotonic() - start:.1f} s")
                return
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError, ssl.SSLError, OSError) as e:
            if isinstance(e, ssl.SSLWantReadError):
                continue
            print(f"closed after {time.monotonic() - start:.1f} s")
            return
    print("open")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("connect", "half_hello", "storm", "sequential", "idle", "held"):
        q = sub.add_parser(name)
        q.add_argument("host")
        q.add_argument("port", type=int)
        q.add_argument("--source")
        q.add_argument("--timeout", type=float, default=3)
        q.add_argument("--count", type=int, default=1)
        q.add_argument("--wait", type=float, default=10)
        q.add_argument("--hold", type=float, default=0)
        q.add_argument("--tls", action="store_true")
        q.add_argument("--sources", default="")
    a = p.parse_args()
    {"connect": cmd_connect, "half_hello": cmd_half_hello, "storm": cmd_storm,
     "sequential": cmd_sequential, "idle": cmd_idle, "held": cmd_held}[a.cmd](a)


if __name__ == "__main__":
    main()
