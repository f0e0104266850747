#!/usr/bin/python3
"""Opens N TLS connections to HOST:PORT, completes each handshake, then holds them all idle
until SIGTERM, and closes them. proxy_bench.sh's idle-memory workload.

Prints "holding N" (N = handshakes completed and still open) once every connection has been
tried, and "failed K: reason" lines for those that did not complete. At most CONCURRENCY
handshakes are in flight at once, so the terminator sees a steady ramp rather than a SYN flood.
The certificate is not verified: the bench's CA is the test bed's own and the point is memory."""
import argparse
import asyncio
import collections
import signal
import ssl


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=20.0)
    o = ap.parse_args()
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

    await asyncio.gather(*(one() for _ in range(o.n)))
    for reason, k in fails.items():
        print(f"failed {k}: {reason}", flush=True)
    # Connections the peer closed while the others were opening do not count as held.
    alive = sum(1 for w in held if not w.is_closing() and not w.transport.get_extra_info("socket")
                is None)
    print(f"holding {alive}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for w in held:
        w.transport.abort()


if __name__ == "__main__":
    asyncio.run(main())
