#!/usr/bin/python3
"""Send malformed L2/L3 frames at tlsterm's edge port.

Run inside the client namespace of the test bed (scripts/testbed.sh), with Debian's python:

    ip netns exec tt-client /usr/bin/python3 tests/integration/malformed_frames.py \
        --iface ttc0 --dst-ip 198.18.0.1 --dst-mac "$(tt_tlsterm_mac tt-edge)" --count 2000 --seed 1

Frame i uses case i % (number of cases), so any --count >= the number of cases covers every
case. Each case starts from a frame tlsterm would act on (mostly an ICMP echo request to
--dst-ip from --src-ip) and breaks it in one way; the random parts (variants, identifiers,
payloads) come from a random.Random(--seed), so a run can be replayed exactly. Every IPv4
header checksum is correct except in ipv4_bad_checksum (and where the header is cut short).

Frames are built by hand with struct (no field is "fixed up" behind our back) and sent with
a raw AF_PACKET socket, which the kernel passes on unchanged. Limits of the kernel path,
not of this script: AF_PACKET refuses frames shorter than the 14-byte Ethernet header
(EINVAL) and longer than MTU + 14 (EMSGSIZE), so the "runt" case (0..13 bytes) is counted as
refused over a veth; it is delivered only with --pcap.

--pcap FILE writes the frames to a pcap file instead of sending them (no root, no interface).
--list prints the case names.
"""

import argparse
import errno
import ipaddress
import random
import socket
import struct
import sys
import time

ETH_P_IPV4 = 0x0800
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
ETH_P_8021Q = 0x8100
MAX_FRAME = 1514  # MTU 1500 + Ethernet header; AF_PACKET refuses more on a veth


# ---------------------------------------------------------------- helpers

def csum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s: str) -> bytes:
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC %r" % s)
    return b


def ip4(s: str) -> bytes:
    return ipaddress.IPv4Address(s).packed


def ip6(s: str) -> bytes:
    return ipaddress.IPv6Address(s).packed


def eth(dst: bytes, src: bytes, etype: int) -> bytes:
    return dst + src + struct.pack("!H", etype)


def ipv4(src, dst, proto, payload, *, ttl=64, ident=0, flags_frag=0x4000, tos=0,
         options=b"", version=4, ihl=None, tot_len=None, chk=None, hdr_cut=None):
    """IPv4 header + payload. ihl/tot_len/chk override the computed values.
    hdr_cut truncates the header (options included) to that many bytes."""
    if ihl is None:
        ihl = 5 + (len(options) + 3) // 4
    opts = options + b"\0" * (-len(options) % 4)
    if tot_len is None:
        tot_len = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 0xF), tos, tot_len & 0xFFFF,
                      ident & 0xFFFF, flags_frag & 0xFFFF, ttl, proto, 0, src, dst) + opts
    if hdr_cut is not None:
        hdr = hdr[:hdr_cut]
    if chk is None:
        chk = csum(hdr)
    if len(hdr) >= 12:
        hdr = hdr[:10] + struct.pack("!H", chk) + hdr[12:]
    return hdr + payload


def icmp(typ, code, body: bytes, *, chk=None) -> bytes:
    msg = struct.pack("!BBH", typ, code, 0) + body
    if chk is None:
        chk = csum(msg)
    return msg[:2] + struct.pack("!H", chk) + msg[4:]


def echo_body(rng, seq, n=None) -> bytes:
    if n is None:
        n = rng.randrange(8, 57)
    return struct.pack("!HH", rng.getrandbits(16), seq & 0xFFFF) + rng.randbytes(n)


def arp(*, htype=1, ptype=ETH_P_IPV4, hlen=6, plen=4, op=1, sha, spa, tha, tpa) -> bytes:
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


def ipv6(src, dst, nh, payload, *, version=6, plen=None, hlim=64) -> bytes:
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", version << 28, plen & 0xFFFF, nh, hlim, src, dst) + payload


