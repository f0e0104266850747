#!/usr/bin/env bash
# TLS termination against unmodified clients over the test bed: tlsterm's TLS echo service
# (handshake in OpenSSL, records in tlsterm's own layer) with openssl s_client for every
# TLS 1.3 suite and every TLS 1.2 suite we offer, SNI (exact, wildcard, default, strict),
# ALPN, resumption with -sess_out/-sess_in (1.3 and 1.2), KeyUpdate both ways (s_client's
# K and k commands), gnutls-cli, Python's ssl with 8 MiB echoed intact, 50 connections one
# after another, garbage instead of a ClientHello, bad records after the handshake (flipped
# bits, replays, reordering, oversized, truncated: tls_badinput.py) and a stalled handshake.
# At shutdown: no connection left, no mbuf leaked, every handshake accounted for.
#
# TT_TLS_LOSS=1 runs only the 8 MiB echo with 2% loss and 1% duplicates on the wire.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
name=test_tls
[ "${TT_TLS_LOSS:-0}" = 1 ] && name=test_tls_loss
tt_begin "$name"

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log
certs=$TT_WORK/certs
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null

# s_client ARGS... <<< input: one connection; output (stdout+stderr) to stdout.
s_client() {
	timeout 20 ip netns exec "$TT_NS_CLIENT" openssl s_client -connect "$HOST:443" \
		-CAfile "$certs/ca.pem" -verify_return_error "$@" 2>&1 || true
}

# echo_line LABEL ARGS...: a line through s_client must come back; prints version and cipher.
echo_line() {
	local label=$1
	shift
	local line="tlsterm-$RANDOM-$label" out
	out=$( (printf '%s\n' "$line"; sleep 1) | s_client -no_ign_eof "$@")
	grep -qx -- "$line" <<<"$out" || {
		echo "$out" | tail -n 20 >&2
		tt_fail "$label: the line did not come back"
	}
	grep -q "Verify return code: 0 (ok)" <<<"$out" || tt_fail "$label: certificate not verified"
	local proto cipher
	local how
	how=$(grep -m1 -oE '^(New|Reused), TLSv1\.[23], Cipher is [A-Z0-9_-]+' <<<"$out" || true)
	[ -n "$how" ] || tt_fail "$label: s_client printed no session line"
	echo "  $label: $how; echoed"
	ECHO_OUT=$out
}

# The default engine (ipsec-mb) here; the lossy run uses OpenSSL EVP, so both engines meet
# real peers.
engine=ipsec-mb
if [ "${TT_TLS_LOSS:-0}" = 1 ]; then
	engine=evp
	bash "$here/../../scripts/testbed.sh" up --wire >/dev/null
	bash "$here/../../scripts/testbed.sh" impair 2 1 >/dev/null
else
	bash "$here/../../scripts/testbed.sh" up >/dev/null
fi

admin_port=$(tt_free_port)
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"listeners:" \
	"  - port: 443" \
	"    backend: echo" \
	"    tls:" \
	"      certificates:" \
	"        - { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key }" \
	"        - { cert: $certs/site-rsa.pem, key: $certs/site-rsa.key }" \
	"        - { cert: $certs/wild-ecdsa.pem, key: $certs/wild-ecdsa.key }" \
	"        - { cert: $certs/other-ecdsa.pem, key: $certs/other-ecdsa.key }" \
	"      alpn: [h2, http/1.1]" \
	"  - port: 8443" \
	"    backend: echo" \
	"    tls:" \
	"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
	"      min_version: \"1.3\"" \
	"      strict_sni: true" \
	"limits: { handshake_timeout_ms: 3000 }" \
	"crypto: { engine: $engine }" \
	"admin: { listen: \"127.0.0.1:$admin_port\" }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"
grep -q "TLS records on $engine" "$log" || tt_fail "the $engine engine is not the one in use"
echo "  record engine: $engine"

