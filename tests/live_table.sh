#!/usr/bin/env bash
# --table in a real terminal (tmux): an open connection shows both
# endpoints' states, the row changes as its client closes (FIN_WAIT_1
# until a later client segment shows the server's ACK arrived: the core's
# states, as recorded), a pile-up line
# appears when the server leaves 20 connections in CLOSE_WAIT, and Ctrl-C
# gives the terminal back. Root and tmux only (exit 77 = skipped).
#   live_table.sh TOOL
set -uo pipefail
tool=$1
here=$(dirname "$0")
port=45920
if [[ $(id -u) -ne 0 ]] || ! command -v tmux >/dev/null; then
    echo "live_table: needs root and tmux; skipped"
    exit 77
fi
work=$(mktemp -d)
session=tfe-table-$$
driver=
trap 'tmux kill-session -t "$session" 2>/dev/null; [[ -n $driver ]] && kill "$driver" 2>/dev/null; rm -rf "$work"' EXIT
rc=0
fail() { echo "live_table: $*"; rc=1; }
screen() { tmux capture-pane -p -t "$session"; }
# Waits up to 10 s for a line of the screen to match.
see() {
    for _ in $(seq 50); do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.2
    done
    echo "live_table: the screen never showed /$1/:"
    screen
    return 1
}

tmux new-session -d -s "$session" -x 200 -y 50 "bash --norc --noprofile"
tmux send-keys -t "$session" "$tool -i lo --port $port --table 2>$work/err" Enter
see "tcpflow-explain --table" || fail "no view"
/usr/bin/python3 "$here/live_table_traffic.py" "$port" "$work" &
driver=$!
for _ in $(seq 50); do [[ -s $work/stage1 ]] && break; sleep 0.1; done
cport=$(cat "$work/stage1")
see "127.0.0.1:$cport +127.0.0.1:$port +ESTABLISHED +ESTABLISHED" || fail "the open connection is not shown ESTABLISHED on both sides"
touch "$work/go2"
see "127.0.0.1:$cport +127.0.0.1:$port +FIN_WAIT_[12] +CLOSE_WAIT" || fail "the row did not change as the client closed"
touch "$work/go3"
see "pile-up: 21 connections with 127.0.0.1:$port in CLOSE_WAIT" || fail "no pile-up line"
see "open 21: FIN_WAIT_[12]/CLOSE_WAIT 21" || fail "the header does not count the open connections by state"
tmux send-keys -t "$session" C-c
for _ in $(seq 50); do screen | grep -q "tcpflow-explain --table" || break; sleep 0.1; done
screen | grep -q "tcpflow-explain --table" && fail "the terminal was not given back after Ctrl-C"
cat "$work/err"
exit $rc
