#!/usr/bin/python3
"""Load generator, reference server and report for benchmarks/tcp_bench.sh.

Run with /usr/bin/python3 (Debian's); plain sockets, standard library only.

Client side (run in the client namespace, pinned with taskset by the caller):

  tcp_load.py discard --host H --port P [--bytes N] [--seconds T]
      one connection; sendall() of a 256 KiB buffer until N bytes or T seconds, then
      half-close and wait for the server's FIN: every byte has then been taken by the server.
  tcp_load.py echo --host H --port P [--bytes N] [--seconds T]
      one connection; a sender thread writes N bytes (or stops after T seconds) and
      half-closes, the main thread reads the echo to EOF and checks the byte count.
  tcp_load.py cps --host H --port P [--procs K] [--seconds T]
      K processes, each looping connect / send 1 byte / recv 1 byte / close for T seconds.

Each prints one JSON line on stdout (the result) and exits 0, or prints one JSON line with an
"error" key and exits 1.

Server side (the kernel reference; run in its own namespace, pinned with taskset):

  tcp_load.py serve --echo-port 7 --discard-port 9
      asyncio echo (RFC 862) and discard (RFC 863) servers; both close after the peer's FIN.

Report:

  tcp_load.py report --dir RUNS_DIR --out FILE.md [--machine TEXT]
      reads RUNS_DIR/*.json (one per run, written by tcp_bench.sh) and prints the markdown
      report (also written to FILE.md).
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import socket
import statistics
import sys
import threading
import time

CHUNK = 256 * 1024
IO_TIMEOUT = 30.0  # seconds without progress before a throughput run is declared stalled


def emit(obj, rc=0):
    print(json.dumps(obj), flush=True)
    sys.exit(rc)


def connect(host, port, timeout=IO_TIMEOUT):
    s = socket.create_connection((host, port), timeout=timeout)
    return s


# --------------------------------------------------------------------------------- discard
def cmd_discard(a):
    buf = memoryview(os.urandom(CHUNK))
    s = connect(a.host, a.port)
    sent = 0
    t0 = time.monotonic()
    deadline = t0 + a.seconds
    try:
        while sent < a.bytes and time.monotonic() < deadline:
            n = min(CHUNK, a.bytes - sent)
            s.sendall(buf[:n])
            sent += n
        s.shutdown(socket.SHUT_WR)
        t_sent = time.monotonic()
        extra = s.recv(1)  # discard sends nothing; EOF once it has read everything and closed
        t1 = time.monotonic()
    except socket.timeout:
        emit({"workload": "discard", "error": f"stalled for {IO_TIMEOUT:g} s after {sent} bytes"}, 1)
    except OSError as e:
        emit({"workload": "discard", "error": f"after {sent} bytes: {e.strerror or e}"}, 1)
    finally:
        s.close()
    if extra:
        emit({"workload": "discard", "error": "the discard server sent data"}, 1)
    el = t1 - t0
    emit({"workload": "discard", "bytes": sent, "seconds": el,
          "mb_s": sent / el / 1e6, "fin_wait_s": t1 - t_sent})


# ------------------------------------------------------------------------------------ echo
def cmd_echo(a):
    buf = memoryview(os.urandom(CHUNK))
    s = connect(a.host, a.port)
    state = {"sent": 0, "error": None}
    t0 = time.monotonic()
    deadline = t0 + a.seconds

    def sender():
        try:
            while state["sent"] < a.bytes and time.monotonic() < deadline:
                n = min(CHUNK, a.bytes - state["sent"])
                s.sendall(buf[:n])
                state["sent"] += n
            s.shutdown(socket.SHUT_WR)
        except socket.timeout:
            state["error"] = f"send stalled for {IO_TIMEOUT:g} s after {state['sent']} bytes"
        except OSError as e:
            state["error"] = f"send after {state['sent']} bytes: {e.strerror or e}"

    th = threading.Thread(target=sender, daemon=True)
    th.start()
    got = 0
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += len(b)
        t1 = time.monotonic()
    except socket.timeout:
        emit({"workload": "echo", "error": f"receive stalled for {IO_TIMEOUT:g} s after {got} "
              f"bytes echoed of {state['sent']} sent"}, 1)
    except OSError as e:
        emit({"workload": "echo", "error": f"receive after {got} bytes: {e.strerror or e}"}, 1)
    finally:
        th.join(IO_TIMEOUT)
        s.close()
    if state["error"]:
        emit({"workload": "echo", "error": state["error"]}, 1)
    if got != state["sent"]:
        emit({"workload": "echo", "error": f"sent {state['sent']} bytes, echoed {got}"}, 1)
    el = t1 - t0
    emit({"workload": "echo", "bytes": got, "seconds": el, "mb_s": got / el / 1e6})


# ------------------------------------------------------------------------------------- cps
def cps_worker(host, port, seconds, start_evt, out_q):
    ok = 0
    errors = {}
    start_evt.wait()
    deadline = time.monotonic() + seconds
    addr = (host, port)
    while time.monotonic() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5.0)
        try:
            s.connect(addr)
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise OSError("wrong or no echo")
            ok += 1
        except socket.timeout:
            errors["timeout"] = errors.get("timeout", 0) + 1
        except OSError as e:
            k = e.strerror or str(e)
            errors[k] = errors.get(k, 0) + 1
        finally:
            s.close()
    out_q.put((ok, errors))


def cmd_cps(a):
    ctx = multiprocessing.get_context("fork")
    start_evt = ctx.Event()
    q = ctx.Queue()
    procs = [ctx.Process(target=cps_worker, args=(a.host, a.port, a.seconds, start_evt, q))
             for _ in range(a.procs)]
    for p in procs:
        p.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    start_evt.set()
    results = [q.get(timeout=a.seconds + 60) for _ in procs]
    el = time.monotonic() - t0
    for p in procs:
        p.join(10)
    ok = sum(r[0] for r in results)
    errors = {}
    for _, e in results:
        for k, v in e.items():
            errors[k] = errors.get(k, 0) + v
    out = {"workload": "cps", "connections": ok, "seconds": el, "conn_s": ok / el,
           "procs": a.procs, "errors": errors}
    if ok == 0:
        out["error"] = f"no connection completed ({errors})"
        emit(out, 1)
    emit(out)


# ---------------------------------------------------------------------- reference server
class Echo(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t

    def data_received(self, data):
        self.t.write(data)

    def pause_writing(self):  # the client reads slower than it writes: stop reading
        self.t.pause_reading()

    def resume_writing(self):
        self.t.resume_reading()

    def eof_received(self):
        return False  # close once the echo is written


class Discard(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t

    def data_received(self, data):
        pass

    def eof_received(self):
        return False


def cmd_serve(a):
    async def main():
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(Echo, "0.0.0.0", a.echo_port, backlog=4096,
                                            reuse_address=True),
                   await loop.create_server(Discard, "0.0.0.0", a.discard_port, backlog=4096,
                                            reuse_address=True)]
        print("serving", flush=True)
        await asyncio.gather(*(s.serve_forever() for s in servers))

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


# ------------------------------------------------------------------------------- report
METRICS = {
    # (server, workload): [(label, key, decimals)]
    ("tlsterm", "discard"): [("throughput, MB/s", "mb_s", 1),
                             ("worker on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                             ("worker cycles / segment", "cyc_seg", 0),
                             ("worker cycles / segment × CPU share (estimate)", "cyc_seg_adj", 0),
                             ("worker cycles / payload byte", "cyc_byte", 2),
                             ("kernel (PMD syscall) part of worker CPU time, %", "sys_share", 0)],
    ("tlsterm", "echo"): [("throughput each way, MB/s", "mb_s", 1),
                          ("worker on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                          ("worker cycles / segment", "cyc_seg", 0),
                          ("worker cycles / segment × CPU share (estimate)", "cyc_seg_adj", 0),
                          ("worker cycles / payload byte (in + out)", "cyc_byte", 2),
                          ("kernel (PMD syscall) part of worker CPU time, %", "sys_share", 0)],
    ("tlsterm", "cps"): [("connections / s", "conn_s", 0),
                         ("worker on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                         ("worker cycles / segment", "cyc_seg", 0),
                         ("worker cycles / segment × CPU share (estimate)", "cyc_seg_adj", 0),
                         ("worker cycles / connection", "cyc_conn", 0),
                         ("kernel (PMD syscall) part of worker CPU time, %", "sys_share", 0)],
    ("kernel", "discard"): [("throughput, MB/s", "mb_s", 1),
                            ("server on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                            ("server process CPU cycles / segment (note 3)", "cyc_seg", 0)],
    ("kernel", "echo"): [("throughput each way, MB/s", "mb_s", 1),
                         ("server on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                         ("server process CPU cycles / segment (note 3)", "cyc_seg", 0)],
    ("kernel", "cps"): [("connections / s", "conn_s", 0),
                        ("server on CPU 1 / waiting for it, % of the run", "cpu_wait", 0),
                        ("server process CPU cycles / connection (note 3)", "cyc_conn", 0)],
}
SERVER_LABEL = {"tlsterm": "tlsterm (DPDK af_packet, 1 worker)",
                "kernel": "kernel TCP + Python asyncio server"}
WORKLOAD_LABEL = {"discard": "discard, 1 conn", "echo": "echo, 1 conn",
                  "cps": "connect/1 B echo/close"}


def parse_stats(log_text):
    """key=value pairs from tlsterm's 'stats:' lines (port lines prefixed with the port name)."""
    st = {}
    for line in log_text.splitlines():
        i = line.find("stats: ")
        if i < 0:
            continue
        rest = line[i + 7:]
        prefix = ""
        m = re.match(r"port (\S+) ", rest)
        if m:
            prefix = m.group(1) + "."
        for k, v in re.findall(r"(\w+)=(-?\d+)", rest):
            st[prefix + k] = int(v)
    return st


