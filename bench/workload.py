"""Workloads for bench/observe.sh: a loopback connection storm and a bulk
transfer, each timed by the caller. Usage: workload.py connect N | bulk MB"""
import socket
import sys
import threading


def serve(listener, drain):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        if drain:
            while conn.recv(1 << 20):
                pass
        conn.close()


def main():
    kind, amount = sys.argv[1], int(sys.argv[2])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, kind == "bulk"), daemon=True).start()
    if kind == "connect":
        for _ in range(amount):
            s = socket.create_connection(("127.0.0.1", port))
            s.close()
    else:
        chunk = b"\0" * (1 << 20)
        s = socket.create_connection(("127.0.0.1", port))
        for _ in range(amount):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        s.close()


main()
