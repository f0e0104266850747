#!/usr/bin/env bash
# tlsterm test bed: network namespaces + veth pairs for the integration tests and the demo.
#
#   testbed.sh up       tear down whatever is left of this set, then create it
#   testbed.sh down     remove it (never fails when parts are absent)
#   testbed.sh status   print what exists; exit 0 only when the whole set is up
#
# Topology (P = ${TT_PREFIX:-tt}; addresses from 198.18.0.0/15, the benchmarking range):
#
#   netns P-client   Pc0 198.18.0.2/16  <-veth->  P-edge    (root ns, tlsterm's edge port)
#   netns P-backend  Pb0 198.19.0.2/16  <-veth->  P-inside  (root ns, tlsterm's inside port)
#
# tlsterm itself is 198.18.0.1/16 (edge) and 198.19.0.1/16 (inside); DPDK (net_af_packet,
# net_af_xdp or net_tap) owns the root-namespace ends, so this script assigns those addresses
# nowhere. The two traps from DESIGN.md "Test bed" are handled here:
#   1. checksum offload off on the namespace ends (else TCP/UDP checksums stay CHECKSUM_PARTIAL
#      and reach DPDK unfinished), and on the root ends too;
#   2. the root ends get no IP address, IPv6 disabled, and per-interface IPv4 forwarding off,
#      strict reverse-path filtering and arp_ignore=8, so the host kernel never answers or
#      forwards beside tlsterm.
set -euo pipefail

P=${TT_PREFIX:-tt}
# The longest interface name is "${P}-inside": P + 7 characters, at most 15 (IFNAMSIZ - 1).
if [[ ! $P =~ ^[a-z0-9]{1,8}$ ]]; then
    echo "testbed: TT_PREFIX must be 1-8 characters of [a-z0-9] (got '$P')" >&2
    exit 2
fi

NS_CLIENT="${P}-client"
NS_BACKEND="${P}-backend"
IF_EDGE="${P}-edge"       # root namespace, tlsterm edge port
IF_INSIDE="${P}-inside"   # root namespace, tlsterm inside port
IF_CLIENT="${P}c0"        # in NS_CLIENT
IF_BACKEND="${P}b0"       # in NS_BACKEND
ADDR_CLIENT=198.18.0.2/16
ADDR_BACKEND=198.19.0.2/16
ADDR_TT_EDGE=198.18.0.1/16     # informational only: owned by tlsterm/DPDK
ADDR_TT_INSIDE=198.19.0.1/16   # informational only

