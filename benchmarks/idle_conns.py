#!/usr/bin/python3
"""Opens N TLS connections to HOST:PORT, completes each handshake, then holds them all idle
until SIGTERM, and closes them. proxy_bench.sh's idle-memory workload.

Prints "holding N" (N = handshakes completed and still open) once every connection has been
tried, and "failed K: reason" lines for those that did not complete. At most CONCURRENCY
handshakes are in flight at once, so the terminator sees a steady ramp rather than a SYN flood.
The certificate is not verified: the bench's CA is the test bed's own and the point is memory.

A process may hold only as many sockets as its open-files limit (RLIMIT_NOFILE: the container's
hard limit is 20,000 and root cannot raise it), so N above that is split over several processes
(--procs; 0, the default, picks the fewest that fit): the parent starts them, each with its
share of N and of CONCURRENCY, sums their "holding" and "failed" lines into its own, and passes
SIGTERM on to them. The limit is per process; the system-wide fs.file-max is far above."""
import argparse
import asyncio
import asyncio.sslproto
import collections
import os
import resource
import signal
import ssl
import sys

SPARE_FDS = 100  # stdio, the event loop's own descriptors, python's imports


def fit_limit():
    """Raises the soft open-files limit to the hard one; returns the sockets one process may hold."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft - SPARE_FDS


async def hold(o):
    # asyncio gives every TLS connection a 256 KiB read buffer (SSLProtocol.max_size), written
    # in full when made: 50,000 idle connections took 11 GiB of client memory on a shared
    # machine. Nothing is read here, so a small one does.
    asyncio.sslproto.SSLProtocol.max_size = 4096
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    held = []
    fails = collections.Counter()
    sem = asyncio.Semaphore(o.concurrency)

    async def one():
        async with sem:
            try:
                r, w = await asyncio.wait_for(
                    asyncio.open_connection(o.host, o.port, ssl=ctx), o.timeout)
                held.append(w)
            except Exception as e:  # counted and reported, never hidden
                fails[type(e).__name__ + (f" {e.errno}" if getattr(e, "errno", None) else "")] += 1

    # The handler before the first connection: the parent may pass SIGTERM on at any time.
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await asyncio.gather(*(one() for _ in range(o.n)))
    for reason, k in fails.items():
        print(f"failed {k}: {reason}", flush=True)
    # Connections the peer closed while the others were opening do not count as held.
    alive = sum(1 for w in held if not w.is_closing() and not w.transport.get_extra_info("socket")
                is None)
    print(f"holding {alive}", flush=True)
    await stop.wait()
    for w in held:
        w.transport.abort()


async def split(o, procs):
    """Starts PROCS children, each holding its share; prints their sums."""
    shares = [o.n // procs + (1 if i < o.n % procs else 0) for i in range(procs)]
    conc = max(1, o.concurrency // procs)
    kids = []
    for k in shares:
        kids.append(await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), o.host, str(o.port), str(k),
            "--concurrency", str(conc), "--timeout", str(o.timeout), "--procs", "1",
            stdout=asyncio.subprocess.PIPE))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    fails = collections.Counter()

    async def report(p):
        """The child's lines up to its "holding"; what it holds, or 0 if it ended first."""
        while True:
            line = (await p.stdout.readline()).decode()
            if not line:
                fails[f"client process exited {await p.wait()}"] += 1
                return 0
            if line.startswith("failed "):
                k, reason = line[len("failed "):].rstrip("\n").split(": ", 1)
                fails[reason] += int(k)
            elif line.startswith("holding "):
                return int(line.split()[1])

    got = await asyncio.gather(*(report(p) for p in kids))
    for reason, k in fails.items():
        print(f"failed {k}: {reason}", flush=True)
    print(f"holding {sum(got)} in {procs} processes", flush=True)
    await stop.wait()
    for p in kids:
        if p.returncode is None:
            p.send_signal(signal.SIGTERM)
    for p in kids:
        await p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--procs", type=int, default=0,
                    help="client processes (0: the fewest whose open-files limits hold N)")
    o = ap.parse_args()
    per_proc = fit_limit()
    procs = o.procs or max(1, -(-o.n // per_proc))
    if -(-o.n // procs) > per_proc:
        sys.exit(f"idle_conns: {o.n} connections over {procs} processes exceed the "
                 f"open-files limit ({per_proc} sockets per process)")
    asyncio.run(hold(o) if procs == 1 else split(o, procs))


if __name__ == "__main__":
    main()
