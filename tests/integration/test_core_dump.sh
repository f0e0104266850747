#!/usr/bin/env bash
# Secrets stay out of core dumps: tlsterm terminates TLS with an ECDSA key and a ticket key
# file, a client sends a marker line many times to the discard service (plaintext left in
# the mbufs it was decrypted in; echo would seal it again in place), then gcore (which honours
# MADV_DONTDUMP, as the kernel does) dumps it. The dump must not hold the ECDSA private
# scalar (in either byte order), the ticket keys' HMAC and AES secrets, or the marker; with
# dump_core_memory: true the same run's dump must hold them (so this test can fail), and in
# both the key file's PEM text is absent (the buffers it was read through are wiped). The
# af_packet rings' and DPDK memory's mappings are marked VM_DONTDUMP in smaps (or not).
# At shutdown: no connection left, no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_core_dump
command -v gcore >/dev/null || tt_fail "gcore (gdb) is not installed"

HOST=198.18.0.1
certs=$TT_WORK/certs
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null
bash "$here/../../scripts/testbed.sh" up >/dev/null

# The secrets, as hex: the P-256 scalar big- and little-endian (OpenSSL's BIGNUM keeps 64-bit
# limbs least significant first), the first ticket key's HMAC and AES parts, a PEM line.
scalar=$("$TT_PY" - "$certs/site-ecdsa.key" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
k = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
print(k.private_numbers().private_value.to_bytes(32, "big").hex())
PY
)
scalar_le=$(echo "$scalar" | fold -w2 | tac | tr -d '\n')
hmac=$(od -An -tx1 -v -j16 -N32 "$certs/tickets.key" | tr -d ' \n')
aes=$(od -An -tx1 -v -j48 -N32 "$certs/tickets.key" | tr -d ' \n')
pem=$(sed -n 2p "$certs/site-ecdsa.key" | tr -d '\n' | od -An -tx1 -v | tr -d ' \n')
marker="core-dump-marker-$RANDOM$RANDOM-plaintext"
marker_hex=$(printf '%s' "$marker" | od -An -tx1 -v | tr -d ' \n')

# dump DUMP_CORE_MEMORY: run tlsterm, push the marker through, gcore it; prints the verdicts.
dump() {
	local log=$TT_WORK/tlsterm-$1.log
	tt_write_config "$TT_WORK/tlsterm-$1.yaml" \
		"listeners:" \
		"  - port: 443" \
		"    backend: discard" \
		"    tls:" \
		"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
		"tickets: { key_file: $certs/tickets.key }" \
		"dump_core_memory: $1"
	# a smaller dump: 192 MiB of DPDK memory is plenty here
	sed -i 's/memory_mb: 512/memory_mb: 192/; s/mbufs_per_worker: 32767/mbufs_per_worker: 8191/' \
		"$TT_WORK/tlsterm-$1.yaml"
	tt_start "$TT_WORK/tlsterm-$1.yaml" "$log" >&2
	local out
	out=$( (for _ in $(seq 1 200); do printf '%s\n' "$marker"; done; sleep 2) |
		timeout 30 ip netns exec "$TT_NS_CLIENT" openssl s_client -connect "$HOST:443" \
			-CAfile "$certs/ca.pem" -verify_return_error 2>&1 || true)
	grep -q "Verify return code: 0 (ok)" <<<"$out" ||
		{ echo "$out" | tail -5 >&2; tt_fail "dump_core_memory=$1: no handshake"; }
	# the marks themselves: every af_packet ring (socket:[...]) and DPDK's memory (nohuge)
	# mapping is "dd" (VM_DONTDUMP) in smaps, or none is
	awk '/^[0-9a-f]+-[0-9a-f]+ /{ name = $6 }
	     /^VmFlags:/ { kind = name ~ /^socket:/ ? "rings" : name ~ /nohuge/ ? "dpdk" : ""
	                   if (kind == "") next
	                   seen[kind] = 1; if ($0 !~ / dd/) dumped[kind] = 1 }
	     END { for (k in seen) print k "_dontdump", (k in dumped) ? "no" : "yes" }' \
		"/proc/$TT_PID/smaps" | sort
	timeout 120 gcore -o "$TT_WORK/core-$1" "$TT_PID" >/dev/null 2>&1 ||
		tt_fail "gcore failed on tlsterm"
	local core=$TT_WORK/core-$1.$TT_PID
	echo "  dump_core_memory=$1: core of $(($(stat -c %s "$core") / 1048576)) MiB" >&2
	"$TT_PY" "$here/core_secrets.py" "$core" "ecdsa_scalar=$scalar" \
		"ecdsa_scalar_le=$scalar_le" "ticket_hmac=$hmac" "ticket_aes=$aes" \
		"marker=$marker_hex" "key_pem=$pem"
	rm -f "$core"
	tt_stop "$log"
	tt_check_clean_stop "$log"
	local opened
	opened=$(tt_stat "$log" bytes_opened)
	[ "$opened" -ge $((200 * (${#marker} + 1))) ] ||
		tt_fail "dump_core_memory=$1: tlsterm decrypted $opened bytes, not all the markers"
}

without=$(dump false)
with=$(dump true)
echo "$without" | sed 's/^/  without: /'
echo "$with" | sed 's/^/  with dump_core_memory: /'
for s in ecdsa_scalar_le ticket_hmac ticket_aes marker; do
	grep -qx "$s found" <<<"$with" || tt_fail "$s is not in the dump even with dump_core_memory: true"
done
for s in ecdsa_scalar ecdsa_scalar_le ticket_hmac ticket_aes marker key_pem; do
	grep -qx "$s absent" <<<"$without" || tt_fail "$s is in the core dump"
done
for k in rings dpdk; do
	grep -qx "${k}_dontdump yes" <<<"$without" || tt_fail "$k mappings are not all MADV_DONTDUMP"
	grep -qx "${k}_dontdump no" <<<"$with" ||
		tt_fail "$k mappings are MADV_DONTDUMP with dump_core_memory: true"
done
grep -qx "key_pem absent" <<<"$with" || tt_fail "the key file's PEM text is in memory (not wiped)"
echo "test_core_dump: ok"