die() { echo "testbed: ERROR: $*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

ns_exists() { [[ -e /run/netns/$1 ]]; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }   # root namespace

# Offloads off: tx checksumming (the trap), segmentation offloads, rx checksumming, GRO.
# ethtool prints "Actual changes" lists; keep it quiet unless it fails.
offloads_off() {  # [netns] ifname
    local out
    if [[ $# -eq 2 ]]; then
        out=$(ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off 2>&1) \
            || die "ethtool -K $2 (netns $1) failed: $out"
    else
        out=$(ethtool -K "$1" tx off rx off tso off gso off gro off 2>&1) \
            || die "ethtool -K $1 failed: $out"
    fi
}

# Root-namespace end: no address, no IPv6, no forwarding/ARP/IP answers from the host kernel.
setup_root_end() {
    local ifn=$1
    sysctl -qw "net.ipv6.conf.${ifn}.disable_ipv6=1"     # before "up": no link-local address
    sysctl -qw "net.ipv4.conf.${ifn}.forwarding=0"
    sysctl -qw "net.ipv4.conf.${ifn}.rp_filter=1"
    sysctl -qw "net.ipv4.conf.${ifn}.arp_ignore=8"
    sysctl -qw "net.ipv4.conf.${ifn}.accept_local=0"
    ip addr flush dev "$ifn"
    offloads_off "$ifn"
    ip link set dev "$ifn" promisc on
    ip link set dev "$ifn" up
}

setup_ns_end() {
    local ns=$1 ifn=$2 addr=$3
    ip -n "$ns" link set dev lo up
    ip -n "$ns" addr add "$addr" dev "$ifn"
    offloads_off "$ns" "$ifn"
    ip -n "$ns" link set dev "$ifn" up
}

kill_ns_pids() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
    [[ -n ${pids// /} ]] || return 0
    echo "testbed: stopping processes left in $ns: $pids" >&2
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 20); do
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
        [[ -n ${pids// /} ]] || return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}

do_down() {
    need_root
    local ifn ns
    # Deleting one end of a veth deletes both, synchronously; deleting a namespace frees its
    # devices only later, so remove the root ends first to make an immediate "up" safe.
    for ifn in "$IF_EDGE" "$IF_INSIDE"; do
        if link_exists "$ifn"; then ip link del dev "$ifn" 2>/dev/null || true; fi
    done
    for ns in "$NS_CLIENT" "$NS_BACKEND"; do
        if ns_exists "$ns"; then
            kill_ns_pids "$ns"
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    for ifn in "$IF_EDGE" "$IF_INSIDE"; do
        ! link_exists "$ifn" || die "could not remove $ifn"
    done
    for ns in "$NS_CLIENT" "$NS_BACKEND"; do
        ! ns_exists "$ns" || die "could not remove netns $ns"
    done
}

do_up() {
    need_root
    do_down
    ip netns add "$NS_CLIENT"
    ip netns add "$NS_BACKEND"
    # Create each pair with its far end directly inside the namespace (no root-ns name clash).
    ip link add "$IF_EDGE" type veth peer name "$IF_CLIENT" netns "$NS_CLIENT"
    ip link add "$IF_INSIDE" type veth peer name "$IF_BACKEND" netns "$NS_BACKEND"

    setup_root_end "$IF_EDGE"
    setup_root_end "$IF_INSIDE"
    setup_ns_end "$NS_CLIENT" "$IF_CLIENT" "$ADDR_CLIENT"
    setup_ns_end "$NS_BACKEND" "$IF_BACKEND" "$ADDR_BACKEND"

    local mac_edge mac_inside
    mac_edge=$(cat "/sys/class/net/$IF_EDGE/address")
    mac_inside=$(cat "/sys/class/net/$IF_INSIDE/address")
    cat <<EOF
testbed up (prefix $P):
  netns $NS_CLIENT:  $IF_CLIENT $ADDR_CLIENT  <-> root $IF_EDGE   (tlsterm edge   $ADDR_TT_EDGE, mac $mac_edge)
  netns $NS_BACKEND: $IF_BACKEND $ADDR_BACKEND  <-> root $IF_INSIDE (tlsterm inside $ADDR_TT_INSIDE, mac $mac_inside)
  DPDK devices: net_af_packet0,iface=$IF_EDGE  net_af_packet1,iface=$IF_INSIDE
EOF
}

do_status() {
    local ok=0 ns ifn peer
    echo "testbed status (prefix $P):"
    for ns in "$NS_CLIENT" "$NS_BACKEND"; do
        if ns_exists "$ns"; then
            [[ $ns == "$NS_CLIENT" ]] && peer=$IF_CLIENT || peer=$IF_BACKEND
            if ip -n "$ns" link show dev "$peer" >/dev/null 2>&1; then
                local addr txcsum
                addr=$(ip -n "$ns" -4 -o addr show dev "$peer" | awk '{print $4}' | paste -sd, -)
                txcsum=$(ip netns exec "$ns" ethtool -k "$peer" 2>/dev/null \
                         | awk -F': ' '/^tx-checksumming/{print $2}')
                echo "  netns $ns: $peer ${addr:-no-ipv4} $(ip -n "$ns" -br link show dev "$peer" | awk '{print $2}') tx-checksumming=${txcsum:-?}"
            else
                echo "  netns $ns: present, $peer MISSING"; ok=1
            fi
        else
            echo "  netns $ns: absent"; ok=1
        fi
    done
    for ifn in "$IF_EDGE" "$IF_INSIDE"; do
        if link_exists "$ifn"; then
            local state addrs v6 promisc
            state=$(ip -br link show dev "$ifn" | awk '{print $2}')
            addrs=$(ip -o addr show dev "$ifn" | awk '{print $4}' | paste -sd, -)
            v6=$(sysctl -n "net.ipv6.conf.${ifn}.disable_ipv6" 2>/dev/null || echo '?')
            promisc=$(ip -d link show dev "$ifn" | grep -o 'promiscuity [0-9]*' | awk '{print $2}')
            echo "  root $ifn: $state mac=$(cat "/sys/class/net/$ifn/address") addrs=${addrs:-none} disable_ipv6=$v6 promiscuity=${promisc:-?}"
        else
            echo "  root $ifn: absent"; ok=1
        fi
    done
    return $ok
}

case "${1:-}" in
    up) do_up ;;
    down) do_down ;;
    status) do_status ;;
    *) echo "usage: [TT_PREFIX=tt] $0 up|down|status" >&2; exit 2 ;;
esac