def icmp6_echo(src, dst, body) -> bytes:
    msg = struct.pack("!BBH", 128, 0, 0) + body
    pseudo = src + dst + struct.pack("!IxxxB", len(msg), 58)
    c = csum(pseudo + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def udp4(src, dst, sport, dport, data) -> bytes:
    length = 8 + len(data)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + data


def rand_unicast_mac(rng, avoid) -> bytes:
    while True:
        b = bytearray(rng.randbytes(6))
        b[0] = (b[0] & 0xFC) | 0x02  # locally administered unicast
        if bytes(b) not in avoid:
            return bytes(b)


def ip_in_bench(rng, avoid) -> bytes:
    """A random address in 198.18.0.0/15 that is not in avoid."""
    while True:
        a = bytes([198, 18 + rng.randrange(2), rng.randrange(256), rng.randrange(1, 255)])
        if a not in avoid:
            return a


# ---------------------------------------------------------------- cases
# Each case: f(rng, c, seq) -> (frame bytes, variant description).
# c holds src_mac, dst_mac, src_ip, dst_ip, src_ip6, dst_ip6 as bytes.

CASES = {}


def case(fn):
    CASES[fn.__name__[2:]] = fn
    return fn


def l2(c, etype=ETH_P_IPV4):
    return eth(c.dst_mac, c.src_mac, etype)


def echo_req(c, rng, seq, **ipkw):
    """A valid ICMP echo request frame to tlsterm, with IPv4 fields overridable."""
    src = ipkw.pop("src", c.src_ip)
    dst = ipkw.pop("dst", c.dst_ip)
    return l2(c) + ipv4(src, dst, 1, icmp(8, 0, echo_body(rng, seq)), ident=seq, **ipkw)


# --- Ethernet

@case
def c_runt(rng, c, seq):
    n = rng.randrange(0, 14)
    return (c.dst_mac + c.src_mac + b"\x08\x00")[:n], "len=%d" % n


@case
def c_eth_header_only(rng, c, seq):
    et = rng.choice([ETH_P_IPV4, ETH_P_ARP, ETH_P_IPV6])
    return l2(c, et), "ethertype=0x%04x" % et


@case
def c_eth_unknown_ethertype(rng, c, seq):
    # 802.3 length values, reserved and unassigned types; payload is a valid IPv4 echo.
    et = rng.choice([0x0000, 0x002E, 0x05DC, 0x0600, 0x1234, 0x88B5, 0x88B6, 0x88CC,
                     0x8847, 0x8035, 0x9000, 0xFFFF])
    return l2(c, et) + ipv4(c.src_ip, c.dst_ip, 1, icmp(8, 0, echo_body(rng, seq))), \
        "ethertype=0x%04x" % et


@case
def c_eth_vlan_tagged(rng, c, seq):
    vid = rng.choice([0, 1, 100, 4095])
    tag = struct.pack("!HH", vid, ETH_P_IPV4)
    return l2(c, ETH_P_8021Q) + tag + ipv4(c.src_ip, c.dst_ip, 1, icmp(8, 0, echo_body(rng, seq))), \
        "vid=%d" % vid


@case
def c_eth_foreign_unicast_dst(rng, c, seq):
    dst = rand_unicast_mac(rng, {c.dst_mac, c.src_mac})
    f = echo_req(c, rng, seq)
    return dst + f[6:], "dst_mac=" + dst.hex(":")


@case
def c_eth_bad_src_mac(rng, c, seq):
    src = rng.choice([b"\xff" * 6, b"\0" * 6, b"\x01\x00\x5e\x00\x00\x01", b"\x33\x33\0\0\0\x01",
                      c.dst_mac])
    f = echo_req(c, rng, seq)
    return f[:6] + src + f[12:], "src_mac=" + src.hex(":")


# --- ARP (well-formed: request for dst_ip from src_mac/src_ip)

def arp_req(c, **kw):
    a = dict(sha=c.src_mac, spa=c.src_ip, tha=b"\0" * 6, tpa=c.dst_ip)
    a.update(kw)
    return arp(**a)


def arp_frame(c, payload, bcast=True):
    return eth(b"\xff" * 6 if bcast else c.dst_mac, c.src_mac, ETH_P_ARP) + payload


@case
def c_arp_bad_htype(rng, c, seq):
    h = rng.choice([0, 6, 0x100, 0xFFFF])
    return arp_frame(c, arp_req(c, htype=h)), "htype=%d" % h


@case
def c_arp_bad_ptype(rng, c, seq):
    p = rng.choice([0, ETH_P_IPV6, ETH_P_ARP, 0x0801, 0xFFFF])
    return arp_frame(c, arp_req(c, ptype=p)), "ptype=0x%04x" % p


@case
def c_arp_bad_hlen(rng, c, seq):
    h = rng.choice([0, 4, 8, 255])
    # Addresses laid out as the wrong length claims, so the packet is self-consistent.
    sha = (c.src_mac * 43)[:h]
    p = struct.pack("!HHBBH", 1, ETH_P_IPV4, h, 4, 1) + sha + c.src_ip + b"\0" * h + c.dst_ip
    return arp_frame(c, p), "hlen=%d" % h


@case
def c_arp_bad_plen(rng, c, seq):
    p = rng.choice([0, 2, 6, 16, 255])
    spa = (c.src_ip * 64)[:p]
    tpa = (c.dst_ip * 64)[:p]
    pl = struct.pack("!HHBBH", 1, ETH_P_IPV4, 6, p, 1) + c.src_mac + spa + b"\0" * 6 + tpa
    return arp_frame(c, pl), "plen=%d" % p


@case
def c_arp_truncated(rng, c, seq):
    n = rng.randrange(0, 28)
    return arp_frame(c, arp_req(c)[:n]), "arp_len=%d" % n


@case
def c_arp_bad_opcode(rng, c, seq):
    op = rng.choice([0, 3, 4, 8, 9, 25, 0xFFFF])
    return arp_frame(c, arp_req(c, op=op)), "op=%d" % op


@case
def c_arp_request_other_ip(rng, c, seq):
    tpa = ip_in_bench(rng, {c.dst_ip, c.src_ip})
    return arp_frame(c, arp_req(c, tpa=tpa)), "tpa=%s" % socket.inet_ntoa(tpa)


@case
def c_arp_bad_sender(rng, c, seq):
    v = rng.choice([
        ("sha=broadcast", dict(sha=b"\xff" * 6)),
        ("sha=multicast", dict(sha=b"\x01\x00\x5e\x00\x00\x01")),
        ("sha=zero", dict(sha=b"\0" * 6)),
        ("spa=broadcast", dict(spa=b"\xff\xff\xff\xff")),
        ("spa=multicast", dict(spa=ip4("224.0.0.1"))),
        ("spa=loopback", dict(spa=ip4("127.0.0.1"))),
        ("spa=ours", dict(spa=c.dst_ip)),
    ])
    return arp_frame(c, arp_req(c, **v[1])), v[0]


# --- IPv4 (base: valid ICMP echo request to dst_ip)

@case
def c_ipv4_truncated_header(rng, c, seq):
    n = rng.randrange(1, 20)
    full = ipv4(c.src_ip, c.dst_ip, 1, icmp(8, 0, echo_body(rng, seq)))
    return l2(c) + full[:n], "ip_len=%d" % n


@case
def c_ipv4_bad_version(rng, c, seq):
    v = rng.choice([0, 6, 5, 15])
    return echo_req(c, rng, seq, version=v), "version=%d" % v


@case
def c_ipv4_ihl_lt_5(rng, c, seq):
    ihl = rng.randrange(0, 5)
    return echo_req(c, rng, seq, ihl=ihl), "ihl=%d" % ihl


@case
def c_ipv4_ihl_past_end(rng, c, seq):
    # IHL claims more header than the packet holds; tot_len matches the bytes present.
    ihl = rng.randrange(6, 16)
    n = rng.randrange(20, ihl * 4)
    hdr = ipv4(c.src_ip, c.dst_ip, 1, b"", ihl=ihl, tot_len=n, ident=seq)[:20]
    body = icmp(8, 0, echo_body(rng, seq))
    rest = (body + b"\0" * 64)[: n - 20]
    return l2(c) + hdr + rest, "ihl=%d ip_len=%d" % (ihl, n)


@case
def c_ipv4_totlen_gt_frame(rng, c, seq):
    body = icmp(8, 0, echo_body(rng, seq))
    real = 20 + len(body)
    tl = rng.choice([real + 1, real + rng.randrange(2, 1000), 1500, 65535])
    return echo_req_fixed(c, body, seq, tot_len=tl), "tot_len=%d real=%d" % (tl, real)


def echo_req_fixed(c, body, seq, **ipkw):
    return l2(c) + ipv4(c.src_ip, c.dst_ip, 1, body, ident=seq, **ipkw)


@case
def c_ipv4_totlen_lt_ihl(rng, c, seq):
    tl = rng.randrange(0, 20)
    return echo_req(c, rng, seq, tot_len=tl), "tot_len=%d" % tl


@case
def c_ipv4_bad_checksum(rng, c, seq):
    f = bytearray(echo_req(c, rng, seq))
    good = struct.unpack_from("!H", f, 24)[0]
    bad = good ^ rng.randrange(1, 0x10000)
    if bad in (good, (~good) & 0xFFFF):  # 0x0000/0xFFFF are equal in one's complement
        bad = good ^ 0x0001
    struct.pack_into("!H", f, 24, bad)
    return bytes(f), "chk=0x%04x good=0x%04x" % (bad, good)


@case
def c_ipv4_fragment_mf(rng, c, seq):
    return echo_req(c, rng, seq, flags_frag=0x2000), "MF offset=0"


@case
def c_ipv4_fragment_offset(rng, c, seq):
    off = rng.choice([1, 2, 185, 1000])
    mf = rng.choice([0, 0x2000])
    return echo_req(c, rng, seq, flags_frag=mf | off), "offset=%d%s" % (off * 8, " MF" if mf else "")


@case
def c_ipv4_options(rng, c, seq):
    v = rng.choice([
        ("nop-eol", b"\x01\x01\x01\x00"),
        ("router-alert", b"\x94\x04\x00\x00"),
        ("record-route", b"\x07\x0b\x04" + b"\0" * 8),
        ("timestamp", b"\x44\x0c\x05\x00" + b"\0" * 8),
        ("lsrr", b"\x83\x07\x04" + ip4("198.18.0.9")),
        ("ssrr", b"\x89\x07\x04" + ip4("198.18.0.9")),
        ("security", b"\x82\x0b" + b"\0" * 9),
        ("max-options", b"\x07\x27\x04" + b"\0" * 36),
    ])
    return echo_req(c, rng, seq, options=v[1]), v[0]


@case
def c_ipv4_ttl_zero(rng, c, seq):
    return echo_req(c, rng, seq, ttl=0), "ttl=0"


def src_case(addrs):
    def f(rng, c, seq):
        a = rng.choice(addrs)
        return echo_req(c, rng, seq, src=ip4(a)), "src=" + a
    return f


CASES["ipv4_src_zero"] = src_case(["0.0.0.0"])
CASES["ipv4_src_broadcast"] = src_case(["255.255.255.255", "198.18.255.255"])
CASES["ipv4_src_multicast"] = src_case(["224.0.0.1", "224.0.0.251", "239.255.255.250"])
CASES["ipv4_src_loopback"] = src_case(["127.0.0.1", "127.1.2.3", "127.255.255.254"])
CASES["ipv4_src_class_e"] = src_case(["240.0.0.1", "250.1.2.3"])


@case
def c_ipv4_src_self(rng, c, seq):
    return echo_req(c, rng, seq, src=c.dst_ip), "src=dst (land)"


@case
def c_ipv4_dst_not_ours(rng, c, seq):
    d = ip_in_bench(rng, {c.dst_ip, c.src_ip})
    return echo_req(c, rng, seq, dst=d), "dst=" + socket.inet_ntoa(d)


@case
def c_ipv4_dst_broadcast_multicast(rng, c, seq):
    d = rng.choice(["255.255.255.255", "198.18.255.255", "224.0.0.1", "239.1.2.3"])
    return echo_req(c, rng, seq, dst=ip4(d)), "dst=" + d


@case
def c_ipv4_proto_unsupported(rng, c, seq):
    p = rng.choice([0, 2, 17, 41, 47, 50, 58, 132, 253, 255])
    if p == 17:
        port = rng.choice([53, 443, 7, rng.randrange(1, 65536)])
        pl = udp4(c.src_ip, c.dst_ip, rng.randrange(1024, 65536), port, rng.randbytes(rng.randrange(0, 64)))
        desc = "proto=17 dport=%d" % port
    elif p == 47:
        pl = struct.pack("!HH", 0, ETH_P_IPV4) + rng.randbytes(28)
        desc = "proto=47"
    else:
        pl = rng.randbytes(rng.randrange(0, 64))
        desc = "proto=%d" % p
    return l2(c) + ipv4(c.src_ip, c.dst_ip, p, pl, ident=seq), desc


# --- ICMP

@case
def c_icmp_truncated(rng, c, seq):
    n = rng.randrange(0, 8)
    body = icmp(8, 0, echo_body(rng, seq))[:n]
    return echo_req_fixed(c, body, seq), "icmp_len=%d" % n


@case
def c_icmp_bad_checksum(rng, c, seq):
    body = icmp(8, 0, echo_body(rng, seq))
    good = struct.unpack_from("!H", body, 2)[0]
    bad = good ^ rng.randrange(1, 0x10000)
    if bad == (~good) & 0xFFFF:
        bad = good ^ 0x0001
    return echo_req_fixed(c, body[:2] + struct.pack("!H", bad) + body[4:], seq), \
        "chk=0x%04x good=0x%04x" % (bad, good)


@case
def c_icmp_unsupported_type(rng, c, seq):
    t, code = rng.choice([(13, 0), (15, 0), (17, 0), (10, 0), (9, 0), (0, 0), (3, 3), (4, 0),
                          (5, 1), (11, 0), (12, 0), (14, 0), (42, 0), (253, 0), (255, 0)])
    if t in (3, 4, 5, 11, 12):  # errors quote an IP header: make one up (no such flow)
        inner = ipv4(c.dst_ip, c.src_ip, 6, struct.pack("!HHI", 443, rng.randrange(1024, 65536),
                                                          rng.getrandbits(32)))
        body = b"\0" * 4 + inner
    elif t == 13:
        body = echo_body(rng, seq, 0) + b"\0" * 12
    else:
        body = echo_body(rng, seq)
    return echo_req_fixed(c, icmp(t, code, body), seq), "type=%d code=%d" % (t, code)


@case
def c_icmp_echo_oversized_bad_length(rng, c, seq):
    # A full-size echo request (1514-byte frame) whose IP total length claims more.
    n = MAX_FRAME - 14 - 20 - 8
    body = icmp(8, 0, struct.pack("!HH", rng.getrandbits(16), seq & 0xFFFF) + rng.randbytes(n))
    tl = rng.choice([1501, 1600, 9000, 65535])
    return echo_req_fixed(c, body, seq, tot_len=tl), "tot_len=%d frame=%d" % (tl, MAX_FRAME)


# --- IPv6

@case
def c_ipv6_truncated_header(rng, c, seq):
    n = rng.randrange(1, 40)
    full = ipv6(c.src_ip6, c.dst_ip6, 58, icmp6_echo(c.src_ip6, c.dst_ip6, echo_body(rng, seq)))
    return l2(c, ETH_P_IPV6) + full[:n], "ip6_len=%d" % n


@case
def c_ipv6_bad_version(rng, c, seq):
    v = rng.choice([0, 4, 15])
    pl = icmp6_echo(c.src_ip6, c.dst_ip6, echo_body(rng, seq))
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl, version=v), "version=%d" % v


