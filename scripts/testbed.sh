#!/usr/bin/env bash
# tlsterm test bed: network namespaces + veth pairs for the integration tests and the demo.
#
#   testbed.sh up [--wire]   tear down whatever is left of this set, then create it
#   testbed.sh down          remove it (never fails when parts are absent)
#   testbed.sh status        print what exists; exit 0 only when the whole set is up
#   testbed.sh impair LOSS_PERMILLE DUP_PERMILLE
#                            (needs --wire) random loss and duplication on the wire, both
#                            directions; "impair 0 0" removes it
#
# Topology (P = ${TT_PREFIX:-tt}; addresses from 198.18.0.0/15 and 2001:2::/48, the
# benchmarking ranges):
#
#   netns P-client   Pc0 198.18.0.2/16 2001:2:0:18::2/64  <-veth->  P-edge   (root ns, tlsterm's edge port)
#   netns P-backend  Pb0 198.19.0.2/16 2001:2:0:19::2/64  <-veth->  P-inside (root ns, tlsterm's inside port)
#
# The namespace ends skip duplicate address detection (tlsterm answers it only once it runs,
# and a kernel that saw no answer in time would keep its address "tentative" anyway, but
# waiting out DAD slows every test) and never ask for router advertisements; their kernels
# still send MLD reports, which tlsterm counts as not for it.
#
# With --wire, a middle namespace for impairment (DESIGN.md "Test bed", "Impairment") sits on
# the client side; the names tlsterm and the clients use do not change:
#
#   netns P-client  Pc0 198.18.0.2/16 <-veth-> Pw0 [netns P-wire] Pw1 <-veth-> P-edge (root ns)
#
# The wire namespace has no IP and no bridge: an nftables "netdev" table forwards every frame
# that enters one end out of the other ("fwd to", on the ingress hook of each end). "impair"
# puts random drops and duplicates ahead of that forward, at the wire's ingress, so neither
# the kernel peer nor tlsterm sees the loss on its own output (a kernel sender whose own
# qdisc drops a packet just sends it again, which is no loss at all).
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
NS_WIRE="${P}-wire"       # only with "up --wire"
IF_EDGE="${P}-edge"       # root namespace, tlsterm edge port
IF_INSIDE="${P}-inside"   # root namespace, tlsterm inside port
IF_CLIENT="${P}c0"        # in NS_CLIENT
IF_BACKEND="${P}b0"       # in NS_BACKEND
IF_WIRE_C="${P}w0"        # in NS_WIRE, peer of IF_CLIENT
IF_WIRE_E="${P}w1"        # in NS_WIRE, peer of IF_EDGE
WIRE_TABLE=wire           # nftables netdev table in NS_WIRE
ADDR_CLIENT=198.18.0.2/16
ADDR_BACKEND=198.19.0.2/16
ADDR6_CLIENT=2001:2:0:18::2/64
ADDR6_BACKEND=2001:2:0:19::2/64
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
    local ns=$1 ifn=$2 addr=$3 addr6=$4
    ip -n "$ns" link set dev lo up
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.${ifn}.accept_dad=0"
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.${ifn}.accept_ra=0"
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.${ifn}.router_solicitations=0"
    ip -n "$ns" addr add "$addr" dev "$ifn"
    ip -n "$ns" addr add "$addr6" dev "$ifn" nodad
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
    if ns_exists "$NS_WIRE"; then   # the client-side pair lives there with --wire
        ip -n "$NS_WIRE" link del dev "$IF_WIRE_C" 2>/dev/null || true
    fi
    for ns in "$NS_CLIENT" "$NS_BACKEND" "$NS_WIRE"; do
        if ns_exists "$ns"; then
            kill_ns_pids "$ns"
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    for ifn in "$IF_EDGE" "$IF_INSIDE"; do
        ! link_exists "$ifn" || die "could not remove $ifn"
    done
    for ns in "$NS_CLIENT" "$NS_BACKEND" "$NS_WIRE"; do
        ! ns_exists "$ns" || die "could not remove netns $ns"
    done
}

# The wire's nftables rules for one direction: frames entering $1 leave through $2, after
# the impairment (loss first, then duplication of what survived).
wire_chain_rules() {  # in_if out_if loss_permille dup_permille
    local chain="from_$1" out_if=$2 loss=$3 dup=$4
    echo "flush chain netdev $WIRE_TABLE $chain"
    if ((loss > 0)); then
        echo "add rule netdev $WIRE_TABLE $chain numgen random mod 1000 < $loss counter drop"
    fi
    if ((dup > 0)); then
        echo "add rule netdev $WIRE_TABLE $chain numgen random mod 1000 < $dup" \
             "counter dup to \"$out_if\""
    fi
    echo "add rule netdev $WIRE_TABLE $chain counter fwd to \"$out_if\""
}

# (Re)write both directions in one nft transaction: the wire never passes frames unforwarded.
wire_set_rules() {  # loss_permille dup_permille
    {
        wire_chain_rules "$IF_WIRE_C" "$IF_WIRE_E" "$1" "$2"
        wire_chain_rules "$IF_WIRE_E" "$IF_WIRE_C" "$1" "$2"
    } | ip netns exec "$NS_WIRE" nft -f - || die "nft: cannot set the wire's rules"
}