py_echo() {
	local label=$1
	shift
	local out=$TT_WORK/py-${label// /_}.txt
	timeout 180 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tls_client.py" "$@" \
		--host "$HOST" --ca "$certs/ca.pem" >"$out" 2>&1 || tt_fail "$label: $(tail -n 1 "$out")"
	echo "  $label: $(tail -n 1 "$out")"
}

if [ "${TT_TLS_LOSS:-0}" = 1 ]; then
	py_echo "8 MiB, TLS 1.3, 2% loss" echo --port 443 --bytes $((8 << 20)) --tls 1.3 --timeout 60
	py_echo "8 MiB, TLS 1.2, 2% loss" echo --port 443 --bytes $((8 << 20)) --tls 1.2 --timeout 60
	# The wire really was lossy: its nftables counters, both directions.
	dropped=$(tt_wire_count drop)
	duplicated=$(tt_wire_count dup)
	[ "$dropped" -gt 0 ] && [ "$duplicated" -gt 0 ] ||
		tt_fail "the wire did not impair (dropped $dropped, duplicated $duplicated)"
	echo "  wire: $dropped frames dropped, $duplicated duplicated"
else
	# Every suite, through s_client.
	for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
		echo_line "1.3 $suite" -tls1_3 -ciphersuites "$suite" -servername tlsterm.test
		grep -q "Cipher is $suite" <<<"$ECHO_OUT" || tt_fail "$suite not negotiated"
	done
	for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
		ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-GCM-SHA256 \
		ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
		echo_line "1.2 $c" -tls1_2 -cipher "$c" -servername tlsterm.test
		grep -q "Cipher is $c" <<<"$ECHO_OUT" || tt_fail "$c not negotiated"
	done
	# Groups.
	for g in X25519 P-256 P-384; do
		echo_line "group $g" -tls1_3 -groups "$g" -servername tlsterm.test
		grep -qiE "Server Temp Key: ($g|ECDH, $g|ECDH, (prime256v1|secp384r1))" <<<"$ECHO_OUT" ||
			tt_fail "group $g not used"
	done
	# A suite we don't offer is refused.
	out=$(s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256 -servername tlsterm.test </dev/null)
	grep -q "handshake failure" <<<"$out" || tt_fail "a CBC suite was not refused"
	echo "  CBC suite (TLS 1.2): refused with handshake_failure"

	# SNI: exact, wildcard, default without SNI or for an unknown name, strict refuses.
	echo_line "SNI other.test" -servername other.test -verify_hostname other.test
	grep -q "subject=CN = other.test" <<<"$ECHO_OUT" || tt_fail "SNI other.test: wrong cert"
	echo_line "SNI wildcard" -servername a.wild.tlsterm.test -verify_hostname a.wild.tlsterm.test
	echo_line "no SNI: default" -noservername -verify_hostname tlsterm.test
	echo_line "unknown name: default" -servername nobody.test -verify_hostname tlsterm.test
	echo_line "RSA when the client takes only RSA" -tls1_3 -sigalgs rsa_pss_rsae_sha256 \
		-servername tlsterm.test
	grep -q "Peer signature type: RSA-PSS" <<<"$ECHO_OUT" || tt_fail "RSA certificate not picked"
	echo_line "ECDSA when the client prefers it" -tls1_3 -sigalgs ecdsa_secp256r1_sha256 \
		-servername tlsterm.test
	grep -q "Peer signature type: ECDSA" <<<"$ECHO_OUT" || tt_fail "ECDSA certificate not picked"
	out=$(s_client -connect "$HOST:8443" -servername nobody.test </dev/null)
	grep -q "unrecognized name" <<<"$out" || tt_fail "strict SNI: no unrecognized_name alert"
	echo "  strict SNI: unknown name refused with unrecognized_name"
	out=$(s_client -connect "$HOST:8443" -tls1_2 -servername tlsterm.test </dev/null)
	grep -qE "protocol version|wrong version|unsupported protocol" <<<"$out" ||
		tt_fail "min_version 1.3: TLS 1.2 not refused"
	echo "  min_version 1.3: a TLS 1.2 client is refused"

	# ALPN.
	echo_line "ALPN h2" -alpn h2 -servername tlsterm.test
	grep -q "ALPN protocol: h2" <<<"$ECHO_OUT" || tt_fail "ALPN h2 not selected"
	echo_line "ALPN http/1.1 over h3" -alpn h3,http/1.1 -servername tlsterm.test
	grep -q "ALPN protocol: http/1.1" <<<"$ECHO_OUT" || tt_fail "ALPN http/1.1 not selected"
	out=$(s_client -alpn nothing-we-speak -servername tlsterm.test </dev/null)
	grep -q "no application protocol" <<<"$out" || tt_fail "ALPN mismatch not refused"
	echo "  ALPN mismatch: no_application_protocol"

	# Resumption with tickets, both versions.
	for v in 1_3 1_2; do
		rm -f "$TT_WORK/sess"
		echo_line "tickets TLS ${v/_/.} (full)" -tls$v -servername tlsterm.test \
			-sess_out "$TT_WORK/sess"
		echo_line "tickets TLS ${v/_/.} (resumed)" -tls$v -servername tlsterm.test \
			-sess_in "$TT_WORK/sess" -sess_out "$TT_WORK/sess2"
		grep -q "^Reused, TLSv1" <<<"$ECHO_OUT" || tt_fail "TLS ${v/_/.}: session not resumed"
		[ "$v" = 1_3 ] || continue
		# A resumption hands out the next ticket (TLS 1.3 tickets are used once).
		echo_line "tickets TLS 1.3 (resumed with the ticket the resumption gave)" -tls1_3 \
			-servername tlsterm.test -sess_in "$TT_WORK/sess2"
		grep -q "^Reused, TLSv1.3" <<<"$ECHO_OUT" || tt_fail "TLS 1.3: the new ticket does not resume"
	done

	# KeyUpdate: K asks tlsterm to update too, k does not. Lines before and after come back.
	for cmd in K k; do
		out=$( (echo "before-$cmd"; sleep 0.5; echo "$cmd"; sleep 0.5; echo "after-$cmd"
			sleep 1) | s_client -tls1_3 -servername tlsterm.test -no_ign_eof)
		grep -q "KEYUPDATE" <<<"$out" || tt_fail "KeyUpdate ($cmd) not sent by s_client"
		grep -qx "before-$cmd" <<<"$out" && grep -qx "after-$cmd" <<<"$out" ||
			tt_fail "KeyUpdate ($cmd): echo lost around the update"
		echo "  KeyUpdate ($cmd): echo continues across the new keys"
	done

	# gnutls-cli, a different TLS implementation.
	for prio in "NORMAL:-VERS-ALL:+VERS-TLS1.3" "NORMAL:-VERS-ALL:+VERS-TLS1.2"; do
		out=$( (echo "gnutls-line"; sleep 1) | timeout 20 ip netns exec "$TT_NS_CLIENT" \
			gnutls-cli --x509cafile="$certs/ca.pem" --priority="$prio" -p 443 \
			--sni-hostname=tlsterm.test --verify-hostname=tlsterm.test "$HOST" 2>&1 || true)
		grep -qx "gnutls-line" <<<"$out" || {
			echo "$out" | tail -n 15 >&2
			tt_fail "gnutls-cli ($prio): the line did not come back"
		}
		echo "  gnutls-cli ${prio##*+}: echoed"
	done

	# Python's ssl: bulk both versions, then many short connections.
	py_echo "8 MiB, TLS 1.3" echo --port 443 --bytes $((8 << 20)) --tls 1.3
	py_echo "8 MiB, TLS 1.2 ChaCha20" echo --port 443 --bytes $((8 << 20)) --tls 1.2 \
		--cipher ECDHE-ECDSA-CHACHA20-POLY1305
	py_echo "50 sequential" sequential --port 443 --conns 50 --bytes 3000

	# Garbage instead of a ClientHello: closed, and tlsterm goes on serving.
	ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" <<'PY' || tt_fail "garbage client"
import socket, sys
s = socket.create_connection((sys.argv[1], 443), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
data = s.recv(100)
# OpenSSL answers a plaintext HTTP request with an alert record (type 21) and closes.
assert data[:1] == b"\x15", data
PY
	echo "  garbage before the handshake: alert and close"

	# Bad records after the handshake: each gets its alert; a good connection never notices.
	out=$TT_WORK/badinput.txt
	timeout 120 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tls_badinput.py" --host "$HOST" \
		--port 443 --ca "$certs/ca.pem" >"$out" 2>&1 || tt_fail "$(tail -n 1 "$out")"
	sed 's/^/  /' "$out"

	# Half a ClientHello, then silence: closed by the handshake timer
	# (limits.handshake_timeout_ms, 3 s here), which counts it; the time is only printed.
	hs_timeouts() {
		tt_metric "$admin_port" tlsterm_tls_handshakes_total version=unknown result=timeout
	}
	timeouts0=$(hs_timeouts)
	ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" <<'PY' || tt_fail "stalled handshake"
import socket, sys, time
s = socket.create_connection((sys.argv[1], 443), timeout=10)
s.sendall(bytes([22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]) + b"\0" * 20)  # a hello cut short
t0 = time.monotonic()
try:
    data = s.recv(100)
except ConnectionResetError:
    data = b""
waited = time.monotonic() - t0
assert data == b"", data
print(f"  stalled handshake: closed after {waited:.1f} s")
PY
	[ "$(hs_timeouts)" -eq $((timeouts0 + 1)) ] ||
		tt_fail "stalled handshake: closed, but not by the handshake timer (not counted)"
	echo_line "still serving" -servername tlsterm.test
fi

sleep 1
tt_stop "$log"
grep -o 'stats: tls .*' "$log" | sed 's/^stats: /  /' || true
tt_check_clean_stop "$log"
bad=()
started=$(tt_stat "$log" handshakes_started)
t13=$(tt_stat "$log" handshakes_tls13)
t12=$(tt_stat "$log" handshakes_tls12)
failed=$(tt_stat "$log" handshakes_failed)
timeouts=$(tt_stat "$log" handshake_timeouts)
[ "$started" -eq $((t13 + t12 + failed + timeouts)) ] ||
	bad+=("handshakes: started $started != 1.3 $t13 + 1.2 $t12 + failed $failed + timed out $timeouts")
if [ "${TT_TLS_LOSS:-0}" != 1 ]; then
	[ "$(tt_stat "$log" handshakes_resumed)" -ge 3 ] || bad+=("resumed handshakes not counted")
	[ "$(tt_stat "$log" handshake_timeouts)" -ge 1 ] || bad+=("handshake timeout not counted")
	grep -q "stats: tls alert_sent 20=" "$log" || bad+=("no bad_record_mac counted")
	grep -q "stats: tls alert_sent 22=" "$log" || bad+=("no record_overflow counted")
fi
if [ ${#bad[@]} -gt 0 ]; then
	grep stats: "$log" >&2
	msg=$(printf '%s; ' "${bad[@]}")
	tt_fail "${msg%; }"
fi
echo "PASS: $name"