@case
def c_ipv6_payload_len_gt_frame(rng, c, seq):
    pl = icmp6_echo(c.src_ip6, c.dst_ip6, echo_body(rng, seq))
    plen = rng.choice([len(pl) + 1, len(pl) + 100, 65535])
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl, plen=plen), \
        "plen=%d real=%d" % (plen, len(pl))


def icmp6(src, dst, typ, code, body, *, chk=None) -> bytes:
    msg = struct.pack("!BBH", typ, code, 0) + body
    if chk is None:
        chk = csum(src + dst + struct.pack("!IxxxB", len(msg), 58) + msg)
    return msg[:2] + struct.pack("!H", chk) + msg[4:]


def ext_hdr(nh, body_len=6) -> bytes:
    """A destination-options style header of 8 + 8k bytes holding one PadN."""
    total = 2 + body_len
    assert total % 8 == 0
    return struct.pack("!BBBB", nh, total // 8 - 1, 1, body_len - 2) + b"\0" * (body_len - 2)


def echo6(c, rng, seq, chain=b"", first_nh=58, **kw) -> bytes:
    pl = icmp6_echo(c.src_ip6, c.dst_ip6, echo_body(rng, seq))
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, first_nh if chain else 58, chain + pl,
                                     **kw)


@case
def c_ipv6_hop_limit_zero(rng, c, seq):
    return echo6(c, rng, seq, hlim=0), "hlim=0"


