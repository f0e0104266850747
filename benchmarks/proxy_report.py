#!/usr/bin/python3
"""The markdown report of benchmarks/proxy_bench.sh, from its per-run records (one line of
key=value per run: what the script measured around h2load, tlsterm's shutdown counters) and
h2load's own output. Every number printed is computed from those; nothing is assumed."""
import argparse
import re
import statistics

NOISE = 0.20  # (max - min) / median above this marks a row noisy
MIB = 1 << 20

WORKLOADS = {
    "hs-ecdsa": ("full handshakes, ECDSA P-256 (1 request per connection, `Connection: close`)",
                 "handshakes/s", "handshake"),
    "hs-rsa": ("full handshakes, RSA-2048 (1 request per connection, `Connection: close`)",
               "handshakes/s", "handshake"),
    "hs-tls12": ("full handshakes, TLS 1.2 ECDHE-ECDSA P-256 (client offers TLS 1.2 only, "
                 "`Connection: close`)", "handshakes/s", "handshake"),
    "hs-resume": ("resumed handshakes: session tickets on, each h2load client offers its last "
                  "session when it reconnects (`Connection: close`)", "handshakes/s", "handshake"),
    "bulk-1m": ("1 MiB GETs over keep-alive connections", "MiB/s", "MiB"),
    "ka-1k": ("1 KiB GETs over keep-alive connections", "requests/s", "request"),
}
NAMES = {"tlsterm": "tlsterm", "nginx": "nginx", "haproxy": "HAProxy", "hitch": "hitch"}
NORMAL_EXIT = {"tlsterm": {0}, "nginx": {0}, "haproxy": {0, 143}, "hitch": {0}}  # haproxy -db: 143 on SIGTERM


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            r = dict(tok.split("=", 1) for tok in line.split() if "=" in tok)
            if r:
                runs.append(r)
    return runs


def duration(text):
    m = re.search(r"finished in ([0-9.]+)(us|ms|s),", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]


def h2load(path):
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return {}
    m = re.search(r"s_time: connections=(\d+) procs=(\d+) wall_s=(\d+)e-3 rc=(\d+)", text)
    if m:  # hs-tls12: openssl s_time processes, not h2load (see proxy_bench.sh s_time_run)
        n = int(m.group(1))
        return {"duration": int(m.group(3)) / 1e3, "total": n, "started": n, "done": n,
                "succeeded": n, "failed": 0, "errored": 0, "timeout": 0, "s2xx": n, "data": None,
                "proto": "TLSv1.2 (s_time -tls1_2)", "cipher": "ECDHE-ECDSA-AES128-GCM-SHA256",
                "kx": "(see the handshake check)", "alpn": "none"}
    h = {"duration": duration(text)}
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", text)
    if m:
        for k, v in zip(["total", "started", "done", "succeeded", "failed", "errored", "timeout"],
                        m.groups()):
            h[k] = int(v)
    m = re.search(r"status codes: (\d+) 2xx", text)
    h["s2xx"] = int(m.group(1)) if m else None
    m = re.search(r"\((\d+)\) data", text)
    h["data"] = int(m.group(1)) if m else None
    for key, pat in [("proto", r"TLS Protocol: (\S+)"), ("cipher", r"Cipher: (\S+)"),
                     ("kx", r"Server Temp Key: (\S+)"), ("alpn", r"Application protocol: (\S+)")]:
        m = re.search(pat, text)
        h[key] = m.group(1) if m else "?"
    return h


def latency(path):
    """Per-request durations from h2load --log-file (start µs, status, duration µs), in ms."""
    try:
        vals = sorted(int(line.split()[2]) / 1e3 for line in open(path)
                      if len(line.split()) >= 3 and line.split()[1].isdigit())
    except (OSError, ValueError):
        return {}
    if not vals:
        return {}
    pick = lambda q: vals[min(len(vals) - 1, int(q * len(vals)))]
    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "p999": pick(0.999)}


