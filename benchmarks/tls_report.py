#!/usr/bin/python3
"""The markdown report of benchmarks/tls_bench.sh, from its per-run records (one line of
key=value per run: tlsterm's shutdown counters and what the script measured around the client).
Every number printed is computed from those records; nothing is assumed."""
import argparse
import statistics
import sys

NOISE = 0.20  # (max - min) / median above this marks a row noisy

HANDSHAKE = {
    "hs13-ecdsa": "full handshake, TLS 1.3, ECDSA P-256 + X25519 (s_time -new)",
    "hs13-rsa": "full handshake, TLS 1.3, RSA-2048 + X25519 (s_time -new)",
    "hs12-ecdsa": "full handshake, TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 (s_time -new)",
    "res12": "resumed, TLS 1.2 ticket (s_time -reuse)",
    "res13": "resumed, TLS 1.3 PSK ticket (tls_blast resume)",
}
BULK = {
    "discard-aes128": "TLS 1.3 AES-128-GCM into discard (open)",
    "echo-aes128": "TLS 1.3 AES-128-GCM through echo (open + seal)",
    "discard-aes256": "TLS 1.3 AES-256-GCM into discard (open)",
    "echo-aes256": "TLS 1.3 AES-256-GCM through echo (open + seal)",
    "discard-chacha": "TLS 1.3 ChaCha20-Poly1305 into discard (open)",
    "echo-chacha": "TLS 1.3 ChaCha20-Poly1305 through echo (open + seal)",
}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            r = {}
            for tok in line.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    r[k] = v
            if r:
                runs.append(r)
    return runs


def derive(r):
    """Per-run figures; None where a counter is missing or zero."""
    w = r["workload"]
    g = {k: num(v) for k, v in r.items()}
    d = {}
    wall = (g.get("wall_ns") or 0) / 1e9
    tsc = g.get("tsc_hz") or 0
    busy = g.get("busy_cycles")
    if wall > 0 and tsc > 0 and busy is not None:
        d["worker_busy_pct"] = 100 * busy / (tsc * wall)
    if g.get("cpu0_total"):
        d["cpu0_busy_pct"] = 100 * g["cpu0_busy"] / g["cpu0_total"]
    if g.get("client_cpu_ms") is not None and wall > 0:
        d["client_cpu_pct"] = 100 * g["client_cpu_ms"] / 1000 / wall
    if (g.get("cpu_ns") or 0) + (g.get("wait_ns") or 0) > 0:
        d["worker_oncpu_pct"] = 100 * g["cpu_ns"] / (g["cpu_ns"] + g["wait_ns"])
    if w in HANDSHAKE:
        hs = (g.get("handshakes_tls13") or 0) + (g.get("handshakes_tls12") or 0)
        if hs > 0 and wall > 0:
            d["hs_per_s"] = hs / wall
            d["client_conn_per_s"] = (g.get("client_connections") or 0) / wall
            d["ossl_cycles_per_hs"] = g["handshake_cycles"] / hs
            d["busy_cycles_per_hs"] = busy / hs
            d["resumed_pct"] = 100 * (g.get("handshakes_resumed") or 0) / hs
            if tsc > 0:
                d["ossl_us_per_hs"] = 1e6 * g["handshake_cycles"] / hs / tsc
            if "worker_oncpu_pct" in d:
                share = d["worker_oncpu_pct"] / 100
                d["ossl_cycles_per_hs_adj"] = d["ossl_cycles_per_hs"] * share
                d["busy_cycles_per_hs_adj"] = d["busy_cycles_per_hs"] * share
    elif w in BULK:
        secs = g.get("seconds") or 0
        if w.startswith("discard"):
            moved = g.get("bytes_sent") or 0
            crypt = g.get("bytes_opened") or 0
        else:
            moved = g.get("bytes_received") or 0
            crypt = (g.get("bytes_opened") or 0) + (g.get("bytes_sealed") or 0)
        if secs > 0:
            d["gb_per_s"] = moved / secs / 1e9
        if crypt > 0 and busy is not None:
            d["cycles_per_byte"] = busy / crypt
            if "worker_oncpu_pct" in d:
                d["cycles_per_byte_adj"] = d["cycles_per_byte"] * d["worker_oncpu_pct"] / 100
    elif w == "idle10k":
        n = g.get("established") or 0
        if n > 0:
            d["established"] = n
            d["rss_growth_per_conn"] = (g["rss_held_kb"] - g["rss_start_kb"]) * 1024 / n
            d["anon_growth_per_conn"] = (g["anon_held_kb"] - g["anon_start_kb"]) * 1024 / n
            inuse = (g.get("in_use_at_stop") or 0) - (g.get("in_use_at_start") or 0)
            d["mbufs_per_conn"] = inuse / n
            d["mbufs_held"] = g.get("held")
            if g.get("malloc_start") is not None and g.get("malloc_held") is not None:
                d["malloc_per_conn"] = (g["malloc_held"] - g["malloc_start"]) / n
            d["open_at_stop"] = g.get("tcp_connections_open") or 0
            d["tls_open_at_stop"] = g.get("tls_connections_open") or 0
    return d