@case
def c_ipv6_fragment(rng, c, seq):
    off = rng.choice([0, 1, 100])
    frag = struct.pack("!BBHI", 58, 0, (off << 3) | 1, rng.getrandbits(32))
    return echo6(c, rng, seq, frag, 44), "frag_offset=%d" % off


@case
def c_ipv6_endless_ext_chain(rng, c, seq):
    # Destination-options headers, each pointing to another, far past any sane number;
    # the last one still points to one more, which never comes.
    n = rng.randrange(5, 120)
    chain = b"".join(ext_hdr(60) for _ in range(n))
    frame = l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 60, chain)
    return frame[:MAX_FRAME], "headers=%d" % n


@case
def c_ipv6_ext_too_long(rng, c, seq):
    # One options header of 2048 bytes claimed: more than the walk allows, and than the frame.
    hdr = struct.pack("!BBBB", 58, 255, 1, 0)
    return echo6(c, rng, seq, hdr + b"\0" * 4, 60), "hdr_ext_len=255"


@case
def c_ipv6_ext_bad_option(rng, c, seq):
    t = rng.choice([0x40, 0x80, 0xC0]) | rng.randrange(2, 32)
    opt = struct.pack("!BBBB", 58, 0, t, 4) + b"\0" * 4
    return echo6(c, rng, seq, opt, 60), "option=0x%02x" % t


