"""Loopback connections for the --table test, in stages the test steps.

usage: live_table_traffic.py PORT DIR
Stage 1: one connection, data both ways, left open (both ESTABLISHED).
Stage 2 (once DIR/go2 exists): its client closes, the server does not
(client FIN_WAIT_2, server CLOSE_WAIT). Stage 3 (DIR/go3): twenty more
that the server leaves in CLOSE_WAIT the same way: a pile-up. Each stage
done writes DIR/stageN; then it waits to be killed."""
import os
import socket
import sys
import time

port, d = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)
kept = []


def connect():
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    cli.sendall(b"request\n")
    conn.recv(100)
    conn.sendall(b"answer\n")
    cli.recv(100)
    kept.append(conn)
    return cli


def stage(n):
    with open(os.path.join(d, "stage%d" % n), "w") as f:
        f.write(str(first_port))


def wait_for(name):
    while not os.path.exists(os.path.join(d, name)):
        time.sleep(0.1)


first = connect()
first_port = first.getsockname()[1]
stage(1)
wait_for("go2")
first.close()
stage(2)
wait_for("go3")
for _ in range(20):
    connect().close()
stage(3)
time.sleep(120)