def fmt(v, digits):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def row(label, values, digits, unit=""):
    vals = [v for v in values if v is not None]
    if not vals:
        return f"| {label} | – | – | – | – | no data |", False
    med, lo, hi = statistics.median(vals), min(vals), max(vals)
    spread = (hi - lo) / med if med else 0.0
    noisy = spread > NOISE and len(vals) > 1
    return (f"| {label} | {fmt(med, digits)}{unit} | {fmt(lo, digits)} | {fmt(hi, digits)} | "
            f"{spread * 100:.0f}% {'⚠ noisy' if noisy else ''} |"), noisy


def main():
    ap = argparse.ArgumentParser()
    for a in ("records", "checks", "sizes", "machine", "load_before", "load_after", "stime13",
              "params", "out"):
        ap.add_argument("--" + a.replace("_", "-"), required=True)
    a = ap.parse_args()
    runs = load(a.records)
    sizes = {k: num(v) for k, v in (l.strip().split("=", 1) for l in open(a.sizes) if "=" in l)}
    by = {}
    for r in runs:
        r["_d"] = derive(r)
        by.setdefault(r["workload"], []).append(r)

    L = []
    L.append("# tlsterm TLS benchmark")
    L.append("")
    L.append(f"Machine: {a.machine}. Load average (1/5/15 min) before: {a.load_before}; "
             f"after: {a.load_after}.")
    L.append("")
    L.append("Set-up: tlsterm lcores \"0-1\" (control thread CPU 0, one worker CPU 1), --no-huge, "
             "net_af_packet on veth; clients in the client namespace pinned to CPU 0 with the "
             "client kernel's TCP. tlsterm restarted for every run. " + a.params)
    L.append("")
    any_noisy = False

    def d_of(w, key):
        return [r["_d"].get(key) for r in by.get(w, [])]

    hdr = "| | median | min | max | spread |\n|---|---:|---:|---:|---|"
    hs_ws = [w for w in HANDSHAKE if w in by]
    if hs_ws:
        L.append("## Handshakes")
        L.append("")
        L.append("Rate = handshakes tlsterm completed (its counters) / wall time of the client run. "
                 "OpenSSL cycles = `handshake_cycles` (TSC inside OpenSSL) / handshakes; worker "
                 "cycles = `busy_cycles` / handshakes (all the worker did: TCP, I/O, OpenSSL). "
                 "Worker busy = busy_cycles / (tsc_hz × wall); CPU 0 busy = /proc/stat of the "
                 "client's CPU over the run.")
        L.append("")
        for w in hs_ws:
            L.append(f"### {w}: {HANDSHAKE[w]}")
            L.append("")
            L.append(hdr)
            for label, key, dg in (("handshakes / s", "hs_per_s", 0),
                                   ("client-counted connections / s", "client_conn_per_s", 0),
                                   ("OpenSSL cycles / handshake", "ossl_cycles_per_hs", 0),
                                   ("OpenSSL µs / handshake", "ossl_us_per_hs", 1),
                                   ("worker cycles / handshake", "busy_cycles_per_hs", 0),
                                   ("OpenSSL cycles / handshake × on-CPU share (estimate)", "ossl_cycles_per_hs_adj", 0),
                                   ("worker cycles / handshake × on-CPU share (estimate)", "busy_cycles_per_hs_adj", 0),
                                   ("resumed %", "resumed_pct", 1),
                                   ("worker busy %", "worker_busy_pct", 1),
                                   ("CPU 0 (client) busy %", "cpu0_busy_pct", 1),
                                   ("client processes' CPU time, % of one CPU", "client_cpu_pct", 1),
                                   ("worker on CPU % (vs runnable, waiting)", "worker_oncpu_pct", 1)):
                line, noisy = row(label, d_of(w, key), dg)
                any_noisy |= noisy and key in ("hs_per_s", "ossl_cycles_per_hs", "busy_cycles_per_hs")
                L.append(line)
            def med(key):
                vals = [v for v in d_of(w, key) if v is not None]
                return statistics.median(vals) if vals else 0.0
            wb, cb, cc, oc = (med("worker_busy_pct"), med("cpu0_busy_pct"), med("client_cpu_pct"),
                              med("worker_oncpu_pct"))
            if wb >= 90:
                verdict = f"the worker (busy {wb:.0f}% of the wall time)"
            elif cb >= 90:
                verdict = (f"CPU 0, the client side: busy {cb:.0f}% (the client processes' own "
                           f"share {cc:.0f}%, the rest the client kernel's TCP, tlsterm's control "
                           f"thread and anything else on the machine) while the worker was busy only "
                           f"{wb:.0f}% of the wall time")
            else:
                verdict = (f"neither CPU saturated (worker {wb:.0f}%, CPU 0 {cb:.0f}%): "
                           "latency-bound; more client processes would help")
            if oc < 90:
                verdict += (f". The worker was on its CPU only {oc:.0f}% of the time it wanted it: "
                            "other tasks shared CPU 1, so its cycle counts include preemption "
                            "(see the × on-CPU share rows)")
            L.append("")
            L.append(f"Bottleneck: {verdict}.")
            L.append("")
        L.append(f"`openssl s_time -reuse -tls1_3` check: {a.stime13} TLS 1.3 handshakes "
                 "resumed (resumed/all, tlsterm's counters) — s_time does not read the TLS 1.3 "
                 "ticket, so res13 uses tls_blast instead.")
        L.append("")

    bulk_ws = [w for w in BULK if w in by]
    if bulk_ws:
        L.append("## Bulk")
        L.append("")
        L.append("One connection from tls_blast (OpenSSL, 256 KiB SSL_write calls; echo reads back "
                 "concurrently with poll). GB/s = client bytes / client seconds (discard: until "
                 "tlsterm closed after the client's close_notify, so every byte was taken; echo: "
                 "bytes back, each way). Cycles/byte = busy_cycles / bytes_opened (discard) or / "
                 "(bytes_opened + bytes_sealed) (echo): the worker's whole cost per protected "
                 "byte, TCP and I/O included.")
        L.append("")
        L.append("| workload | | median | min | max | spread |\n|---|---|---:|---:|---:|---|")
        for w in bulk_ws:
            for label, key, dg in (("GB/s", "gb_per_s", 3), ("worker cycles / byte", "cycles_per_byte", 2),
                                   ("worker cycles / byte × on-CPU share (estimate)", "cycles_per_byte_adj", 2),
                                   ("worker on CPU %", "worker_oncpu_pct", 0),
                                   ("worker busy %", "worker_busy_pct", 1),
                                   ("CPU 0 (client) busy %", "cpu0_busy_pct", 1),
                                   ("client process CPU time, % of one CPU", "client_cpu_pct", 0)):
                line, noisy = row(label, d_of(w, key), dg)
                any_noisy |= noisy and key in ("gb_per_s", "cycles_per_byte")
                L.append(f"| {w}: {BULK[w]} " + line)
        L.append("")

    if "idle10k" in by:
        L.append("## Memory per idle TLS connection")
        L.append("")
        L.append("TLS 1.3 connections (ECDSA, X25519, AES-128-GCM) opened by tls_blast hold and "
                 "left idle; VmRSS of tlsterm before and with them open (2 s after the last "
                 "handshake); tlsterm stopped while they are open, so its shutdown counters show "
                 "what they hold.")
        L.append("")
        L.append(hdr)
        for label, key, dg in (("connections established", "established", 0),
                               ("tcp_connections_open at stop", "open_at_stop", 0),
                               ("tls_connections_open at stop", "tls_open_at_stop", 0),
                               ("RSS growth / connection (bytes)", "rss_growth_per_conn", 0),
                               ("RssAnon growth / connection (bytes)", "anon_growth_per_conn", 0),
                               ("malloc'd bytes (mallinfo2, all arenas) / connection", "malloc_per_conn", 1),
                               ("mbufs in use / connection (in_use_at_stop − at_start)", "mbufs_per_conn", 3),
                               ("mbufs held by connections at stop (all)", "mbufs_held", 0)):
            line, noisy = row(label, d_of("idle10k", key), dg)
            L.append(line)
        L.append("")
        s = sizes
        mc = s.get("max_connections") or 1
        L.append("Fixed per-connection structures (benchmarks/tls_sizes, compiled against the "
                 "private headers; pools and table created as tlsterm creates them, measured "
                 "with DPDK's heap statistics, --no-huge):")
        L.append("")
        L.append("| structure | bytes |\n|---|---:|")
        L.append(f"| sizeof(struct tcp_conn) | {s['sizeof_tcp_conn']:.0f} |")
        L.append(f"| sizeof(struct tls_conn) (union: tls_hs {s['sizeof_tls_hs']:.0f} / tls_record "
                 f"{s['sizeof_tls_record']:.0f}) | {s['sizeof_tls_conn']:.0f} |")
        L.append(f"| mempool object, tcp_conn (header + element + trailer, cache-aligned) | "
                 f"{s['pool_obj_tcp_conn']:.0f} |")
        L.append(f"| mempool object, tls_conn | {s['pool_obj_tls_conn']:.0f} |")
        L.append(f"| flow table (rte_hash, 2 × max_connections entries) per slot | "
                 f"{s['heap_flow_table'] / mc:.0f} |")
        L.append(f"| tcp_conn pool heap per slot (measured, max_connections + 1024 objects) | "
                 f"{s['heap_tcp_pool'] / mc:.0f} |")
        L.append(f"| tls_conn pool heap per slot (measured) | {s['heap_tls_pool'] / mc:.0f} |")
        if s.get("heap_tls_pool_iova_contig") is not None:
            L.append(f"| (for comparison: the same pool without RTE_MEMPOOL_F_NO_IOVA_CONTIG, "
                     f"objects kept inside pages, as before tlsterm gave it the flag) | "
                     f"{s['heap_tls_pool_iova_contig'] / mc:.0f} |")
        tot_obj = s["pool_obj_tcp_conn"] + s["pool_obj_tls_conn"] + s["heap_flow_table"] / mc
        tot_heap = (s["heap_tcp_pool"] + s["heap_tls_pool"] + s["heap_flow_table"]) / mc
        L.append(f"| **objects alone (tcp + tls pool objects + table share)** | **{tot_obj:.0f}** |")
        L.append(f"| **reserved per slot as allocated here (all three heaps / max_connections)** | "
                 f"**{tot_heap:.0f}** |")
        L.append("")
        med = {}
        for key in ("malloc_per_conn", "mbufs_per_conn", "rss_growth_per_conn"):
            vals = [v for v in d_of("idle10k", key) if v is not None]
            med[key] = statistics.median(vals) if vals else None
        parts = [f"pool objects and table share {tot_obj:.0f} B"]
        total = tot_obj
        if med["mbufs_per_conn"] is not None:
            mb = med["mbufs_per_conn"] * s["pool_obj_mbuf"]
            parts.append(f"mbufs {med['mbufs_per_conn']:.3f} × {s['pool_obj_mbuf']:.0f} B = {mb:.0f} B")
            total += mb
        if med["malloc_per_conn"] is not None:
            parts.append(f"malloc'd (OpenSSL and all) {med['malloc_per_conn']:.0f} B")
            total += max(med["malloc_per_conn"], 0)
        L.append(f"**Per idle TLS connection: {total:,.0f} bytes** = " + " + ".join(parts) +
                 f" (medians; target ≤ 4096). Reserved per connection slot with this --no-huge "
                 f"layout, whether used or not: {tot_heap:,.0f} bytes (the tls_conn pool's "
                 f"{s['heap_tls_pool'] / mc:.0f} B per object against a {s['pool_obj_tls_conn']:.0f}-B "
                 "object).")
        if med["rss_growth_per_conn"] is not None:
            L.append("")
            L.append(f"RSS grew {med['rss_growth_per_conn']:,.0f} B per connection. The pools are "
                     "preallocated and their object headers written at start, so this is mostly "
                     "memory touched for the first time: mbuf data rooms the handshakes used "
                     "(the mbuf pool cycles through its ring, each mbuf first touched adds "
                     f"{s['pool_obj_mbuf']:.0f} B), flow-table entries, and malloc — an upper "
                     "bound, not what a connection holds.")
        L.append("")

    L.append("## What each listener negotiated (openssl s_client, before the runs)")
    L.append("")
    L.append("| used by | session | peer signature | key exchange | verify |\n|---|---|---|---|---|")
    L.extend(l.rstrip("\n") for l in open(a.checks))
    L.append("")

    L.append("## Every run")
    L.append("")
    L.append("| workload | run | wall s | handshakes (1.3/1.2/resumed/failed) | bytes opened / sealed "
             "| busy Gcyc | worker on CPU % | RSS start→end MiB | anomalies |")
    L.append("|---|---:|---:|---|---|---:|---:|---|---|")
    for r in runs:
        g = {k: num(v) for k, v in r.items()}
        d = r["_d"]
        an = []
        for k in ("tlsterm_rc", "client_rc", "leaked", "fsm_illegal", "handshakes_failed",
                  "handshake_timeouts", "rto_expiries", "warnings"):
            if g.get(k):
                an.append(f"{k}={r[k]}")
        if r["workload"] != "idle10k":
            for k in ("tcp_connections_open", "tls_connections_open"):
                if g.get(k):
                    an.append(f"{k}={r[k]}")
        if d.get("worker_oncpu_pct") is not None and d["worker_oncpu_pct"] < 90:
            an.append(f"worker on CPU only {d['worker_oncpu_pct']:.0f}%")
        if r.get("others"):
            an.append(f"other tlsterm: {r['others']}")
        rss_end = g.get("rss_end_kb") or g.get("rss_held_kb")
        L.append(
            f"| {r['workload']} | {r['run']} | {fmt((g.get('wall_ns') or 0) / 1e9, 1) if g.get('wall_ns') else '–'} "
            f"| {r.get('handshakes_tls13')}/{r.get('handshakes_tls12')}/{r.get('handshakes_resumed')}/"
            f"{r.get('handshakes_failed')} | {r.get('bytes_opened')} / {r.get('bytes_sealed')} "
            f"| {fmt((g.get('busy_cycles') or 0) / 1e9, 2)} | {fmt(d.get('worker_oncpu_pct'), 0)} "
            f"| {fmt((g.get('rss_start_kb') or 0) / 1024, 1)}→{fmt((rss_end or 0) / 1024, 1)} "
            f"| {'; '.join(an) or '–'} |")
    L.append("")
    if any_noisy:
        L.append(f"⚠ **Noise warning**: at least one headline row has (max − min) / median above "
                 f"{NOISE * 100:.0f}%. Other tlsterm processes (the per-run table names them) and "
                 "other users' load share these two CPUs; rerun on a quiet machine before "
                 "comparing.")
        L.append("")
    text = "\n".join(L)
    with open(a.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
