"""Real loopback connections of several kinds for the live monitor tests.

usage: live_traffic.py PORT READY_FILE
Makes, on 127.0.0.1:PORT (and PORT+1, where nothing listens), one
connection of each kind below, leaves the last one open, writes to
READY_FILE one JSON object per connection -- the client port and what the
monitor must report for it -- and then waits to be killed, so the open
connection is still open when the monitor is stopped."""
import json
import socket
import struct
import sys
import time

port, ready = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(8)
expected = []


def expect(cli, **fields):
    expected.append({"client_port": cli.getsockname()[1], **fields})


def connect():
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    cli.sendall(b"request\n")
    conn.recv(100)
    conn.sendall(b"answer\n")
    cli.recv(100)
    return cli, conn


def eof(s):
    while s.recv(4096):
        pass


# The client closes; the server reads EOF, waits, closes: four waves.
cli, conn = connect()
expect(cli, handshake="three-way", close="four-way", close_initiator="client",
       final_state={"client": "TIME_WAIT", "server": "CLOSED"})
cli.close(); eof(conn); time.sleep(0.2); conn.close()

# The server closes at once, the client as soon as it reads EOF: its FIN
# carries the ACK of the server's, three waves.
cli, conn = connect()
expect(cli, handshake="three-way", close="three-way", close_initiator="server",
       final_state={"client": "CLOSED", "server": "TIME_WAIT"})
conn.close(); eof(cli); cli.close()

# The client aborts (SO_LINGER 0): a reset.
cli, conn = connect()
expect(cli, handshake="three-way", close="reset", close_initiator="client",
       final_state={"client": "CLOSED", "server": "CLOSED"})
cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
cli.close(); time.sleep(0.1); conn.close()

# Nothing listens on PORT+1: refused.
cli = socket.socket()
assert cli.connect_ex(("127.0.0.1", port + 1)) == 111
expect(cli, handshake="refused", close="none", close_initiator=None,
       final_state={"client": "CLOSED", "server": "CLOSED"})
cli.close()

# Left open: reported as open, with its states, when the monitor stops.
cli, conn = connect()
expect(cli, handshake="three-way", close="open", close_initiator=None,
       final_state={"client": "ESTABLISHED", "server": "ESTABLISHED"}, end_reason="capture_end")

with open(ready, "w") as f:
    for e in expected:
        f.write(json.dumps(e) + "\n")
time.sleep(60)