@case
def c_ipv6_routing_segments_left(rng, c, seq):
    rh = struct.pack("!BBBB", 58, 0, rng.choice([0, 2, 4]), rng.randrange(1, 8)) + b"\0" * 4
    return echo6(c, rng, seq, rh, 43), "routing"


@case
def c_ipv6_dst_not_ours(rng, c, seq):
    dst = c.dst_ip6[:15] + bytes([c.dst_ip6[15] ^ rng.randrange(1, 256)])
    pl = icmp6_echo(c.src_ip6, dst, echo_body(rng, seq))
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, dst, 58, pl), "dst=%s" % ipaddress.IPv6Address(dst)


@case
def c_ipv6_src_multicast(rng, c, seq):
    src = ip6(rng.choice(["ff02::1", "ff05::2", "ff0e::1"]))
    pl = icmp6_echo(src, c.dst_ip6, echo_body(rng, seq))
    return l2(c, ETH_P_IPV6) + ipv6(src, c.dst_ip6, 58, pl), "src=%s" % ipaddress.IPv6Address(src)


@case
def c_icmpv6_bad_checksum(rng, c, seq):
    body = echo_body(rng, seq)
    good = icmp6(c.src_ip6, c.dst_ip6, 128, 0, body)
    chk = struct.unpack("!H", good[2:4])[0] ^ (1 << rng.randrange(16))
    pl = icmp6(c.src_ip6, c.dst_ip6, 128, 0, body, chk=chk)
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl), "chk=0x%04x" % chk