def derive(r, tsc_hz):
    g = {k: num(v) for k, v in r.items()}
    h = h2load(r.get("h2load", ""))
    d = {"h": h}
    d.update(latency(r.get("h2load", "") + ".lat"))
    n, dur = h.get("succeeded") or 0, h.get("duration")
    wall = (g.get("wall_ns") or 0) / 1e9
    tsc_s = dev_s = None
    if r["term"] == "tlsterm":
        tsc = g.get("tsc_hz") or 0
        cpu_s = g["busy_cycles"] / tsc if tsc and g.get("busy_cycles") is not None else None
        if tsc and g.get("win_idle_cycles") is not None and g.get("cpu_ns"):
            # On-CPU time of the worker over the client run minus its idle polling in the
            # same window: busy time on CPU 1, without time spent preempted (busy_cycles,
            # TSC time, counts that too). The TSC figure stays beside it.
            # Two upper bounds on the worker's own busy time; the smaller is the cost.
            # busy_cycles also counts preemption inside busy iterations (a loaded CPU);
            # on-CPU minus idle also counts interrupts that stalled idle iterations (likely
            # the peers' kernel timers: a veth runs the peer's receive on the sender's CPU,
            # so its timers are armed on CPU 1), which a kernel terminator asleep in epoll
            # is not charged for either.
            tsc_s = g["win_busy_cycles"] / tsc
            cpu_s = min(max(g["cpu_ns"] / 1e9 - g["win_idle_cycles"] / tsc, 0.0), tsc_s)
            if g.get("win_device_cycles") is not None:
                dev_s = g["win_device_cycles"] / tsc
    else:
        cpu_s = (g.get("cpu_ns") or 0) / 1e9
    if not n or not dur:
        return d
    w = r["workload"]
    units = n if w != "bulk-1m" else (h.get("data") or 0) / MIB
    d["rate"] = units / dur
    if tsc_s is not None and units and tsc_hz:
        d["cycles_tsc"] = tsc_s * tsc_hz / units
    if dev_s is not None and cpu_s is not None and units and tsc_hz:
        d["cycles_nodev"] = max(cpu_s - dev_s, 0.0) * tsc_hz / units
    if cpu_s is not None and units:
        d["us"] = cpu_s * 1e6 / units
        if tsc_hz:
            d["cycles"] = cpu_s * tsc_hz / units
            if w == "bulk-1m":
                d["cpb"] = d["cycles"] / MIB
        if wall:
            d["busy_pct"] = 100 * cpu_s / wall
    c, wt = g.get("cpu_ns") or 0, g.get("wait_ns") or 0
    if c + wt > 0:
        d["oncpu_pct"] = 100 * c / (c + wt)
    if g.get("cpu1_total"):
        d["cpu1_pct"] = 100 * g["cpu1_busy"] / g["cpu1_total"]
    if g.get("cpu0_total"):
        d["cpu0_pct"] = 100 * g["cpu0_busy"] / g["cpu0_total"]
    return d


def anomalies(r, d):
    a = []
    if r["workload"].startswith("idle-"):
        if r.get("skipped"):
            return a
        if r.get("fails"):
            a.append("client: " + r["fails"].replace("_", " "))
        if r.get("held") != r.get("conns"):
            a.append(f"held {r.get('held')} of {r.get('conns')}")
        # tlsterm's own view of what the client holds: one session, two TCP connections each
        for k, per in (("tt_sess_open", 1), ("tt_tcp_open", 2)):
            if r.get(k) not in (None, "-") and num(r[k]) != per * (num(r.get("held")) or 0):
                a.append(f"{k} {r[k]} (want {per} × held)")
        if r.get("others"):
            a.append(f"other tlsterm pids {r['others']}")
        return a
    h = d["h"]
    g = {k: num(v) for k, v in r.items()}
    if g.get("rc") is not None and int(g["rc"]) not in NORMAL_EXIT.get(r["term"], {0}):
        a.append(f"exit status {int(g['rc'])}")
    if g.get("client_rc"):
        a.append(f"h2load status {int(g['client_rc'])}")
    for k in ("failed", "errored", "timeout"):
        if h.get(k):
            a.append(f"{h[k]} requests {k}")
    if h.get("s2xx") is not None and h.get("succeeded") is not None and h["s2xx"] != h["total"]:
        a.append(f"{h['total'] - h['s2xx']} non-2xx")
    if r["workload"].startswith("hs-") and h.get("succeeded") and g.get("client_opens") is not None \
            and g["client_opens"] < h["succeeded"]:
        a.append(f"only {int(g['client_opens'])} connections for {h['succeeded']} requests")
    if g.get("client_rto"):
        a.append(f"client RTO timeouts {int(g['client_rto'])}")
    if r["term"] == "tlsterm":
        for k in ("tcp_connections_open", "tls_connections_open", "proxy_sessions", "leaked",
                  "fsm_illegal", "handshakes_failed", "handshakes_resumed", "connect_failures",
                  "aborts", "rto_expiries"):
            if k == "handshakes_resumed" and r["workload"] == "hs-resume":
                continue
            if g.get(k):
                a.append(f"{k}={int(g[k])}")
            elif g.get(k) is None:
                a.append(f"{k} missing")
    if g.get("warnings"):
        a.append(f"{int(g['warnings'])} warning lines")
    if r.get("others"):
        a.append(f"other tlsterm pids {r['others']}")
    return a


