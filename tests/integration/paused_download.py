#!/usr/bin/env python3
"""HTTPS GET of a large body that stops reading part way until told to go on.

Usage: paused_download.py HOST PORT NAME CAFILE PATH OUT STARTED GO
Reads the response to GET PATH (Host: NAME, certificate verified for NAME) until
at least 1 MiB of body has arrived, creates the file STARTED, then reads nothing
more (TCP's window closes all the way back to the backend) until the file GO
exists; then reads the rest and writes the body to OUT. Exit 0 when the whole
Content-Length arrived. A test uses it to have a transfer that is certainly in
flight across an event, without depending on how fast the machine is.
"""
import os
import socket
import ssl
import sys
import time

host, port, name, cafile, path, out, started, go = sys.argv[1:]
ctx = ssl.create_default_context(cafile=cafile)
sock = socket.create_connection((host, int(port)), timeout=120)
tls = ctx.wrap_socket(sock, server_hostname=name)
tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = tls.recv(65536)
    if not chunk:
        sys.exit("connection closed in the response head")
    buf += chunk
head, body = buf.split(b"\r\n\r\n", 1)
length = None
for line in head.split(b"\r\n")[1:]:
    key, _, value = line.partition(b":")
    if key.strip().lower() == b"content-length":
        length = int(value)
if not head.startswith(b"HTTP/1.1 200") or length is None:
    sys.exit(f"unexpected response head: {head[:200]!r}")
parts = [body]
got = len(body)
paused = False
while got < length:
    if not paused and got >= 1 << 20:
        paused = True
        open(started, "w").close()
        while not os.path.exists(go):
            time.sleep(0.05)
    chunk = tls.recv(min(65536, length - got))
    if not chunk:
        sys.exit(f"connection closed after {got} of {length} bytes")
    parts.append(chunk)
    got += len(chunk)
with open(out, "wb") as f:
    f.write(b"".join(parts))
tls.close()
print(f"{got} bytes")