def derive(run):
    """Per-run metrics from the client result and the server-side counters."""
    c = run.get("client", {})
    d = {}
    if run.get("wall_ns") and "cpu_ns" in run:
        # (on-CPU %, waiting %): a pair, shown as "on / wait"; the median etc. use on-CPU
        d["cpu_wait"] = (100.0 * run["cpu_ns"] / run["wall_ns"],
                         100.0 * run.get("wait_ns", 0) / run["wall_ns"])
    if "mb_s" in c:
        d["mb_s"] = c["mb_s"]
    if "conn_s" in c:
        d["conn_s"] = c["conn_s"]
    if run["server"] == "tlsterm":
        st = parse_stats(run.get("log", ""))
        run["stats"] = st
        busy = st.get("busy_cycles")
        segs = st.get("segs_in", 0) + st.get("segs_out", 0)
        if busy is not None and segs:
            d["cyc_seg"] = busy / segs
        if busy is not None and c.get("bytes"):
            payload = c["bytes"] * (2 if run["workload"] == "echo" else 1)
            d["cyc_byte"] = busy / payload
        if busy is not None and c.get("connections"):
            d["cyc_conn"] = busy / c["connections"]
        if run.get("cpu_ns") and run.get("wall_ns"):
            share = min(run["cpu_ns"] / run["wall_ns"], 1.0)
            if "cyc_seg" in d:
                d["cyc_seg_adj"] = d["cyc_seg"] * share
        ut, stt = run.get("worker_utime_ticks"), run.get("worker_stime_ticks")
        if ut is not None and stt is not None and ut + stt:
            d["sys_share"] = 100.0 * stt / (ut + stt)
    else:
        ticks = run.get("server_cpu_ticks")
        hz = run.get("tsc_hz")
        segs = run.get("segs_in", 0) + run.get("segs_out", 0)
        if ticks is not None and hz:
            cyc = ticks / run["clk_tck"] * hz
            if segs:
                d["cyc_seg"] = cyc / segs
            if c.get("connections"):
                d["cyc_conn"] = cyc / c["connections"]
    return d


