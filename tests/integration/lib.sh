# shellcheck shell=bash disable=SC2034  # sourced; the names are for the tests
# Shell helpers for tlsterm integration tests. Source it:  . "$(dirname "$0")/lib.sh"
# Names follow scripts/testbed.sh (TT_PREFIX, default "tt").

TT_PREFIX=${TT_PREFIX:-tt}
TT_NS_CLIENT="${TT_PREFIX}-client"
TT_NS_BACKEND="${TT_PREFIX}-backend"
TT_IF_EDGE="${TT_PREFIX}-edge"       # root ns, tlsterm's edge port
TT_IF_INSIDE="${TT_PREFIX}-inside"   # root ns, tlsterm's inside port
TT_IF_CLIENT="${TT_PREFIX}c0"        # in TT_NS_CLIENT, 198.18.0.2/16
TT_IF_BACKEND="${TT_PREFIX}b0"       # in TT_NS_BACKEND, 198.19.0.2/16
TT_PY=/usr/bin/python3               # Debian's python (has scapy); not the first on PATH

# tt_fail msg...: print "FAIL: msg" to stderr and exit 1.
tt_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# tt_wait_for 'cmd' timeout_s: run cmd (a string, eval'd, output discarded) every 0.1 s until
# it succeeds (return 0) or timeout_s seconds pass (return 1).
tt_wait_for() {
    local cmd=$1 timeout=${2:-10} deadline
    deadline=$(($(date +%s%N) + ${timeout%.*} * 1000000000))
    while :; do
        if eval "$cmd" >/dev/null 2>&1; then return 0; fi
        (($(date +%s%N) < deadline)) || return 1
        sleep 0.1
    done
}

# tt_tlsterm_mac iface: MAC of a root-namespace interface; DPDK's net_af_packet uses it as
# the port's MAC.
tt_tlsterm_mac() {
    cat "/sys/class/net/$1/address"
}

# tt_in_client cmd...  /  tt_in_backend cmd...: run a command in the test-bed namespaces.
tt_in_client() { ip netns exec "$TT_NS_CLIENT" "$@"; }
tt_in_backend() { ip netns exec "$TT_NS_BACKEND" "$@"; }

# tt_wire_count VERB: frames the wire's nftables rules with VERB (drop, dup) acted on, both
# directions (scripts/testbed.sh up --wire, then impair).
tt_wire_count() {
    ip netns exec "${TT_PREFIX}-wire" nft list table netdev wire |
        awk -v verb="$1" '$0 ~ "counter packets" && $0 ~ verb {
            for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
