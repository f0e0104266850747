#!/usr/bin/env bash
# Live reload with real peers. tlsterm serves HTTPS (certificate A, tlsterm.test) in front of an
# HTTP backend; then:
#  - a 16 MiB download is started (its client stops reading after 1 MiB until told to go on,
#    so it is in flight however slow the machine), the config is switched to certificate B
#    (other.test) with POST /reload: new connections get B, the download finishes intact on A;
#  - a handshake that began (TCP accepted) before the reload ends on the old certificate, and
#    the old generation is freed only after it and the download ended;
#  - the backend pool changed under another download: new requests go to the new server, the
#    download finishes on the old one; a server kept across the reload keeps its DOWN verdict
#    (with retries: 0, a fresh "up" would fail a request);
#  - a broken YAML file and a config naming a missing key file: 400 with file:line:col in the
#    reply and the log, B still served; a restart-only change (a listener port): 409 naming it;
#  - SIGHUP back to A with another ticket key file: old tickets no longer resume, and a reload
#    of the same file keeps the new ones valid;
#  - metrics and /stats count the reloads; at stop every old generation was freed (logged),
#    no connection, session or mbuf is left.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_proxy_begin test_reload 198.18.0.1 198.19.0.2
cfg=$TT_WORK/tlsterm.yaml
head -c 80 /dev/urandom >"$certs/tickets2.key"

backend 8082 off
backend 8083 off
tt_backends_listening 8082 8083
# 8099: nobody listens; three failed checks (3 s) take it out. A reload that forgot the verdict
# would have it up again for as long, and its requests (retries: 0) would fail.
SERVERS="\"$BACK:8082\", \"$BACK:8099\""

port=$(tt_free_port)
# config CERT TICKETS [LISTEN_PORT]: the whole file, written again for every reload.
config() {
	tt_write_config "$cfg" \
		"listeners:" \
		"  - port: ${3:-443}" \
		"    backend: app" \
		"    tls:" \
		"      certificates: [ { cert: $certs/$1.pem, key: $certs/$1.key } ]" \
		"      alpn: [http/1.1]" \
		"backends:" \
		"  app:" \
		"    servers: [$SERVERS]" \
		"    retries: 0" \
		"    health: { interval_ms: 1000, timeout_ms: 500, rise: 1, fall: 3 }" \
		"limits: { handshake_timeout_ms: 120000 }   # the held handshake below must not expire" \
		"tickets: { key_file: $certs/$2 }" \
		"admin: { listen: \"127.0.0.1:$port\" }"
}
config site-ecdsa tickets.key
tt_start "$cfg" "$log"
tt_wait_for "grep -q 'server $BACK:8099 is DOWN' '$log'" 30 || tt_fail "8099 not found down"