def stat(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / med if med else 0
    return med, min(vals), max(vals), spread


def fmt(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        digits = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else 2)
    return f"{x:,.{digits}f}"


def cell(s, scale=1.0):
    if s is None:
        return "–"
    med, lo, hi, spread = s
    t = f"{fmt(med / scale)} ({fmt(lo / scale)}–{fmt(hi / scale)})"
    return t + (" ⚠" if spread > NOISE else "")


def med(rows, t, k):
    return stat([r["_d"].get(k) for r in rows if r["term"] == t])


def summary(runs, terms, chart_data, resumers):
    """The headline: each workload's throughput and cost per unit, and both as ratios to nginx."""
    L = ["## Summary: throughput and cost on the terminator's core, ratios to nginx\n",
         "Throughput ÷ nginx above 1 is faster than nginx; cost ÷ nginx below 1 is cheaper "
         "(fewer cycles on CPU 1 per unit). Medians (min–max) over the runs.\n",
         "| workload | unit | " + " | ".join(f"{NAMES[t]} rate | ÷ nginx | cycles/unit | ÷ nginx"
                                            for t in terms) + " |",
         "|---|---|" + "---:|---:|---:|---:|" * len(terms)]
    chart = []
    for w, (title, unit, per) in WORKLOADS.items():
        rows = [r for r in runs if r["workload"] == w]
        if not rows:
            continue
        cells, crow = [], [w]
        base_r, base_c = med(rows, "nginx", "rate"), med(rows, "nginx", "cycles")
        for t in terms:
            sr, sc = med(rows, t, "rate"), med(rows, t, "cycles")
            rr = sr[0] / base_r[0] if sr and base_r and base_r[0] else None
            rc = sc[0] / base_c[0] if sc and base_c and base_c[0] else None
            cyc = cell(sc, 1e3) + " k" if sc else "–"
            if w == "bulk-1m" and sc:
                cyc += f" ({sc[0] / MIB:.1f}/byte)"
            mark = " †" if t in resumers and w in ("hs-ecdsa", "hs-rsa") else ""
            cells.append(f"{cell(sr)}{mark} | {fmt(rr, 2)} | {cyc} | {fmt(rc, 2)}")
            crow += [f"{rr:.3f}" if rr else "NaN", f"{rc:.3f}" if rc else "NaN"]
        L.append(f"| {w} | {unit} | " + " | ".join(cells) + " |")
        chart.append(" ".join(crow))
    L.append("")
    if resumers:
        L.append("† " + ", ".join(NAMES[t] for t in resumers) + ": resumed a session in the full-"
                 "handshake configuration (handshake check below): h2load offers each client's last "
                 "session when it reconnects, so these hs-ecdsa / hs-rsa figures are mostly resumed "
                 "handshakes, not comparable with the others'. hs-tls12 (openssl s_time -new) never "
                 "offers a session, so it is a full handshake for every terminator.\n")
    if chart_data:
        with open(chart_data, "w") as f:
            f.write("# workload " + " ".join(f"{t}_rate {t}_cost" for t in terms) + "\n")
            f.write("\n".join(chart) + "\n")
    return L


def latency_table(runs, terms):
    L = ["## Latency per request under load (h2load --log-file), ms\n",
         "Each workload's own concurrency (the clients above, every one busy), so these are "
         "latencies at saturation, connection set-up included for the handshake workloads. "
         "p50 / p99 / p99.9: the median over the runs of each run's percentile.\n",
         "| workload | " + " | ".join(f"{NAMES[t]} p50 / p99 / p99.9" for t in terms) + " |",
         "|---|" + "---:|" * len(terms)]
    for w in WORKLOADS:
        rows = [r for r in runs if r["workload"] == w]
        if not rows:
            continue
        cells = []
        for t in terms:
            ps = [med(rows, t, k) for k in ("p50", "p99", "p999")]
            cells.append(" / ".join(fmt(p[0], 2) if p else "–" for p in ps))
        L.append(f"| {w} | " + " | ".join(cells) + " |")
    L.append("")
    return L


def idle_structs(r):
    """tlsterm's bytes per held connection in its preallocated structures (tls_sizes' sizes),
    as pool objects and as the pools lay them out on the heap; None without the sizes."""
    g = {k[3:]: num(v) for k, v in r.items() if k.startswith("sz_")}
    need = ("pool_obj_tcp_conn", "pool_obj_tls_conn", "pool_obj_proxy_sess", "pool_obj_mbuf",
            "heap_flow_table", "heap_tcp_pool", "heap_tls_pool", "heap_proxy_sess_pool",
            "heap_service_pool", "max_connections")
    held = num(r.get("held"))
    if any(g.get(k) is None for k in need) or not held:
        return None
    mc = g["max_connections"]
    flow = g["heap_flow_table"] / (2 * mc)  # the table has 2 x max_connections entries
    mbufs = (num(r.get("mbufs1")) or 0) - (num(r.get("mbufs0")) or 0)
    mb = mbufs / held * g["pool_obj_mbuf"]
    # expanded keys lent from the worker's cache at that moment (none in reports before it)
    sched_each = (g["heap_key_schedules"] / g["key_schedules"]
                  if g.get("heap_key_schedules") and g.get("key_schedules") else 0)
    scheds = num(r.get("key_scheds")) or 0
    ks = scheds / held * sched_each
    objs = (2 * g["pool_obj_tcp_conn"] + g["pool_obj_tls_conn"] + g["pool_obj_proxy_sess"]
            + 2 * flow + ks)
    laid = (2 * g["heap_tcp_pool"] / (mc + 1024) + g["heap_tls_pool"] / mc
            + g["heap_proxy_sess_pool"] / mc + 2 * flow)  # the TCP pool has 1024 reap slack
    reserved = sum(g.get(k) or 0 for k in ("heap_flow_table", "heap_tcp_pool", "heap_tls_pool",
                                           "heap_proxy_sess_pool", "heap_service_pool",
                                           "heap_key_schedules"))
    return {"g": g, "flow": flow, "mbufs": mbufs / held, "mb": mb, "objs": objs + mb,
            "laid": laid + ks + mb, "reserved": reserved, "mc": mc, "scheds": scheds,
            "sched_each": sched_each, "ks": ks}


def idle_table(idle, terms):
    if not idle:
        return []
    L = ["## Memory per idle TLS connection\n",
         "`idle_conns.py` (python asyncio, client namespace, CPU 0; as many processes as the "
         "open-files limit needs) opens N TLS connections "
         "(TLS 1.3, ECDSA, no request sent) and holds them; the terminator's resident memory "
         "(VmRSS, summed over its processes) is read before the first and 2 s after the last. "
         "tlsterm runs with `--no-huge`, so its DPDK memory (mbuf pools, connection tables: "
         "allocated at start) is in the RSS before; the delta is what grows per connection "
         "(OpenSSL's objects and buffers, on the heap). tlsterm and hitch also hold one backend "
         "connection per client connection (they connect at once); nginx and HAProxy connect "
         "only when a request comes. For tlsterm the delta is not its memory per connection: "
         "its per-connection structures are preallocated and their pages touched at start "
         "(not in the delta: an undercount), while pages first touched during the ramp by "
         "traffic rather than by connections (mbuf data rooms cycling through the pool, the "
         "af_packet rings, heap arenas) are (an overcount). The column *structures* adds up "
         "what each held connection occupies in them instead: two `tcp_conn` (client and "
         "backend), a `tls_conn`, a `proxy_sess`, two flow-table entries, the expanded "
         "keys lent to them at that moment (`tlsterm_tls_key_schedules_in_use`: a key takes "
         "one at its first record and gives it back after 1-2 s without one), and the mbufs "
         "tlsterm had taken from its pool while they were held (`tlsterm_mempool_in_use`), "
         "sizes from `build/benchmarks/tls_sizes`.\n",
         "| connections | terminator | held | RSS before, MiB | RSS held, MiB | KiB per connection "
         "(RSS) | KiB per connection (structures) | ÷ nginx | note |",
         "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    per = {}
    for r in idle:
        if r.get("held") and num(r.get("held")) and not r.get("skipped"):
            per[(r["workload"], r["term"])] = (num(r["rss1_kib"]) - num(r["rss0_kib"])) / num(r["held"])
    for r in idle:
        n = r["workload"][5:]
        if r.get("skipped"):
            L.append(f"| {n} | {NAMES[r['term']]} | – | – | – | – | – | – | not run: "
                     f"{r['skipped'].replace('_', ' ')} (the container's hard open-files limit, "
                     f"per process; this terminator would need it in one) |")
            continue
        p = per.get((r["workload"], r["term"]))
        b = per.get((r["workload"], "nginx"))
        st = idle_structs(r) if r["term"] == "tlsterm" else None
        note = "; ".join(r["_a"]) or "–"
        if r["term"] == "tlsterm" and r.get("tt_tls_open") not in (None, "-"):
            note = (f"tlsterm_tls_connections_open {r['tt_tls_open']}, tcp "
                    f"{r.get('tt_tcp_open', '?')}, proxy sessions {r.get('tt_sess_open', '?')}; "
                    + note)
        if num(r.get("client_procs")) and num(r["client_procs"]) > 1:
            note += f"; client in {r['client_procs']} processes"
        L.append(f"| {n} | {NAMES[r['term']]} | {r.get('held')} | {fmt(num(r['rss0_kib']) / 1024, 1)} "
                 f"| {fmt(num(r['rss1_kib']) / 1024, 1)} | {fmt(p, 1)} "
                 f"| {fmt(st['objs'] / 1024, 2) if st else '–'} "
                 f"| {fmt(p / b, 2) if p is not None and b else '–'} | {note} |")
    L.append("")
    for r in idle:
        st = idle_structs(r) if r["term"] == "tlsterm" and not r.get("skipped") else None
        if not st:
            continue
        g = st["g"]
        L.append(f"tlsterm, {r['workload'][5:]} held ({r.get('held')}): **{st['objs']:.0f} bytes "
                 f"per connection** in structures = 2 × tcp_conn {g['pool_obj_tcp_conn']:.0f} "
                 f"(sizeof {g['sizeof_tcp_conn']:.0f}) + tls_conn {g['pool_obj_tls_conn']:.0f} "
                 f"(sizeof {g['sizeof_tls_conn']:.0f}, of which tls_record "
                 f"{g['sizeof_tls_record']:.0f}) + proxy_sess {g['pool_obj_proxy_sess']:.0f} "
                 f"(sizeof {g['sizeof_proxy_sess']:.0f}) + 2 × flow-table entry {st['flow']:.0f} "
                 f"+ key schedules lent {st['scheds']:.0f} × {st['sched_each']:.0f} / held "
                 f"= {st['ks']:.0f} "
                 f"+ mbufs held {st['mbufs']:.3f} × {g['pool_obj_mbuf']:.0f} = {st['mb']:.0f} "
                 f"(mbufs in use {r.get('mbufs0')} before, {r.get('mbufs1')} held). As the "
                 f"pools lay them out on DPDK's heap (tls_conn {g['heap_tls_pool'] / st['mc']:.0f} "
                 f"bytes per object, tcp_conn {g['heap_tcp_pool'] / (st['mc'] + 1024):.0f}): "
                 f"{st['laid']:.0f} bytes. RSS: {r.get('rss0_parts')} → {r.get('rss1_parts')} "
                 f"KiB (anon/file/shmem). Reserved at start for `tcp.max_connections` "
                 f"{st['mc']:.0f} whether used or not (flow table, TCP, TLS, session and "
                 f"service pools, and {g.get('key_schedules', 0):.0f} key schedules): "
                 f"{st['reserved'] / MIB:.0f} MiB, "
                 f"{st['reserved'] / num(r['held']) / 1024:.1f} KiB per connection held here.\n")
    return L


def main():
    ap = argparse.ArgumentParser()
    for a in ("records", "checks", "machine", "load_before", "load_after", "params", "seconds",
              "out"):
        ap.add_argument("--" + a.replace("_", "-"), required=True)
    ap.add_argument("--chart-data", help="write the ratios to nginx here, for gnuplot")
    o = ap.parse_args()
    runs = load(o.records)
    tscs = [num(r.get("tsc_hz")) for r in runs if num(r.get("tsc_hz"))]
    tsc_hz = tscs[0] if tscs else None
    for r in runs:
        r["_d"] = derive(r, tsc_hz)
        r["_a"] = anomalies(r, r["_d"])
    terms = [t for t in NAMES if any(r["term"] == t for r in runs)]
    idle = [r for r in runs if r["workload"].startswith("idle-")]
    runs = [r for r in runs if not r["workload"].startswith("idle-")]
    nruns = max((int(r["run"]) for r in runs), default=0)
    L = []
    L.append(f"# Reverse-proxy benchmark (proxy_bench.sh), {nruns} run(s) per cell\n")
    L.append(f"Machine: {o.machine}  ")
    L.append(f"Load average (1/5/15 min) before: {o.load_before}; after: {o.load_after}. "
             f"Total time {o.seconds} s.  ")
    L.append(f"Parameters: {o.params}\n")
    L.append("Client: h2load --h1 in the client namespace, pinned to CPU 0; backend: nginx serving "
             "static files in the backend namespace, pinned to CPU 0; each terminator pinned to "
             "CPU 1 (tlsterm: the worker on CPU 1, its control thread on CPU 0). Medians with "
             "(min–max) over the runs; ⚠ marks a cell whose (max − min) / median exceeds "
             f"{int(NOISE * 100)}%.\n")
    L.append("Cost = CPU time on the terminator's core per unit: tlsterm the smaller of two upper "
             "bounds on its worker's busy time over the client run: its on-CPU time "
             "(`/proc/PID/task/TID/schedstat`) minus its idle polling in the same window "
             "(`idle_cycles` from the admin API), which also counts interrupts that stalled idle "
             "iterations (likely the peers' kernel timers on CPU 1), and `busy_cycles`, TSC "
             "time of the iterations that did work, which also counts time spent preempted in "
             "them (shown per workload as \"TSC busy\"); nginx, HAProxy and "
             "hitch the processes' on-CPU time (`/proc/PID/task/*/schedstat`, every thread). "
             + (f"Cycles at the TSC rate, {tsc_hz / 1e9:.2f} GHz. " if tsc_hz else "")
             + "Read benchmarks/README.md \"proxy_bench.sh\" for what each includes and leaves out.\n")
    noisy = []
    resumers = [t for t in terms if re.search(rf"^\| hs-ecdsa \| {t} \|.*\| Reused", open(o.checks).read(), re.M)]
    L.extend(summary(runs, terms, o.chart_data, resumers))
    L.extend(latency_table(runs, terms))
    L.extend(idle_table(idle, terms))
    for w, (title, unit, per) in WORKLOADS.items():
        rows = [r for r in runs if r["workload"] == w]
        if not rows:
            continue
        L.append(f"## {w}: {title}\n")
        L.append(f"| terminator | {unit} | ÷ nginx | CPU µs / {per} | cycles / {per} | ÷ nginx "
                 f"| core busy % | on-CPU % | CPU 1 busy % | CPU 0 busy % |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        stats = {}
        for t in terms:
            rr = [r["_d"] for r in rows if r["term"] == t]
            stats[t] = {k: stat([d.get(k) for d in rr]) for k in
                        ("rate", "us", "cycles", "busy_pct", "oncpu_pct", "cpu1_pct", "cpu0_pct",
                         "cycles_tsc", "cycles_nodev")}
        base = stats.get("nginx", {})
        for t in terms:
            s = stats[t]
            for k in ("rate", "us", "cycles"):
                if s[k] and s[k][3] > NOISE and len(rows) > 1:
                    noisy.append(f"{w} {NAMES[t]} {k}")

            def ratio(k):
                if not s.get(k) or not base.get(k) or not base[k][0]:
                    return "–"
                return f"{s[k][0] / base[k][0]:.2f}"
            cyc = cell(s["cycles"], 1e3) + " k" if s["cycles"] else "–"
            L.append(f"| {NAMES[t]} | {cell(s['rate'])} | {ratio('rate')} | {cell(s['us'])} "
                     f"| {cyc} | {ratio('us')} | {cell(s['busy_pct'])} | {cell(s['oncpu_pct'])} "
                     f"| {cell(s['cpu1_pct'])} | {cell(s['cpu0_pct'])} |")
        if stats.get("tlsterm", {}).get("cycles_tsc"):
            L.append(f"\ntlsterm's TSC busy (`busy_cycles`, preemption included) per {per}: "
                     f"{cell(stats['tlsterm']['cycles_tsc'], 1e3)} k cycles.")
        nodev = stats.get("tlsterm", {}).get("cycles_nodev")
        if nodev:
            extra = f" ({nodev[0] / MIB:.2f} per byte)" if w == "bulk-1m" else ""
            L.append(f"\ntlsterm without the device (its cost less the TSC time inside "
                     f"net_af_packet's burst calls, `tlsterm_port_*_device_cycles_total`: what a "
                     f"native PMD would not cost) per {per}: {cell(nodev, 1e3)} k cycles{extra}.")
        neg = sorted({f"{NAMES[r['term']]}: {r['_d']['h'].get('proto')} {r['_d']['h'].get('cipher')} "
                      f"{r['_d']['h'].get('kx')} ALPN {r['_d']['h'].get('alpn')}" for r in rows})
        L.append("\nNegotiated (h2load): " + "; ".join(neg) + "\n")
    L.append("## Handshake check (openssl s_client, the hs-ecdsa configuration of each terminator)\n")
    L.append("| configuration | terminator | first connection | key exchange | ALPN | answer | second connection, "
             "offering the first's session |")
    L.append("|---|---|---|---|---|---|---|")
    L.extend(open(o.checks).read().splitlines())
    L.append("")
    L.append("## Every run\n")
    L.append("| workload | terminator | run | h2load: succeeded / total, time | client connections "
             "| client retransmits | cost | anomalies |")
    L.append("|---|---|---:|---|---:|---:|---:|---|")
    bad = 0
    for r in runs:
        h, d = r["_d"]["h"], r["_d"]
        cost = f"{fmt(d['us'])} µs" if d.get("us") is not None else "–"
        bad += bool(r["_a"])
        L.append(f"| {r['workload']} | {NAMES[r['term']]} | {r['run']} | {h.get('succeeded', '?')} / "
                 f"{h.get('total', '?')}, {fmt(h.get('duration'), 2)} s | {r.get('client_opens')} "
                 f"| {r.get('client_retrans')} | {cost} | {'; '.join(r['_a']) or '–'} |")
    L.append("")
    if noisy:
        L.append(f"**Noise warning:** {len(noisy)} cells spread more than {int(NOISE * 100)}% "
                 f"between runs ({', '.join(noisy)}). This is a small shared machine (other "
                 f"people's builds and tests ran on both CPUs, load average {o.load_before} → "
                 f"{o.load_after}); compare medians only where the ranges do not overlap.\n")
    elif nruns < 2:
        L.append("**Noise warning:** a single run per cell: no spread to judge noise by. This is a "
                 "small shared machine; treat the numbers as one sample.\n")
    bad += sum(bool(r["_a"]) for r in idle)
    if bad:
        L.append(f"**{bad} run(s) with anomalies** (table above); the scratch folder is kept.\n")
    text = "\n".join(L)
    open(o.out, "w").write(text + "\n")
    print(text)
    return 3 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
