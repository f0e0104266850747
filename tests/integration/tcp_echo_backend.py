#!/usr/bin/python3
"""A kernel TCP echo server for the proxy tests: echoes until the peer's FIN, then sends its
own FIN (half-close carried back), and logs how each connection ended.

  tcp_echo_backend.py --listen ADDR --port P
Each connection logs one line: "tcp_echo_backend: <peer>: <n> bytes, ended by FIN" or
"... ended by reset".
"""

import argparse
import socket
import sys
import threading


def serve(conn, peer):
    n = 0
    how = "FIN"
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
            n += len(data)
        conn.shutdown(socket.SHUT_WR)
        conn.recv(1)  # wait for the proxy to finish its side too
    except ConnectionResetError:
        how = "reset"
    except OSError as e:
        how = f"error {e}"
    finally:
        conn.close()
    print(f"tcp_echo_backend: {peer[0]}:{peer[1]}: {n} bytes, ended by {how}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.listen, a.port))
    s.listen(128)
    print(f"tcp_echo_backend: listening on {a.listen} port {a.port}", flush=True)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