@case
def c_icmpv6_truncated(rng, c, seq):
    n = rng.randrange(1, 4)
    pl = rng.randbytes(n)
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl), "icmp_len=%d" % n


@case
def c_icmpv6_unhandled_type(rng, c, seq):
    t, code = rng.choice([(1, 4), (3, 0), (4, 1), (129, 0), (200, 0), (128, 3)])
    pl = icmp6(c.src_ip6, c.dst_ip6, t, code, echo_body(rng, seq))
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl), "type=%d code=%d" % (t, code)


@case
def c_icmpv6_too_big_not_ours(rng, c, seq):
    # A packet-too-big quoting a TCP segment we never sent (another host's, or no connection).
    mtu = rng.choice([576, 1280, 1400])
    src = rng.choice([c.src_ip6, c.dst_ip6])
    inner = ipv6(src, ip6("2001:2:0:18::77"), 6,
                 struct.pack("!HHI", rng.getrandbits(16), 443, rng.getrandbits(32)) + bytes(12),
                 plen=1400)
    pl = icmp6(c.src_ip6, c.dst_ip6, 2, 0, struct.pack("!I", mtu) + inner)
    return l2(c, ETH_P_IPV6) + ipv6(c.src_ip6, c.dst_ip6, 58, pl), "mtu=%d" % mtu


