#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one IPv6 router advertisement through this namespace's kernel (Python 3 stdlib only).

  ra_send.py --iface IF --lifetime S [--hop-limit N] [--source ADDR] [--no-slla]

A raw ICMPv6 socket: the kernel fills the IPv6 header (source: the interface's link-local
address unless --source binds another) and the checksum (RFC 3542 3.1). The message goes to
all nodes (ff02::1) on IF with hop limit 255 (RFC 4861 6.1.2 wants it; --hop-limit sends an
invalid one), router lifetime S seconds (0: "no longer a default router"), and a source
link-layer address option with IF's MAC unless --no-slla. Prints what it sent.
"""
import argparse
import socket
import struct

ND_ROUTER_ADVERT = 134


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--lifetime", type=int, required=True)
    ap.add_argument("--hop-limit", type=int, default=255)
    ap.add_argument("--source")
    ap.add_argument("--no-slla", action="store_true")
    a = ap.parse_args()
    ifindex = socket.if_nametoindex(a.iface)
    with open(f"/sys/class/net/{a.iface}/address", encoding="ascii") as f:
        mac = bytes(int(x, 16) for x in f.read().strip().split(":"))
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, a.hop_limit)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    if a.source:
        s.bind((a.source, 0, 0, ifindex if a.source.lower().startswith("fe80") else 0))
    # type, code, checksum (the kernel's), cur hop limit, flags, lifetime, reachable, retrans
    msg = struct.pack("!BBHBBHII", ND_ROUTER_ADVERT, 0, 0, 64, 0, a.lifetime, 0, 0)
    if not a.no_slla:
        msg += struct.pack("!BB", 1, 1) + mac
    s.sendto(msg, ("ff02::1", 0, 0, ifindex))
    s.close()
    print(f"router advertisement on {a.iface}: lifetime {a.lifetime} s, hop limit "
          f"{a.hop_limit}, source {a.source or 'link-local'}, slla {'no' if a.no_slla else 'yes'}")


if __name__ == "__main__":
    main()
