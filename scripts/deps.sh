#!/usr/bin/env bash
# Install everything tlsterm needs on a fresh Debian 12 machine (run as root).
# Idempotent: runs apt-get only when a package is missing; quiet when all is present.
set -euo pipefail

PKGS=(
    meson ninja-build pkg-config gcc clang libclang-rt-14-dev
    dpdk-dev libdpdk-dev libssl-dev liburcu-dev libipsec-mb-dev
    libfyaml-dev libmicrohttpd-dev libcmocka-dev
    python3-cryptography gdb
    iproute2 nftables ethtool iputils-ping curl openssl gnutls-bin
    python3-scapy python3-prometheus-client tcpdump procps kmod systemd
)
PC_MODULES=(libdpdk openssl liburcu-qsbr libfyaml libmicrohttpd cmocka)
HEADERS=(/usr/include/intel-ipsec-mb.h)

die() { echo "deps: ERROR: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

# One dpkg-query for all packages; names it does not know are simply absent from its output.
declare -A have=()
while read -r name status; do
    [[ $status == installed ]] && have[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${PKGS[@]}"; do
    [[ -n ${have[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "deps: installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp /tmp/tlsterm-deps.XXXXXX.log)
    # apt's chatter goes to a log that is shown only when something fails.
    if ! apt-get update -q >"$log" 2>&1; then
        cat "$log" >&2; die "apt-get update failed (log: $log)"
    fi
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        cat "$log" >&2; die "apt-get install failed for: ${missing[*]} (log: $log)"
    fi
    rm -f "$log"
fi

bad=()
for m in "${PC_MODULES[@]}"; do
    pkg-config --exists "$m" || bad+=("pkg-config:$m")
done
for h in "${HEADERS[@]}"; do
    [[ -f $h ]] || bad+=("$h")
done
((${#bad[@]} == 0)) || die "missing after install: ${bad[*]}"

if ((${#missing[@]})); then
    echo "deps: installed ${#missing[@]} package(s); all present"
else
    echo "deps: all present"
fi
