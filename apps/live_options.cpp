#include "apps/live_options.hpp"

namespace tfe::app {

void add_live_options(CLI::App& app, LiveSettings& s) {
    app.add_option("-w,--write", s.save_file,
                   "Live: also save every captured frame to this pcap file (flushed as it goes), to explain again "
                   "offline");
    app.add_option("-c,--count", s.count,
                   "Stop after this many frames (those the filter passes), as tcpdump -c: live, or reading files")
        ->check(CLI::PositiveNumber);
    app.add_option("--stats-interval", s.stats_interval,
                   "Live: a status line on stderr every this many seconds (frames, bytes, open connections by "
                   "state, reported and evicted connections, drops); the same figures at exit")
        ->check(CLI::Range(0.1, 86400.0));
    app.add_option("--snaplen", s.snaplen, "Live: bytes captured of each frame (default 262144)")
        ->check(CLI::Range(96, 262144));
    app.add_option("--buffer-size", s.buffer_mib,
                   "Live: kernel capture buffer in MiB (default 64; frames are dropped when it fills)")
        ->check(CLI::Range(1, 4095));
    app.add_flag("--immediate", s.immediate,
                 "Live: hand each frame over as it comes (libpcap's immediate mode) rather than in blocks every "
                 "50 ms at most; under load the kernel then drops frames");
    app.add_flag("--table", s.table,
                 "Live: a view of the open connections redrawn each second (both states, age, idle, bytes each "
                 "way, last event; pile-ups of CLOSE_WAIT, TIME_WAIT, FIN_WAIT_2, SYN_RECEIVED) instead of the "
                 "per-connection report; plain snapshots when not on a terminal");
}

std::string live_misuse(const LiveSettings& s, bool live, bool files) {
    if (live && files) return "-i captures live and reads no file: give either -i IFACE or capture files";
    if (live) return {};
    if (!s.save_file.empty()) return "-w saves a live capture: it needs -i IFACE";
    if (s.stats_interval > 0) return "--stats-interval reports on a live capture: it needs -i IFACE";
    if (s.table) return "--table shows a live capture: it needs -i IFACE";
    if (s.immediate) return "--immediate is how live frames are handed over: it needs -i IFACE";
    return {};
}

void apply_live_settings(const LiveSettings& s, capture::LiveOptions& opts) {
    opts.save_file = s.save_file;
    opts.snaplen = s.snaplen;
    opts.buffer_bytes = s.buffer_mib << 20;
    opts.immediate = s.immediate;
}

}  // namespace tfe::app
