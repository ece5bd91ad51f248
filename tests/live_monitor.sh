#!/usr/bin/env bash
# Live monitoring end to end: tcpflow-explain watches a loopback port on its
# Asio loop while a real client and server talk on it; the report must show
# the connection's handshake and close as the kernel did them. Root only
# (exit 77 = skipped otherwise).
#   live_monitor.sh TOOL
set -uo pipefail
tool=$1
port=45900
if [[ $(id -u) -ne 0 ]]; then
  echo "live_monitor: needs root; skipped"
  exit 77
fi
out=$(mktemp)
err=$(mktemp)
"$tool" -i lo --port "$port" --format json --duration 4 >"$out" 2>"$err" &
pid=$!
sleep 1.5
/usr/bin/python3 - "$port" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    c.recv(100)
    c.sendall(b"hello")
    c.recv(100)          # EOF: the client closed first
    time.sleep(0.2)
    c.close()
t = threading.Thread(target=serve)
t.start()
cl = socket.create_connection(("127.0.0.1", port))
cl.sendall(b"hi")
cl.recv(100)
cl.close()
t.join()
srv.close()
PY
wait "$pid"
status=$?
cat "$err"
cat "$out"
rc=0
[[ $status -eq 0 ]] || { echo "live_monitor: exit status $status"; rc=1; }
grep -q '"handshake":"three-way"' "$out" || { echo "live_monitor: no three-way handshake reported"; rc=1; }
grep -q '"close":"four-way","close_initiator":"client","final_state":{"client":"TIME_WAIT","server":"CLOSED"}' "$out" ||
  { echo "live_monitor: the four-way close (client first) was not reported"; rc=1; }
rm -f "$out" "$err"
exit $rc