def fmt(v, dec):
    return f"{v:,.{dec}f}"


def health(run):
    """Anomalies of one run, as short strings."""
    out = []
    c = run.get("client", {})
    if "error" in c:
        out.append(f"client error: {c['error']}")
    if c.get("errors"):
        out.append(f"client connect/echo errors: {c['errors']}")
    if run.get("client_rto"):
        out.append(f"client had {run['client_rto']} retransmission timeouts")
    if run.get("client_leftover"):
        out.append(f"{run['client_leftover']} client sockets not in TIME-WAIT 1 s after the run")
    if run["server"] == "tlsterm":
        st = run.get("stats", {})
        if not st:
            out.append("no shutdown statistics in the tlsterm log")
        if run.get("tlsterm_rc", 0) != 0:
            out.append(f"tlsterm exit status {run['tlsterm_rc']}")
        for k in ("tcp_connections_open", "leaked", "fsm_illegal", "resets_sent", "resets_received",
                  "timeouts", "rto_expiries"):
            if st.get(k):
                out.append(f"{k}={st[k]}")
        bad = [ln for ln in run.get("log", "").splitlines()
               if re.search(r" (warn|warning|err|error|crit):", ln)]
        if bad:
            out.append(f"{len(bad)} warning/error log lines, first: {bad[0].strip()[:160]}")
    if run.get("wall_ns") and "cpu_ns" in run:
        on = run["cpu_ns"] / run["wall_ns"]
        wait = run.get("wait_ns", 0) / run["wall_ns"]
        who = "worker" if run["server"] == "tlsterm" else "server"
        if run["server"] == "tlsterm" and on < 0.9:
            out.append(f"{who} thread on CPU 1 only {on:.0%} of the run, waiting for it {wait:.0%}")
        elif run["server"] != "tlsterm" and wait > 0.1:
            out.append(f"{who} waited for CPU 1 {wait:.0%} of the run")
    if run.get("other_dpdk"):
        out.append(f"other tlsterm processes running (pids {run['other_dpdk']})")
    return out