@case
def c_ndp_ns_bad_hop_limit(rng, c, seq):
    # A solicitation for our address that crossed a router (RFC 4861 7.1.1).
    sn = ip6("ff02::1:ff00:0")[:13] + c.dst_ip6[13:]
    body = struct.pack("!I", 0) + c.dst_ip6 + struct.pack("!BB", 1, 1) + c.src_mac
    pl = icmp6(c.src_ip6, sn, 135, 0, body)
    h = rng.choice([1, 64, 254])
    frame = eth(b"\x33\x33" + sn[12:], c.src_mac, ETH_P_IPV6) + ipv6(c.src_ip6, sn, 58, pl, hlim=h)
    return frame, "hlim=%d" % h


@case
def c_ndp_router_advert(rng, c, seq):
    allnodes = ip6("ff02::1")
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
    pl = icmp6(c.src_ip6, allnodes, 134, 0, body)
    frame = eth(b"\x33\x33\x00\x00\x00\x01", c.src_mac, ETH_P_IPV6) + \
        ipv6(c.src_ip6, allnodes, 58, pl, hlim=255)
    return frame, "ra"


# --- garbage

@case
def c_garbage(rng, c, seq):
    n = rng.randrange(0, MAX_FRAME - 14 + 1)
    mode = rng.randrange(3)
    et = [rng.getrandbits(16), ETH_P_IPV4, ETH_P_ARP][mode]
    return l2(c, et) + rng.randbytes(n), "ethertype=0x%04x len=%d" % (et, 14 + n)


# ---------------------------------------------------------------- output

class Ctx:
    pass


