#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Read tlsterm's /metrics with the Prometheus client's own parser.

  metrics_check.py check FILE           the text parses; every family is typed, named
                                        tlsterm_*, and its samples carry its name
  metrics_check.py get FILE NAME [k=v]  the value of the sample NAME with those labels
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def families(path):
    with open(path, encoding="utf-8") as f:
        return list(text_string_to_metric_families(f.read()))


def check(path):
    fams = families(path)
    names = [f.name for f in fams]
    assert len(names) == len(set(names)), "a family appears twice"
    for f in fams:
        assert f.name.startswith("tlsterm_"), f.name
        assert f.type in ("counter", "gauge"), (f.name, f.type)
        assert f.documentation, f"{f.name} has no HELP"
        for s in f.samples:
            want = f.name + "_total" if f.type == "counter" else f.name
            assert s.name == want, (f.name, s.name)
            assert s.value >= 0, s
    print(f"{len(fams)} families")


def get(path, name, labels):
    want = dict(kv.split("=", 1) for kv in labels)
    found = [s.value for f in families(path) for s in f.samples
             if s.name == name and s.labels == want]
    assert len(found) == 1, f"{name}{want}: {len(found)} samples"
    print(int(found[0]))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        get(sys.argv[2], sys.argv[3], sys.argv[4:])