def tlsterm_info(st):
    """Loss-recovery counters worth seeing next to a throughput number (not errors)."""
    keys = ("retransmits", "fast_retransmits", "ooo_segments", "dup_segments", "drops_total")
    return ", ".join(f"{k} {st[k]}" for k in keys if st.get(k))


def cmd_report(a):
    runs = []
    for name in sorted(os.listdir(a.dir)):
        if name.endswith(".json"):
            with open(os.path.join(a.dir, name)) as f:
                runs.append(json.load(f))
    runs.sort(key=lambda r: (r["run"], ["discard", "echo", "cps"].index(r["workload"]),
                             r["server"] != "tlsterm"))
    # The TSC rate (for the kernel reference's CPU time in cycles): tlsterm reports it.
    tsc = next((parse_stats(r.get("log", "")).get("tsc_hz") for r in runs
                if r["server"] == "tlsterm" and "tsc_hz=" in r.get("log", "")), None)
    for r in runs:
        if r["server"] == "kernel" and tsc:
            r["tsc_hz"] = tsc
    lines = []
    w = lines.append
    w(f"# tlsterm TCP benchmark — {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    w("")
    if a.machine:
        w(a.machine)
        w("")
    w("Test bed: veth pairs + DPDK `net_af_packet`, kernel TCP as the peer in the client "
      "namespace. Absolute numbers are bounded by the virtual device and the kernel peer "
      "(DESIGN.md \"Known limits of this test bed\"); read them as ratios and as the worker's "
      "cost, not as what tlsterm does on a NIC.")
    w("")
    w("| server | workload | metric | median | min | max | runs | noise |")
    w("|---|---|---|---:|---:|---:|---:|---|")
    for (server, workload), metrics in METRICS.items():
        rs = [r for r in runs if r["server"] == server and r["workload"] == workload]
        if not rs:
            continue
        derived = [derive(r) for r in rs]
        for label, key, dec in metrics:
            vals = [d[key] for r, d in zip(rs, derived)
                    if key in d and "error" not in r.get("client", {})]
            if key == "cpu_wait" and vals:
                # on CPU / waiting, sorted by on-CPU; min and max are whole runs' pairs
                vals.sort()
                med = vals[(len(vals) - 1) // 2]
                cell = lambda p: f"{p[0]:.0f} / {p[1]:.0f}"
                w(f"| {SERVER_LABEL[server]} | {WORKLOAD_LABEL[workload]} | {label} "
                  f"| {cell(med)} | {cell(vals[0])} | {cell(vals[-1])} | {len(vals)} | |")
                continue
            if not vals:
                w(f"| {SERVER_LABEL[server]} | {WORKLOAD_LABEL[workload]} | {label} "
                  f"| n/a | | | 0 | |")
                continue
            med, lo, hi = statistics.median(vals), min(vals), max(vals)
            spread = (hi - lo) / med if med else 0.0
            noise = f"⚠ noisy: spread {spread:.0%}" if spread > 0.20 else f"{spread:.0%}"
            w(f"| {SERVER_LABEL[server]} | {WORKLOAD_LABEL[workload]} | {label} "
              f"| {fmt(med, dec)} | {fmt(lo, dec)} | {fmt(hi, dec)} | {len(vals)} | {noise} |")
    w("")
    # Per-run details: what the medians are made of, and anything abnormal.
    w("Per run:")
    w("")
    w("| server | workload | run | client result | counters | anomalies |")
    w("|---|---|---:|---|---|---|")
    for r in runs:
        c = r.get("client", {})
        if "error" in c:
            cres = "ERROR"
        elif r["workload"] == "cps":
            cres = f"{c.get('connections', 0)} conns in {c.get('seconds', 0):.1f} s"
        else:
            cres = f"{c.get('bytes', 0) / 2**20:.0f} MiB in {c.get('seconds', 0):.2f} s"
        st = r.get("stats", {})
        if r["server"] == "tlsterm":
            srv = (f"segs in/out {st.get('segs_in', '?')}/{st.get('segs_out', '?')}, "
                   f"passive_opens {st.get('passive_opens', '?')}, "
                   f"busy {st.get('busy_cycles', 0) / max(st.get('tsc_hz', 1), 1):.2f} s")
            info = tlsterm_info(st)
            if info:
                srv += f"; {info}"
        else:
            srv = (f"segs in/out {r.get('segs_in', '?')}/{r.get('segs_out', '?')}, "
                   f"server CPU {r.get('server_cpu_ticks', 0) / r.get('clk_tck', 100):.2f} s")
        if r.get("client_retrans"):
            srv += f"; client retransmitted {r['client_retrans']} segs"
        an = "; ".join(health(r)) or "none"
        w(f"| {r['server']} | {r['workload']} | {r['run']} | {cres} | {srv} | {an} |")
    w("")
    w("Notes:")
    w("1. worker cycles = tlsterm's `busy_cycles`: TSC cycles of the worker-loop iterations that "
      "did work, counted per run of one workload (tlsterm is restarted for each run). Segments = "
      "TCP `segs_in + segs_out`; payload bytes = bytes the client sent (discard), sent + echoed "
      "(echo); connections = the client's completed connections.")
    w("2. `busy_cycles` is wall-clock TSC time: when the worker thread is descheduled inside a busy "
      "iteration, that time counts too. \"on CPU 1 / waiting\" is the thread's scheduler "
      "accounting over the run (/proc/.../schedstat: time running, time runnable while another "
      "task ran); a busy-polling worker alone on its core is at 100 / 0. Below that the raw "
      "cycle figures are inflated, by up to 1/on-CPU share. The \"× CPU share\" row is a "
      "first-order correction (it assumes preemption lands in busy and idle iterations alike), "
      "not a measurement. The worker's CPU time also includes the af_packet PMD's system calls "
      "(the \"kernel part\" row): sending on a veth runs the receiving side's softirq, i.e. "
      "part of the *client kernel's* TCP receive path, inside tlsterm's send call. Cycles per "
      "segment are therefore an upper bound on tlsterm's own cost.")
    w("3. Kernel reference: a Python asyncio echo/discard server in its own namespace behind its "
      "own veth pair from the client namespace, pinned to CPU 1; same client, same offloads off. "
      "Its CPU figure is the server process's utime+stime only: much of the kernel's TCP receive "
      "path runs in softirq on the sending CPU and is not in it, while the Python interpreter "
      "is. It is a reference point for the test bed, not a competitor.")
    w("4. Noise: ⚠ when (max - min) / median > 20%.")
    if any(r.get("other_dpdk") for r in runs):
        w("- ⚠ Other tlsterm processes (other users of the test bed) were running on the same two "
          "cores during some runs: those numbers include CPU contention.")
    text = "\n".join(lines) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


def cmd_record(a):
    """One run's JSON: the client's result line, tlsterm's log, and key=value extras."""
    run = {"server": a.server, "workload": a.workload, "run": a.run}
    try:
        with open(a.client) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        run["client"] = json.loads(lines[-1]) if lines else None
    except (OSError, ValueError) as e:
        run["client"] = {"error": f"unreadable client output: {e}"}
    if run["client"] is None:
        try:
            with open(a.client + ".err", errors="replace") as f:
                err = [ln for ln in f.read().splitlines() if ln.strip()]
        except OSError:
            err = []
        run["client"] = {"error": "client died: " + (err[-1][:200] if err else "no output (timeout?)")}
    if a.log:
        with open(a.log, errors="replace") as f:
            run["log"] = f.read()
    for kv in a.kv:
        k, _, v = kv.partition("=")
        try:
            run[k] = int(v)
        except ValueError:
            run[k] = v
    with open(a.out, "w") as f:
        json.dump(run, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("discard", "echo", "cps"):
        p = sub.add_parser(name)
        p.add_argument("--host", required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--bytes", type=int, default=1 << 30)
        p.add_argument("--seconds", type=float, default=10.0)
        p.add_argument("--procs", type=int, default=4)
    p = sub.add_parser("serve")
    p.add_argument("--echo-port", type=int, default=7)
    p.add_argument("--discard-port", type=int, default=9)
    p = sub.add_parser("record")
    p.add_argument("--out", required=True)
    p.add_argument("--server", required=True, choices=("tlsterm", "kernel"))
    p.add_argument("--workload", required=True, choices=("discard", "echo", "cps"))
    p.add_argument("--run", type=int, required=True)
    p.add_argument("--client", required=True)
    p.add_argument("--log", default="")
    p.add_argument("--kv", nargs="*", default=[])
    p = sub.add_parser("report")
    p.add_argument("--dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--machine", default="")
    a = ap.parse_args()
    {"discard": cmd_discard, "echo": cmd_echo, "cps": cmd_cps, "serve": cmd_serve,
     "report": cmd_report, "record": cmd_record}[a.cmd](a)


if __name__ == "__main__":
    main()