def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return mac(f.read().strip())


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = time.time()
        for i, (_, fr, _) in enumerate(frames):
            ts = t + i * 1e-6
            f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(fr), len(fr)) + fr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", help="interface to send on (in the client netns: ttc0)")
    ap.add_argument("--dst-ip", default="198.18.0.1", help="tlsterm's edge IPv4 address")
    ap.add_argument("--dst-mac", help="tlsterm's edge MAC (the root-namespace veth end's)")
    ap.add_argument("--src-ip", default="198.18.0.2")
    ap.add_argument("--src-mac", help="default: the MAC of --iface")
    ap.add_argument("--dst-ip6", default="2001:2:0:18::1")
    ap.add_argument("--src-ip6", default="2001:2:0:18::2")
    ap.add_argument("--count", type=int, default=None, help="frames to send (default: one per case)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", help="comma-separated subset of case names (default: all)")
    ap.add_argument("--pps", type=float, default=0, help="pace to this many frames/s (0: as fast as possible)")
    ap.add_argument("--pcap", help="write frames to this pcap file instead of sending")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print one line per frame")
    a = ap.parse_args()

    if a.list:
        print("\n".join(CASES))
        return 0

    names = list(CASES)
    if a.cases:
        names = [n.strip() for n in a.cases.split(",") if n.strip()]
        unknown = [n for n in names if n not in CASES]
        if unknown:
            ap.error("unknown case(s): %s (see --list)" % ", ".join(unknown))
    count = len(names) if a.count is None else a.count
    if count < 0:
        ap.error("--count must be >= 0")
    if not a.pcap and not a.iface:
        ap.error("--iface is required (or --pcap FILE)")
    if not a.dst_mac and not a.pcap:
        ap.error("--dst-mac is required")

    c = Ctx()
    c.dst_mac = mac(a.dst_mac or "02:00:00:00:00:01")
    if a.src_mac:
        c.src_mac = mac(a.src_mac)
    elif a.iface:
        c.src_mac = iface_mac(a.iface)
    else:
        c.src_mac = mac("02:00:00:00:00:02")
    c.src_ip, c.dst_ip = ip4(a.src_ip), ip4(a.dst_ip)
    c.src_ip6, c.dst_ip6 = ip6(a.src_ip6), ip6(a.dst_ip6)

    rng = random.Random(a.seed)
    frames = []
    for i in range(count):
        name = names[i % len(names)]
        fr, desc = CASES[name](rng, c, i)
        frames.append((name, fr, desc))

    sent = {n: 0 for n in names}
    refused = {}
    if a.pcap:
        write_pcap(a.pcap, frames)
        for name, _, _ in frames:
            sent[name] += 1
    else:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # proto 0: send only
        s.bind((a.iface, 0))
        gap = 1.0 / a.pps if a.pps > 0 else 0
        t0 = time.monotonic()
        for i, (name, fr, desc) in enumerate(frames):
            if gap:
                delay = t0 + i * gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                n = s.send(fr)
                if n != len(fr):
                    print("short send for %s: %d of %d bytes" % (name, n, len(fr)), file=sys.stderr)
                    return 1
                sent[name] += 1
            except OSError as e:
                # AF_PACKET refuses frames shorter than the Ethernet header.
                if name == "runt" and e.errno == errno.EINVAL:
                    refused[name] = refused.get(name, 0) + 1
                    continue
                print("send failed for %s (%s, %d bytes): %s" % (name, desc, len(fr), e),
                      file=sys.stderr)
                return 1
            if a.verbose:
                print("%6d %-32s %5d  %s" % (i, name, len(fr), desc))
        s.close()
    if a.pcap and a.verbose:
        for i, (name, fr, desc) in enumerate(frames):
            print("%6d %-32s %5d  %s" % (i, name, len(fr), desc))

    total = sum(sent.values())
    print("%s %d frames: %s" % ("wrote" if a.pcap else "sent", total,
                                " ".join("%s=%d" % (n, sent[n]) for n in names)))
    if refused:
        print("refused by the kernel (AF_PACKET needs >= 14 bytes): %s" %
              " ".join("%s=%d" % kv for kv in refused.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
