#!/usr/bin/env bash
# OCSP stapling and key-file permissions against unmodified clients over the test bed:
# - tlsterm --check refuses a key file others may read (file:line:col), and accepts it with
#   a warning under tls.key_permissions: warn;
# - openssl s_client -status gets the staple (successful, good) for the ECDSA and for the RSA
#   certificate of one name (one SSL_CTX: the response must be the chosen certificate's),
#   over TLS 1.3 and 1.2; without -status nothing is stapled (counted exactly);
# - the ECDSA response is made to expire a minute after start: past its nextUpdate it is no
#   longer stapled (counted), and a fresh file is picked up by the refresh (tls.ocsp_refresh_s:
#   1) and stapled again; a broken RSA file on refresh is refused and the RSA response read
#   before keeps being stapled; a reload reads the ocsp: files again (the broken one refuses
#   it with file:line:col; an entry taken out: that certificate is stapled no more);
# - at shutdown: staples sent/expired and refreshes ok/failed as counted here, no connection
#   left, no mbuf leaked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_ocsp

HOST=198.18.0.1
log=$TT_WORK/tlsterm.log
certs=$TT_WORK/certs
bash "$here/../../scripts/certs.sh" "$certs" >/dev/null

# good_ocsp CERT OUT: a response from the test CA saying good, with openssl ocsp (as users
# would make one); valid a day.
good_ocsp() {
	local serial
	serial=$(openssl x509 -in "$certs/$1" -noout -serial | cut -d= -f2)
	printf 'V\t301231000000Z\t\t%s\tunknown\t/CN=x\n' "$serial" >"$TT_WORK/index.txt"
	(cd "$certs" && openssl ocsp -index "$TT_WORK/index.txt" -CA ca.pem -rsigner ca.pem \
		-rkey ca.key -issuer ca.pem -cert "$1" -respout "$TT_WORK/new.ocsp" -ndays 1 \
		>/dev/null 2>&1) || tt_fail "openssl ocsp could not make a response for $1"
	mv "$TT_WORK/new.ocsp" "$2" # whole, for the refresh
}

# The ECDSA response expires this many seconds after it is made: time for start-up and the
# first checks on a loaded machine, then waited out.
SHORT_S=60
"$TT_PY" "$here/ocsp_response.py" "$certs/site-ecdsa.pem" "$certs/ca.pem" \
	"$certs/ocsp-responder.pem" "$certs/ocsp-responder.key" "$certs/site-ecdsa.ocsp" \
	--next-s "$SHORT_S"
ecdsa_expires=$(($(date +%s) + SHORT_S))
good_ocsp site-rsa.pem "$certs/site-rsa.ocsp"

listener=(
	"listeners:"
	"  - port: 443"
	"    backend: echo"
	"    tls:"
	"      certificates:"
	"        - { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key, ocsp: $certs/site-ecdsa.ocsp }"
	"        - { cert: $certs/site-rsa.pem, key: $certs/KEY, ocsp: $certs/site-rsa.ocsp }"
)

# --- key permissions, through --check
cp "$certs/site-rsa.key" "$certs/open.key"
chmod 0644 "$certs/open.key"
tt_write_config "$TT_WORK/open.yaml" "${listener[@]/KEY/open.key}"
out=$("$TT_BIN" -c "$TT_WORK/open.yaml" --check 2>&1) && tt_fail "--check accepted a 0644 key"
grep -qE "^$TT_WORK/open.yaml:[0-9]+:[0-9]+: listeners\[0\]\.tls\.certificates\[1\]\.key: .*open.key is readable by others \(mode 0644\); chmod 600 or set tls.key_permissions: warn$" <<<"$out" ||
	tt_fail "--check: unexpected message: $out"
echo "  --check refuses a 0644 key: ok"
tt_write_config "$TT_WORK/warn.yaml" "${listener[@]/KEY/open.key}" "tls: { key_permissions: warn }"
out=$("$TT_BIN" -c "$TT_WORK/warn.yaml" --check 2>&1) || tt_fail "--check with warn: $out"
grep -q "warning: listeners\[0\]\.tls\.certificates\[1\]\.key: .*(mode 0644)" <<<"$out" ||
	tt_fail "--check with warn: no warning: $out"
