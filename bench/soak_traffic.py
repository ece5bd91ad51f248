"""Steady loopback traffic for the soak (bench/soak.sh).

usage: soak_traffic.py PORT RATE SECONDS DONE_FILE
Makes RATE connections a second on 127.0.0.1:PORT for SECONDS, cycling
through the common kinds: the client closes first, the server closes
first, a reset, a refusal (on PORT+1, where nothing listens), and one in
ten held open for a minute before it closes, so the monitor always has a
few thousand connections open. Writes the number of connections made to
DONE_FILE when done."""
import collections
import socket
import struct
import sys
import time

port, rate, seconds, done = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
HOLD = 60.0
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)
held = collections.deque()


def connect():
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    cli.sendall(b"request\n")
    conn.recv(100)
    conn.sendall(b"answer\n" * 20)
    cli.recv(4096)
    return cli, conn


def drain(s):
    while s.recv(4096):
        pass


def one(kind):
    if kind == 3:
        s = socket.socket()
        s.connect_ex(("127.0.0.1", port + 1))
        s.close()
        return
    cli, conn = connect()
    if kind == 0:
        cli.close(); drain(conn); conn.close()
    elif kind == 1:
        conn.close(); drain(cli); cli.close()
    elif kind == 2:
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        cli.close(); conn.close()
    else:
        held.append((time.monotonic() + HOLD, cli, conn))


def close_due(now):
    while held and held[0][0] <= now:
        _, cli, conn = held.popleft()
        cli.close(); drain(conn); conn.close()


start = time.monotonic()
made = 0
while time.monotonic() - start < seconds:
    due = start + made / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    one(4 if made % 10 == 9 else made % 4)
    made += 1
    close_due(time.monotonic())
close_due(float("inf"))
with open(done, "w") as f:
    f.write(f"{made}\n")