# The middle namespace: two veth ends, no addresses, no IPv6 (it would send its own router
# solicitations and DAD probes into the test), frames forwarded by nftables only.
setup_wire() {
    local ifn
    for ifn in "$IF_WIRE_C" "$IF_WIRE_E"; do
        ip netns exec "$NS_WIRE" sysctl -qw "net.ipv6.conf.${ifn}.disable_ipv6=1"
        ip netns exec "$NS_WIRE" sysctl -qw "net.ipv4.conf.${ifn}.forwarding=0"
        offloads_off "$NS_WIRE" "$ifn"
    done
    ip netns exec "$NS_WIRE" nft -f - <<EOF || die "nft: cannot create the wire's table"
table netdev $WIRE_TABLE {
    chain from_$IF_WIRE_C {
        type filter hook ingress device "$IF_WIRE_C" priority 0; policy accept;
    }
    chain from_$IF_WIRE_E {
        type filter hook ingress device "$IF_WIRE_E" priority 0; policy accept;
    }
}
EOF
    wire_set_rules 0 0
    ip -n "$NS_WIRE" link set dev lo up
    for ifn in "$IF_WIRE_C" "$IF_WIRE_E"; do
        ip -n "$NS_WIRE" link set dev "$ifn" up
    done
}

do_up() {
    local wire=0
    case "${1:-}" in
        "") ;;
        --wire) wire=1 ;;
        *) echo "usage: [TT_PREFIX=tt] $0 up [--wire]" >&2; exit 2 ;;
    esac
    need_root
    do_down
    ip netns add "$NS_CLIENT"
    ip netns add "$NS_BACKEND"
    # Create each pair with its far end directly inside the namespace (no root-ns name clash).
    if ((wire)); then
        ip netns add "$NS_WIRE"
        # New devices in NS_WIRE take its defaults: no IPv6 link-local address, ever.
        ip netns exec "$NS_WIRE" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$NS_WIRE" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip link add "$IF_EDGE" type veth peer name "$IF_WIRE_E" netns "$NS_WIRE"
        ip -n "$NS_WIRE" link add "$IF_WIRE_C" type veth peer name "$IF_CLIENT" netns "$NS_CLIENT"
    else
        ip link add "$IF_EDGE" type veth peer name "$IF_CLIENT" netns "$NS_CLIENT"
    fi
    ip link add "$IF_INSIDE" type veth peer name "$IF_BACKEND" netns "$NS_BACKEND"

    setup_root_end "$IF_EDGE"
    setup_root_end "$IF_INSIDE"
    ((wire == 0)) || setup_wire
    setup_ns_end "$NS_CLIENT" "$IF_CLIENT" "$ADDR_CLIENT" "$ADDR6_CLIENT"
    setup_ns_end "$NS_BACKEND" "$IF_BACKEND" "$ADDR_BACKEND" "$ADDR6_BACKEND"

    local mac_edge mac_inside via=""
    mac_edge=$(cat "/sys/class/net/$IF_EDGE/address")
    mac_inside=$(cat "/sys/class/net/$IF_INSIDE/address")
    ((wire == 0)) || via="$IF_WIRE_C [netns $NS_WIRE] $IF_WIRE_E <-> "
    cat <<EOF
testbed up (prefix $P):
  netns $NS_CLIENT:  $IF_CLIENT $ADDR_CLIENT $ADDR6_CLIENT  <-> ${via}root $IF_EDGE   (tlsterm edge   $ADDR_TT_EDGE, mac $mac_edge)
  netns $NS_BACKEND: $IF_BACKEND $ADDR_BACKEND $ADDR6_BACKEND  <-> root $IF_INSIDE (tlsterm inside $ADDR_TT_INSIDE, mac $mac_inside)
  DPDK devices: net_af_packet0,iface=$IF_EDGE  net_af_packet1,iface=$IF_INSIDE
EOF
}

do_impair() {
    local loss=${1:-} dup=${2:-}
    if [[ $# -ne 2 || ! $loss =~ ^[0-9]{1,4}$ || ! $dup =~ ^[0-9]{1,4}$ ]] \
        || ((10#$loss > 1000 || 10#$dup > 1000)); then
        echo "usage: [TT_PREFIX=tt] $0 impair LOSS_PERMILLE DUP_PERMILLE   (each 0-1000)" >&2
        exit 2
    fi
    need_root
    ns_exists "$NS_WIRE" || die "no wire namespace $NS_WIRE: start the test bed with 'up --wire'"
    wire_set_rules "$((10#$loss))" "$((10#$dup))"
    echo "testbed: wire $NS_WIRE: loss $((10#$loss))/1000, duplicates $((10#$dup))/1000," \
         "both directions"
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
    if ns_exists "$NS_WIRE"; then
        local fwd
        fwd=$(ip netns exec "$NS_WIRE" nft list table netdev "$WIRE_TABLE" 2>/dev/null \
              | grep -c 'fwd to' || true)
        echo "  netns $NS_WIRE: $(ip -n "$NS_WIRE" -br link show \
              | awk '$1 != "lo" {sub(/@.*/, "", $1); printf "%s %s  ", $1, $2}')forward rules=$fwd"
        ip netns exec "$NS_WIRE" nft list table netdev "$WIRE_TABLE" 2>/dev/null \
            | grep -E 'numgen|fwd to' | sed 's/^[[:space:]]*/      /' || true
        [[ $fwd -eq 2 ]] || ok=1
    fi
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
    up) shift; do_up "$@" ;;
    down) do_down ;;
    status) do_status ;;
    impair) shift; do_impair "$@" ;;
    *) echo "usage: [TT_PREFIX=tt] $0 up [--wire] | down | status" \
            "| impair LOSS_PERMILLE DUP_PERMILLE" >&2
       exit 2 ;;
esac
