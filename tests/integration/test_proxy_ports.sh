#!/usr/bin/env bash
# tcp.local_port_first..last with real peers: tlsterm proxies plain TCP (L4) from a python
# client in the client namespace to a kernel echo server in the backend namespace, with a
# source-port range of four ports. Four clients held open take the four ports (the backend's
# kernel sees exactly them as its peers' ports); a fifth finds no source port towards that
# server, and tlsterm closes it and counts no_server; a client resetting frees its port again
# for the next one. At shutdown: no session, connection or mbuf left.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/proxy_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_proxy_begin test_proxy_ports 198.18.0.1 198.19.0.2
admin_port=$(tt_free_port)
FIRST=41000
LAST=41003

ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$here/tcp_echo_backend.py" --listen "$BACK" --port 9007 \
	>"$TT_WORK/echo-backend.log" 2>&1 &
BACKEND_PIDS+=($!)
tt_backends_listening 9007

# One health check, at start (it aborts: no TIME_WAIT keeps its port); none after it.
tt_write_config "$TT_WORK/tlsterm.yaml" \
	"tcp: { local_port_first: $FIRST, local_port_last: $LAST }" \
	"listeners:" \
	"  - { port: 7070, backend: echo_pool }" \
	"backends:" \
	"  echo_pool:" \
	"    servers: [\"$BACK:9007\"]" \
	"    health: { interval_ms: 3600000, timeout_ms: 1000 }" \
	"admin: { listen: \"127.0.0.1:$admin_port\" }"
"$TT_BIN" -c "$TT_WORK/tlsterm.yaml" --check >"$TT_WORK/check.txt" 2>&1 ||
	tt_fail "config rejected: $(head -n 1 "$TT_WORK/check.txt")"
tt_start "$TT_WORK/tlsterm.yaml" "$log"
active() { tt_metric "$admin_port" tlsterm_tcp_connections_opened_total direction=active; }
tt_wait_for "[ \"\$(active)\" -ge 1 ] &&
	[ \"\$(tt_metric $admin_port tlsterm_tcp_connections_open)\" -eq 0 ]" 20 ||
	tt_fail "the first health check did not finish"
ns0=$(tt_metric "$admin_port" tlsterm_proxy_no_server_total)

# The client: four connections echoed and held, then a fifth that must be closed unanswered,
# then one of the four reset and a sixth echoed; then it holds the rest until SIGTERM.
ip netns exec "$TT_NS_CLIENT" "$TT_PY" - "$HOST" >"$TT_WORK/client.txt" 2>&1 <<'PY' &
import signal, socket, struct, sys, time
host = sys.argv[1]
def echoed(s, b):
    s.sendall(b)
    got = b""
    while len(got) < len(b):
        d = s.recv(100)
        if not d:
            return False
        got += d
    return got == b
held = []
for i in range(4):
    s = socket.create_connection((host, 7070), timeout=20)
    assert echoed(s, b"held%d" % i), f"connection {i} not echoed"
    held.append(s)
print("held 4", flush=True)
s = socket.create_connection((host, 7070), timeout=20)
try:
    s.sendall(b"fifth")
    d = s.recv(100)
except ConnectionResetError:
    d = b""
print(f"fifth: {'closed' if d == b'' else 'answered ' + repr(d)}", flush=True)
s.close()
signal.signal(signal.SIGUSR1, lambda *a: None)
signal.pause()  # the test looks at both sides, then lets one of the four go
s = held.pop()
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()  # RST: tlsterm resets the backend side too, which leaves no TIME_WAIT on the port
for _ in range(100):  # the freed port comes back once the backend side has closed
    s = socket.create_connection((host, 7070), timeout=20)
    try:
        ok = echoed(s, b"sixth")
    except ConnectionResetError:
        ok = False
    if ok:
        held.append(s)
        break
    s.close()
    time.sleep(0.1)
print(f"sixth: {'echoed' if ok else 'refused'}", flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
PY
client=$!
BACKEND_PIDS+=($client)
tt_wait_for "grep -q '^fifth:' '$TT_WORK/client.txt'" 60 ||
	tt_fail "client: $(tail -n 3 "$TT_WORK/client.txt")"
grep -q '^fifth: closed' "$TT_WORK/client.txt" ||
	tt_fail "a fifth connection with four source ports: $(grep '^fifth' "$TT_WORK/client.txt")"

# The backend's kernel: four connections from tlsterm, from exactly the four ports.
ports=$(ip netns exec "$TT_NS_BACKEND" ss -tnH state established '( sport = :9007 )' |
	awk '{n = split($NF, a, ":"); print a[n]}' | sort -n | paste -sd' ' -)
[ "$ports" = "$FIRST $((FIRST + 1)) $((FIRST + 2)) $LAST" ] ||
	tt_fail "the backend sees tlsterm's source ports '$ports', want $FIRST..$LAST"
[ "$(tt_metric "$admin_port" tlsterm_proxy_sessions_open)" -eq 4 ] ||
	tt_fail "proxy sessions open: $(tt_metric "$admin_port" tlsterm_proxy_sessions_open), want 4"
[ "$(tt_metric "$admin_port" tlsterm_proxy_no_server_total)" -eq $((ns0 + 1)) ] ||
	tt_fail "no_server did not rise by one for the fifth connection"
echo "  four held from source ports $ports; the fifth closed by tlsterm (no_server +1)"

# One of the four resets: its port serves a new client. (A FIN would not free it at once:
# tlsterm would close towards the backend first and keep the port in TIME_WAIT.)
kill -USR1 "$client"
tt_wait_for "grep -q '^sixth:' '$TT_WORK/client.txt'" 60 ||
	tt_fail "client: $(tail -n 3 "$TT_WORK/client.txt")"
grep -q '^sixth: echoed' "$TT_WORK/client.txt" ||
	tt_fail "no source port came back after a client closed: $(grep '^sixth' "$TT_WORK/client.txt")"
echo "  a client reset; the next one got its port"

kill -TERM "$client"
wait "$client" || tt_fail "client exited with status $?"
tt_wait_for "[ \"\$(tt_metric $admin_port tlsterm_proxy_sessions_open)\" -eq 0 ]" 20 ||
	tt_fail "sessions still open after the clients left"
tt_stop "$log"
grep -o 'stats: proxy .*' "$log" | sed 's/^stats: /  /' || true
tt_check_clean_stop "$log"
echo "PASS: test_proxy_ports"
