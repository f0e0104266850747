#!/usr/bin/python3
"""Write the seed inputs of fuzz_ipv6 into corpus/fuzz_ipv6/ (format: fuzz_net.h, fuzz_ipv6.c).

Frames come from tests/integration/malformed_frames.py (every IPv6, ICMPv6 and NDP case) plus
the valid exchanges: echo requests to both our addresses, solicitations (unicast, to our
solicited-node group, DAD), advertisements answering our own solicitation, and sequences that
queue packets on a neighbor, let time pass and announce.
"""
import hashlib
import os
import random
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration"))
import malformed_frames as mf  # noqa: E402

OUR_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 2])
OUR = mf.ip6("2001:2:0:18::1")
PEER = mf.ip6("2001:2:0:18::2")
OUR_LL = mf.ip6("fe80::ff:fe00:1")
ALL_NODES = mf.ip6("ff02::1")
SN_OURS = mf.ip6("ff02::1:ff00:1")
SN_MAC = b"\x33\x33\xff\x00\x00\x01"


def frame_op(fr, op=0):
    return bytes([op]) + struct.pack("!H", len(fr)) + fr


def nd(src, dst, typ, flags, target, opt_type, eth_dst):
    body = struct.pack("!B3x", flags) + target
    if opt_type:
        body += struct.pack("!BB", opt_type, 1) + PEER_MAC
    pl = mf.icmp6(src, dst, typ, 0, body)
    return mf.eth(eth_dst, PEER_MAC, mf.ETH_P_IPV6) + mf.ipv6(src, dst, 58, pl, hlim=255)


def ra(src, lifetime, slla=True, extra=b"", hlim=255):
    """A router advertisement to all nodes (RFC 4861 4.2) with its source link-layer address."""
    body = struct.pack("!BBHII", 64, 0, lifetime, 0, 0)
    if slla:
        body += struct.pack("!BB", 1, 1) + PEER_MAC
    body += extra
    pl = mf.icmp6(src, ALL_NODES, 134, 0, body)
    return (mf.eth(b"\x33\x33\x00\x00\x00\x01", PEER_MAC, mf.ETH_P_IPV6) +
            mf.ipv6(src, ALL_NODES, 58, pl, hlim=hlim))


def echo(dst, n=16):
    pl = mf.icmp6_echo(PEER, dst, struct.pack("!HH", 1, 1) + bytes(range(n)))
    return mf.eth(OUR_MAC, PEER_MAC, mf.ETH_P_IPV6) + mf.ipv6(PEER, dst, 58, pl)


def main():
    out = os.path.join(here, "corpus", "fuzz_ipv6")
    os.makedirs(out, exist_ok=True)
    seeds = []
    cfg = 0x18  # prefix 64, no IPv4, pending_max 64, cache 4
    seeds.append(bytes([cfg]) + frame_op(echo(OUR)) + frame_op(echo(OUR_LL), 2)[:3] +
                 struct.pack("!H", 30) + echo(OUR_LL))
    seeds.append(bytes([cfg]) + frame_op(nd(PEER, SN_OURS, 135, 0, OUR, 1, SN_MAC)) + b"\x07")
    seeds.append(bytes([cfg]) + frame_op(nd(bytes(16), SN_OURS, 135, 0, OUR, 0, SN_MAC)))
    seeds.append(bytes([cfg]) + frame_op(nd(PEER, OUR, 135, 0, OUR_LL, 0, OUR_MAC)))
    # our solicitation for ::2, answered; then another packet goes straight out
    na = nd(PEER, OUR, 136, 0x60, PEER, 2, OUR_MAC)
    seeds.append(bytes([cfg]) + b"\x03\x02\x10" + frame_op(na) + b"\x06\x03\x02\x20\x07")
    # unanswered: retries, then given up; a full queue; link-local and off-link next hops
    seeds.append(bytes([0x00]) + b"\x03\x05\x00\x03\x05\x00\x03\x05\x00\x04\x15\x04\x15\x04\x50")
    seeds.append(bytes([cfg | 0x04]) + b"\x03\x85\x08\x03\xc5\x08\x05\x07")
    seeds.append(bytes([0x80]) + frame_op(echo(OUR)))
    # an unsolicited advertisement to all nodes, and a router advertisement
    seeds.append(bytes([cfg]) + frame_op(nd(PEER, ALL_NODES, 136, 0x20, PEER, 2,
                                            b"\x33\x33\x00\x00\x00\x01")))
    # router advertisements: learned, used for an off-link packet, withdrawn (lifetime 0),
    # expired (2 s, then 2.5 s of time), with an MTU option; and invalid ones
    router = mf.ip6("fe80::2")
    mtu = struct.pack("!BBHI", 5, 1, 0, 1400)
    seeds.append(bytes([cfg]) + frame_op(ra(router, 1800)) + b"\x03\xc5\x08" +
                 frame_op(ra(router, 0)) + b"\x03\xc5\x08\x07")
    seeds.append(bytes([cfg]) + frame_op(ra(router, 2, extra=mtu)) + b"\x03\xc5\x08\x07" +
                 b"\x04\x32\x03\xc5\x08\x07")
    seeds.append(bytes([cfg]) + frame_op(ra(router, 600, slla=False)) + b"\x03\xc5\x08" +
                 frame_op(nd(router, OUR_LL, 136, 0xe0, router, 2, OUR_MAC)) + b"\x07")
    seeds.append(bytes([cfg]) + frame_op(ra(PEER, 1800)) + frame_op(ra(router, 1800, hlim=64)) +
                 frame_op(ra(router, 1800, extra=b"\x03\x04")) + b"\x03\xc5\x08")
    seeds.append(bytes([cfg]) + b"".join(frame_op(ra(mf.ip6("fe80::%x" % (16 + i)), 100))
                                         for i in range(6)) + b"\x03\xc5\x08\x04\xff")
    # prefix 128: a configured gateway, and advertisements ignored
    seeds.append(bytes([0x1b]) + frame_op(ra(router, 1800)) + b"\x03\xc5\x08" +
                 frame_op(nd(mf.ip6("fe80::fe"), OUR_LL, 136, 0xe0, mf.ip6("fe80::fe"), 2,
                             OUR_MAC)) + b"\x07")
    c = mf.Ctx()
    c.dst_mac, c.src_mac = OUR_MAC, PEER_MAC
    c.src_ip, c.dst_ip = mf.ip4("198.18.0.2"), mf.ip4("198.18.0.1")
    c.src_ip6, c.dst_ip6 = PEER, OUR
    rng = random.Random(1)
    for name, fn in mf.CASES.items():
        if not name.startswith(("ipv6_", "icmpv6_", "ndp_")):
            continue
        for seq in range(2):
            fr, _ = fn(rng, c, seq)
            seeds.append(bytes([cfg if seq == 0 else 0x80]) + frame_op(fr[:0x7ff]) +
                         frame_op(echo(OUR)))
    for s in seeds:
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