echo "  --check with key_permissions: warn accepts it, warning: ok"

# --- stapling
bash "$here/../../scripts/testbed.sh" up >/dev/null
port=$("$TT_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
admin="admin: { listen: \"127.0.0.1:$port\" }"
tt_write_config "$TT_WORK/tlsterm.yaml" "${listener[@]/KEY/site-rsa.key}" \
	"tls: { ocsp_refresh_s: 1 }" "$admin"
tt_start "$TT_WORK/tlsterm.yaml" "$log"

staples=0 # what tlsterm must have counted as sent

# s_client ARGS...: one handshake, output on stdout.
s_client() {
	timeout 30 ip netns exec "$TT_NS_CLIENT" openssl s_client -connect "$HOST:443" \
		-servername tlsterm.test -CAfile "$certs/ca.pem" -verify_return_error "$@" \
		</dev/null 2>&1 || true
}

# stapled LABEL KEYBITS ARGS...: s_client -status must show a good staple from our server
# key of KEYBITS.
stapled() {
	local label=$1 bits=$2 out
	shift 2
	out=$(s_client -status "$@")
	grep -q "Verify return code: 0 (ok)" <<<"$out" || { echo "$out" >&2; tt_fail "$label: handshake"; }
	grep -q "Server public key is $bits bit" <<<"$out" || tt_fail "$label: not the $bits-bit key"
	grep -q "OCSP Response Status: successful" <<<"$out" &&
		grep -q "Cert Status: good" <<<"$out" || { echo "$out" >&2; tt_fail "$label: no good staple"; }
	staples=$((staples + 1))
	echo "  $label: stapled, good"
}

# not_stapled LABEL ARGS...
not_stapled() {
	local label=$1 out
	shift
	out=$(s_client "$@")
	grep -q "Verify return code: 0 (ok)" <<<"$out" || { echo "$out" >&2; tt_fail "$label: handshake"; }
	! grep -q "OCSP Response Status" <<<"$out" || { echo "$out" >&2; tt_fail "$label: stapled"; }
	echo "  $label: nothing stapled"
}

stapled "ECDSA, TLS 1.3" 256 -tls1_3 -sigalgs ECDSA+SHA256
stapled "RSA, TLS 1.3" 2048 -tls1_3 -sigalgs rsa_pss_rsae_sha256
stapled "ECDSA, TLS 1.2" 256 -tls1_2 -sigalgs ECDSA+SHA256
stapled "RSA, TLS 1.2" 2048 -tls1_2 -sigalgs RSA+SHA256
not_stapled "ECDSA without -status" -tls1_3 -sigalgs ECDSA+SHA256
not_stapled "RSA without -status" -tls1_2 -sigalgs RSA+SHA256
out=$(s_client -status -tls1_3 -sigalgs ECDSA+SHA256)
grep -q "Produced At" <<<"$out" && grep -q "Responder Id: [0-9A-F]" <<<"$out" ||
	tt_fail "the ECDSA staple is not the delegated responder's"

# --- a broken RSA file on refresh: refused, the response before keeps being stapled
printf 'not an OCSP response\n' >"$certs/site-rsa.ocsp.tmp"
mv "$certs/site-rsa.ocsp.tmp" "$certs/site-rsa.ocsp"
tt_wait_for "grep -q 'site-rsa.ocsp: not a DER OCSPResponse.*keeping the response read before' '$log'" 30 ||
	tt_fail "the broken RSA file was not refused on refresh"
stapled "RSA after a broken file" 2048 -tls1_3 -sigalgs rsa_pss_rsae_sha256

# --- the ECDSA response expires: not stapled any more
# (The checks above saw it stapled, so it was still good then, however slow the machine.)
now=$(date +%s)
if [ "$now" -le "$ecdsa_expires" ]; then
	echo "  waiting $((ecdsa_expires - now + 1)) s for the ECDSA response to expire"
	sleep $((ecdsa_expires - now + 1))
fi
out=$(s_client -status -tls1_3 -sigalgs ECDSA+SHA256)
grep -q "OCSP response: no response sent" <<<"$out" || { echo "$out" >&2; tt_fail "expired response stapled"; }
echo "  ECDSA, expired: not stapled"
stapled "RSA, still good" 2048 -tls1_3 -sigalgs rsa_pss_rsae_sha256

# --- a fresh ECDSA file: picked up by the refresh, stapled again
good_ocsp site-ecdsa.pem "$certs/site-ecdsa.ocsp"
tt_wait_for "grep -q 'site-ecdsa.ocsp re-read' '$log'" 30 || tt_fail "the new ECDSA file was not re-read"
stapled "ECDSA after the refresh" 256 -tls1_3 -sigalgs ECDSA+SHA256

# --- a reload reads the ocsp: files again: the broken RSA file now refuses it (400, with
# file:line:col) and the staples go on as they were; with a fresh RSA file and the ECDSA entry
# taken out it goes through, and the ECDSA certificate is stapled no more
code=$(curl -s -o "$TT_WORK/reload.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/reload")
[ "$code" = 400 ] || tt_fail "POST /reload with a broken ocsp: file: $code $(cat "$TT_WORK/reload.json")"
grep -Eq "tlsterm.yaml:[0-9]+:[0-9]+: listeners\[0\]\.tls\.certificates\[1\]\.ocsp: .*site-rsa.ocsp: not a DER OCSPResponse" "$TT_WORK/reload.json" ||
	tt_fail "reload refusal without file:line:col: $(cat "$TT_WORK/reload.json")"
echo "  reload with the broken RSA file: refused (400, file:line:col)"
stapled "ECDSA after the refused reload" 256 -tls1_3 -sigalgs ECDSA+SHA256
good_ocsp site-rsa.pem "$certs/site-rsa-2.ocsp"
sed -i -e "s#, ocsp: $certs/site-ecdsa.ocsp }# }#" -e "s#site-rsa.ocsp#site-rsa-2.ocsp#" \
	"$TT_WORK/tlsterm.yaml"
grep -q "site-ecdsa.ocsp" "$TT_WORK/tlsterm.yaml" && tt_fail "the ECDSA ocsp: entry is still in the config"
code=$(curl -s -o "$TT_WORK/reload.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/reload")
[ "$code" = 200 ] || tt_fail "POST /reload: $code $(cat "$TT_WORK/reload.json")"
out=$(s_client -status -tls1_3 -sigalgs ECDSA+SHA256)
grep -q "OCSP response: no response sent" <<<"$out" || { echo "$out" >&2; tt_fail "ECDSA stapled after a reload without its ocsp: file"; }
echo "  reload without the ECDSA ocsp: entry: ECDSA not stapled"
stapled "RSA after the reload (its new file)" 2048 -tls1_3 -sigalgs rsa_pss_rsae_sha256

tt_stop "$log"
tt_check_clean_stop "$log"
sent=$(tt_stat "$log" ocsp_staples_sent)
expired=$(tt_stat "$log" ocsp_staples_expired)
ok=$(tt_stat "$log" ocsp_refresh_ok)
failed=$(tt_stat "$log" ocsp_refresh_failed)
# +1: the "Produced At" look at the ECDSA staple
[ "$sent" = $((staples + 1)) ] || tt_fail "ocsp_staples_sent=$sent, want $((staples + 1))"
[ "$expired" = 1 ] || tt_fail "ocsp_staples_expired=$expired, want 1"
[ "$ok" = 1 ] || tt_fail "ocsp_refresh_ok=$ok, want 1"
[ "$failed" = 1 ] || tt_fail "ocsp_refresh_failed=$failed, want 1"
echo "  counters: staples sent=$sent expired=$expired, refreshes ok=$ok failed=$failed"
echo "test_ocsp: ok"
