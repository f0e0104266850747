#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Which secrets a core file holds. usage: core_secrets.py CORE NAME=HEX...
Prints one line per secret: "NAME found" or "NAME absent"."""
import mmap
import sys


def main():
    core = sys.argv[1]
    with open(core, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        for arg in sys.argv[2:]:
            name, hexval = arg.split("=", 1)
            print(name, "found" if m.find(bytes.fromhex(hexval)) >= 0 else "absent")


if __name__ == "__main__":
    main()