api() { # api METHOD PATH OUT: prints the HTTP status; the body goes to OUT
	curl -s -m 30 -X "$1" -o "$3" -w '%{http_code}' "http://127.0.0.1:$port$2"
}
reload() { # reload WANT_STATUS LABEL: POST /reload; the reply is in $TT_WORK/reply
	local got took
	got=$(curl -s -m 30 -X POST -o "$TT_WORK/reply" -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$port/reload")
	took=${got#* }
	got=${got%% *}
	[ "$got" = "$1" ] || tt_fail "$2: HTTP $got, want $1: $(cat "$TT_WORK/reply")"
	echo "  $2: $got $(cat "$TT_WORK/reply") (${took}s, for information)"
}
# subject: the subject CN a new connection sees (SNI tlsterm.test; no verification, B does not
# carry that name).
subject() {
	timeout 20 ip netns exec "$TT_NS_CLIENT" openssl s_client -connect "$HOST:443" \
		-servername tlsterm.test </dev/null 2>/dev/null |
		sed -n 's/^subject=.*CN *= *\([^,/]*\).*/\1/p'
}
expect_subject() { # expect_subject CN LABEL
	local got
	got=$(subject)
	[ "$got" = "$1" ] || tt_fail "$2: a new connection sees '$got', want $1"
	echo "  $2: new connections see CN=$1"
}
# download OUT NAME: a 16 MiB download through tlsterm from https://NAME/ (the name the
# certificate served now carries) in the background (pid in DL_PID). Its client stops reading
# after 1 MiB (the windows close back to the backend) until OUT.go exists: the download is
# certainly in flight across whatever happens meanwhile, however slow the machine.
download() {
	ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/paused_download.py" "$HOST" 443 "$2" \
		"$certs/ca.pem" "/bytes/$((16 << 20))" "$1" "$1.started" "$1.go" >"$1.err" 2>&1 &
	DL_PID=$!
	BACKEND_PIDS+=($DL_PID)
	tt_wait_for "[ -e '$1.started' ]" 60 || tt_fail "the download did not get going: $(cat "$1.err")"
}

expect_subject tlsterm.test "start (certificate A)"

# A rate-limited download through tlsterm, on A, running across the reload.
expected=$TT_WORK/expected.bin
tt_pattern_file "$expected"
download "$TT_WORK/got.bin" tlsterm.test
curl_pid=$DL_PID

# A handshake accepted before the reload and finished after it (the client holds back its
# ClientHello until told): it must end on the old generation's certificate.
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" "$certs/ca.pem" "$TT_WORK/go" \
	>"$TT_WORK/held.txt" 2>&1 <<'PY' &
import os, socket, ssl, sys, time
host, ca, go = sys.argv[1:]
s = socket.create_connection((host, 443), timeout=60)
print("connected", flush=True)
while not os.path.exists(go):
    time.sleep(0.05)
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname="tlsterm.test")
print("subject", dict(x[0] for x in t.getpeercert()["subject"])["commonName"], flush=True)
t.close()
PY
held_pid=$!
BACKEND_PIDS+=($held_pid)
tt_wait_for "grep -q connected '$TT_WORK/held.txt'" 20 || tt_fail "held client did not connect"

config other-ecdsa tickets.key
reload 200 "POST /reload to certificate B"
"$TT_PY" -c 'import json, sys; assert json.load(open(sys.argv[1])) == {"reloaded": True, "generation": 2}' \
	"$TT_WORK/reply" || tt_fail "reload reply: $(cat "$TT_WORK/reply")"
grep -q "admin: POST /reload: reloaded $cfg: generation 2" "$log" || tt_fail "reload not logged"
expect_subject other.test "after the reload"

# Generation 1 is still held by the handshake above (handshakes do not expire for 120 s).
api GET /stats "$TT_WORK/stats.json" >/dev/null
! grep -q "generation 1 freed" "$log" || tt_fail "generation 1 freed under a running handshake"
touch "$TT_WORK/go"
wait "$held_pid" || tt_fail "held handshake: $(cat "$TT_WORK/held.txt")"
grep -qx "subject tlsterm.test" "$TT_WORK/held.txt" ||
	tt_fail "held handshake: $(cat "$TT_WORK/held.txt"), want the old certificate"
echo "  a handshake accepted before the reload ended on certificate A"
# The download's session (paused) still holds generation 1.
api GET /stats "$TT_WORK/stats.json" >/dev/null
! grep -q 'generation 1 freed' "$log" || tt_fail "generation 1 freed under a running session"
echo "  generation 1 still held by the download's session"
touch "$TT_WORK/got.bin.go"
wait "$curl_pid" || tt_fail "download failed: $(cat "$TT_WORK/got.bin.err")"
[ "$(sha "$expected")" = "$(sha "$TT_WORK/got.bin")" ] || tt_fail "download: 16 MiB differ"
echo "  the 16 MiB download begun on A finished intact (sha256 both sides)"
tt_wait_for "grep -q 'generation 1 freed' '$log'" 20 ||
	tt_fail "generation 1 not freed after its last handshake and session"
echo "  generation 1 freed once its last handshake and session ended"

# Backends: the pool becomes 8099 (down, kept) and 8083 under a download from 8082.
download "$TT_WORK/got2.bin" other.test
SERVERS="\"$BACK:8099\", \"$BACK:8083\""
config other-ecdsa tickets.key
reload 200 "POST /reload with the pool changed"
ports=""
for i in 1 2 3 4; do
	curl_in --resolve "other.test:443:$HOST" -o "$TT_WORK/p$i.json" https://other.test/ ||
		tt_fail "request $i after the pool change failed (8099 taken as up?)"
	ports="$ports $(json "$TT_WORK/p$i.json" 'j["local"]["port"]')"
done
[ "$ports" = " 8083 8083 8083 8083" ] || tt_fail "after the pool change requests went to$ports"
echo "  new requests go to the new server:$ports; 8099 stayed down"
touch "$TT_WORK/got2.bin.go"
wait "$DL_PID" || tt_fail "download 2 failed: $(cat "$TT_WORK/got2.bin.err")"
[ "$(sha "$expected")" = "$(sha "$TT_WORK/got2.bin")" ] || tt_fail "download 2: 16 MiB differ"
echo "  the download begun on the old pool (8082, not in the new one) finished intact"
[ "$(grep -c "server $BACK:8099 is DOWN" "$log")" = 1 ] && ! grep -q "server $BACK:8099 is up" "$log" ||
	tt_fail "8099's verdict did not carry over: $(grep "8099" "$log")"

# A broken file and a missing key file: refused with file:line:col, nothing changes.
cp "$cfg" "$TT_WORK/good.yaml"
printf 'listeners: [ {\n' >>"$cfg"
reload 400 "broken YAML"
grep -Eq "\"error\":\"$cfg:[0-9]+:[0-9]+: " "$TT_WORK/reply" || tt_fail "no file:line:col in the reply"
grep -Eq "admin: POST /reload: reload failed, configuration unchanged: $cfg:[0-9]+:[0-9]+: " "$log" ||
	tt_fail "the failed reload is not logged with file:line:col"
expect_subject other.test "after the broken file"
config other-ecdsa-gone tickets.key
sed -i "s|$certs/other-ecdsa-gone.pem|$certs/other-ecdsa.pem|" "$cfg" # only the key is missing
reload 400 "missing key file"
grep -Eq "\"error\":\"$cfg:[0-9]+:[0-9]+: .*other-ecdsa-gone.key" "$TT_WORK/reply" ||
	tt_fail "missing key: reply does not name file:line:col and the key"
expect_subject other.test "after the missing key"
config other-ecdsa missing.key
reload 400 "missing ticket key file"
grep -Eq "\"error\":\"$cfg:[0-9]+:[0-9]+: .*missing.key" "$TT_WORK/reply" ||
	tt_fail "missing ticket key file: reply does not say which"

# Restart-only: a listener's port.
config site-ecdsa tickets.key 4443
reload 409 "listener port changed"
grep -q "listeners\[0\].port: changing it needs a restart" "$TT_WORK/reply" ||
	tt_fail "409 does not name the field"
grep -q "reload refused, configuration unchanged: .*listeners\[0\].port" "$log" ||
	tt_fail "the refused reload is not logged"
expect_subject other.test "after the refused reload"

# Tickets: a session on tickets.key, then SIGHUP to A with tickets2.key: it no longer resumes.
resume() { # resume SESS_OUT_OR_IN FILE: prints Reused or New
	# (open for a second: the ticket comes after the handshake)
	sleep 1 | timeout 20 ip netns exec "$TT_NS_CLIENT" openssl s_client -connect "$HOST:443" \
		-servername tlsterm.test -tls1_3 "$1" "$2" 2>/dev/null |
		grep -Eo '^(Reused|New),' | head -n 1 | tr -d ,
}
resume -sess_out "$TT_WORK/s1" >/dev/null
[ "$(resume -sess_in "$TT_WORK/s1")" = Reused ] || tt_fail "tickets: no resumption before SIGHUP"
config site-ecdsa tickets2.key
kill -HUP "$TT_PID"
tt_wait_for "grep -q 'SIGHUP: reloaded $cfg: generation 4' '$log'" 30 || tt_fail "SIGHUP: no reload"
echo "  SIGHUP: reloaded (generation 4)"
expect_subject tlsterm.test "after SIGHUP (certificate A)"
[ "$(resume -sess_in "$TT_WORK/s1")" = New ] ||
	tt_fail "tickets: a ticket of the old key file still resumes"
resume -sess_out "$TT_WORK/s2" >/dev/null
reload 200 "POST /reload of the same file"
[ "$(resume -sess_in "$TT_WORK/s2")" = Reused ] ||
	tt_fail "tickets: a reload of the same key file lost the keys"
echo "  tickets: the new key file was read; the same file again keeps them"

# Counters: 4 ok, 3 failed, 1 refused; generation 5.
api GET /metrics "$TT_WORK/metrics.txt" >/dev/null
"$TT_PY" "$here/metrics_check.py" check "$TT_WORK/metrics.txt" >/dev/null || tt_fail "metrics do not parse"
m() { "$TT_PY" "$here/metrics_check.py" get "$TT_WORK/metrics.txt" "$@"; }
[ "$(m tlsterm_reloads_total result=ok)" = 4 ] || tt_fail "reloads ok $(m tlsterm_reloads_total result=ok)"
[ "$(m tlsterm_reloads_total result=failed)" = 3 ] || tt_fail "reloads failed wrong"
[ "$(m tlsterm_reloads_total result=refused)" = 1 ] || tt_fail "reloads refused wrong"
[ "$(m tlsterm_config_generation)" = 5 ] || tt_fail "generation $(m tlsterm_config_generation)"
api GET /stats "$TT_WORK/stats.json" >/dev/null
"$TT_PY" -c 'import json, sys; r = json.load(open(sys.argv[1]))["reload"]
assert r == {"generation": 5, "ok": 4, "failed": 3, "refused": 1}, r' "$TT_WORK/stats.json" ||
	tt_fail "stats: $(head -c 300 "$TT_WORK/stats.json")"
echo "  metrics and /stats: 4 ok, 3 failed, 1 refused, generation 5"

tt_wait_for "grep -q 'generation 4 freed' '$log'" 20 || tt_fail "generation 4 not freed"
tt_stop "$log"
for g in 1 2 3 4; do
	grep -q "reload: generation $g freed" "$log" || tt_fail "generation $g never freed"
done
! grep -q "not freed\|still counts" "$log" || tt_fail "$(grep 'not freed\|still counts' "$log")"
tt_check_clean_stop "$log"
echo "  stopped clean: generations 1-4 freed, $(grep -o 'leaked=[-0-9]*' "$log")"
echo "test_reload: ok"
