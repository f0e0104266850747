#!/usr/bin/env python3
"""Server-side view of a handshake_bench perf profile (perf script --no-inline on stdin).

Keeps only samples whose call chain passes through tlsterm's handshake driver (tls_hs_*), so the
OpenSSL client in the same process is left out, and prints: the share of each driver entry
point, the top self-time symbols, and the top named frames by inclusive time. libssl/libcrypto
have no debug symbols here: their internal functions show as "dso+0xoffset" and an inclusive
name is the nearest exported function on the stack.
"""
import collections
import re
import sys

top = int(sys.argv[1]) if len(sys.argv) > 1 else 25
frame_re = re.compile(r"^\s*[0-9a-f]+ (.+?) \((.+)\)$")
samples = []
chain = []
for line in sys.stdin:
    if not line.strip():
        if chain:
            samples.append(chain)
        chain = []
        continue
    m = frame_re.match(line)
    if m and line[0] in " \t":  # frames are indented; the sample header is not
        sym, dso = m.group(1), m.group(2).rsplit("/", 1)[-1]
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if sym == "[unknown]":
            sym = "%s+0x%s" % (dso, line.split()[0])
        chain.append((sym, dso))
if chain:
    samples.append(chain)

server = [c for c in samples if any(s.startswith("tls_hs_") for s, _ in c)]
total = len(server)
if total == 0:
    sys.exit("no samples under tls_hs_*")
print("server-side samples: %d of %d (%.0f%%)" % (total, len(samples), 100.0 * total / len(samples)))
entry = collections.Counter(next(s for s, _ in reversed(c) if s.startswith("tls_hs_"))
                            for c in server)
print("\nby driver entry point:")
for s, n in entry.most_common():
    print("  %5.1f%%  %s" % (100.0 * n / total, s))
selfc = collections.Counter("%s %s" % (c[0][1], c[0][0]) for c in server)
print("\ntop self time:")
for s, n in selfc.most_common(top):
    print("  %5.1f%%  %s" % (100.0 * n / total, s))
incl = collections.Counter()
for c in server:
    incl.update({s for s, _ in c if "+0x" not in s and not s.startswith("tls_hs_")
                 and s not in ("handshake", "main", "__libc_start_call_main")})
print("\ntop inclusive (named frames):")
for s, n in incl.most_common(top):
    print("  %5.1f%%  %s" % (100.0 * n / total, s))
