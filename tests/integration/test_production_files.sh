#!/usr/bin/env bash
# docs/production/ must not rot: the example config validates with `--check` once its
# certificate paths point at real files, and systemd accepts the unit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${TT_BIN:?TT_BIN must name the tlsterm binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash "$root/scripts/certs.sh" "$work/certs" >/dev/null
mkdir -p "$work/log"
chmod 600 "$work"/certs/*.key
sed -e "s#/etc/tlsterm/certs/example.com-\(ecdsa\|rsa\).pem#$work/certs/site-\1.pem#" \
    -e "s#/etc/tlsterm/keys/example.com-\(ecdsa\|rsa\).key#$work/certs/site-\1.key#" \
    -e "s#/etc/tlsterm/keys/tickets.key#$work/certs/tickets.key#" \
    -e "s#/var/log/tlsterm#$work/log#" \
    "$root/docs/production/tlsterm.yaml" >"$work/tlsterm.yaml"
grep -v "^ *#" "$work/tlsterm.yaml" | grep -q /etc/tlsterm && { echo "FAIL: a path was not rewritten"; exit 1; }
out=$("$TT_BIN" -c "$work/tlsterm.yaml" --check 2>&1) || { echo "FAIL: example config: $out"; exit 1; }
echo "example config: $out"

# The unit as installed, with ExecStart pointing at the binary under test.
sed "s#/usr/local/bin/tlsterm#$TT_BIN#g" "$root/docs/production/tlsterm.service" \
	>"$work/tlsterm.service"
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze missing (scripts/deps.sh installs systemd)"; exit 1; }
out=$(systemd-analyze verify "$work/tlsterm.service" 2>&1) || true
# verify complains about units it cannot see on a build machine (no hugepage mount unit in
# a container); anything about our own file is a failure.
if printf '%s\n' "$out" | grep "tlsterm.service" | grep -v "dev-hugepages.mount"; then
	echo "FAIL: systemd-analyze verify found problems in the unit"
	exit 1
fi
echo "systemd unit: verified"
echo "ok"
