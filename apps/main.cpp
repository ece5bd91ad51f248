// tcpflow-explain: explains every TCP connection in captures or on a live
// interface — how it opened, how it closed, and each endpoint's RFC 9293
// state after every segment.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <fstream>

#include "analyzer/checks.hpp"
#include "analyzer/expectations.hpp"
#include "apps/exit_codes.hpp"
#include "apps/flood_notes.hpp"
#include "apps/input_notes.hpp"
#include "apps/interrupt.hpp"
#include "apps/live.hpp"
#include "apps/options.hpp"
#include "apps/report_sink.hpp"
#include "apps/summary_file.hpp"
#include "apps/stream_clock.hpp"
#include "capture/pcap_source.hpp"
#include "capture/peeked_stream.hpp"
#include "capture/tcpdump_text.hpp"
#include "core/flow_table.hpp"
#include "pipeline/pipeline.hpp"

namespace tfe::app {
namespace {

std::string build_filter(const Options& o) {
    std::string f = o.filter;
    if (o.port > 0) {
        const std::string p = "tcp port " + std::to_string(o.port);
        f = f.empty() ? p : "(" + f + ") and " + p;
    }
    return f;
}

void setup_logging(const Options& o) {
    auto logger = spdlog::stderr_color_mt("tcpflow-explain");
    logger->set_pattern("tcpflow-explain: %^%l%$: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(o.quiet ? spdlog::level::err : o.verbose ? spdlog::level::debug : spdlog::level::warn);
}

void report_file(const capture::FileReport& r, ReportSink& sink) {
    for (const InputNote& n : input_notes(r)) {
        switch (n.level) {
            case InputNote::info:
            case InputNote::report: spdlog::info("{}", n.text); break;
            case InputNote::warning: spdlog::warn("{}", n.text); break;
            case InputNote::error: spdlog::error("{}", n.text); break;
        }
        if (n.level != InputNote::info) sink.add_input_note(n.text);
    }
}

// --color auto: a terminal that can show it (not TERM=dumb), unless the
// user asked for none (NO_COLOR, https://no-color.org).
bool colour_wanted(const std::string& mode) {
    if (mode != "auto") return mode == "always";
    const char* term = std::getenv("TERM");
    const char* no_color = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) && !(term && std::string_view(term) == "dumb") && !(no_color && *no_color);
}

// The ladder's width: --width, else COLUMNS (as ls takes it), else the
// terminal's; 80 at least. 0 (the natural layout) when none is known.
std::size_t ladder_width(std::size_t asked) {
    std::size_t w = asked;
    const char* env = std::getenv("COLUMNS");
    if (w == 0 && env != nullptr) w = std::strtoul(env, nullptr, 10);
    winsize ws{};
    if (w == 0 && ::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) w = ws.ws_col;
    return w == 0 ? 0 : std::max<std::size_t>(w, 80);
}

// Standard input, a FIFO, a process substitution: read once, and likely
// a live capture piped in.
bool is_stream(const std::string& f) {
    struct stat st{};
    return f == "-" || (stat(f.c_str(), &st) == 0 && !S_ISREG(st.st_mode));
}

ReportOptions report_options(const Options& o) {
    ReportOptions ro;
    ro.format = o.format == "json"      ? Format::json
                : o.format == "html"    ? Format::html
                : o.format == "svg"     ? Format::svg
                : o.format == "mermaid" ? Format::mermaid
                                        : Format::text;
    ro.text.numbers.absolute = o.absolute;
    ro.text.color = colour_wanted(o.color);
    ro.text.width = ladder_width(o.width);
    ro.text.all_segments = o.all_segments;
    ro.text.msl = static_cast<TimeNs>(o.msl * 1e9);
    ro.brief = o.brief;
    ro.only_ids = o.ids;
    ro.keep_json = ro.quiet_report = !o.expect.empty();
    ro.zeek = o.zeek;
    // A followed file or a stream is likely a capture still being made.
    ro.flush_each = o.follow || std::any_of(o.files.begin(), o.files.end(), is_stream);
    // Files: reports in the order of first packets, so head and diff behave;
    // live and piped reports go out as each connection ends.
    if (o.interface.empty() && !ro.flush_each) ro.order_window = kOrderWindow;
    if (o.live.table) ro.quiet_report = true;  // the view takes stdout
    return ro;
}

// The text reader knows no BPF: a filter is an error rather than ignored.
void no_filter_on_text(const std::string& path, const capture::ReadOptions& ropt) {
    if (!ropt.bpf_filter.empty())
        throw capture::CaptureError(path + ": tcpdump text cannot be filtered (--filter, --port): filter the "
                                    "text instead, or read the capture");
}

// One input, a capture or tcpdump's text: asked for with --text, or
// recognised by its first bytes. A stream (standard input, a FIFO, a
// process substitution) is opened once: its first bytes are peeked at,
// then handed back to whichever reader takes it. `replaced`: a followed
// file's reading ended because its name holds a new file.
capture::FileReport read_input(const Options& o, const std::string& path, capture::ReadOptions ropt,
                               std::uint64_t& frames, capture::SegmentSink& sink, capture::Replacement& replaced) {
    const int stream_fd = path == "-"   ? STDIN_FILENO
                          : o.follow ? capture::open_to_follow(path)
                                     : capture::open_if_stream(path);
    if (stream_fd < 0 && (o.text || capture::file_looks_like_text(path))) {
        no_filter_on_text(path, ropt);
        return capture::read_tcpdump_text_file(path, ropt.verify_checksums, frames, sink, ropt.frame_limit);
    }
    if (stream_fd < 0) return capture::read_capture_file(path, ropt, frames, sink);
    capture::PeekedStream in(stream_fd, ropt.stop, o.follow);
    const capture::StreamWaits waits{ropt.stop, ropt.on_quiet, std::chrono::milliseconds{1000}, o.follow,
                                     o.follow ? path : std::string{}, &replaced, ropt.on_idle};
    if (o.text || capture::looks_like_text(in.head())) {
        no_filter_on_text(path, ropt);
        return capture::read_tcpdump_text_stream(in.release(waits), path, ropt.verify_checksums, frames, sink,
                                                 ropt.frame_limit);
    }
    ropt.stream = in.release(waits);
    return capture::read_capture_file(path, ropt, frames, sink);
}

// -c N: the reading stopped there, as tcpdump's does; connections still
// open then are reported as they stood.
void note_count_reached(const Options& o, std::uint64_t last_frame, ReportSink& sink) {
    std::string note = fmt::format("-c {} reached at frame {}: the reading stopped there", o.live.count, last_frame);
    spdlog::info("{}", note);
    sink.add_input_note(std::move(note));
    sink.set_input_end(fmt::format("-c {} stopped the reading", o.live.count));
}

// --follow, as tail -F: the file's name holds a new capture (tcpdump
// started again over it, or a rotation): it is read from its start, into
// the same run (frames numbered on).
void note_replaced(const std::string& path, capture::Replacement how, std::uint64_t frames, ReportSink& sink) {
    std::string note = fmt::format("{} {} after frame {}: reading the new file from its start", path,
                                   how == capture::Replacement::truncated ? "was truncated" : "now names another file",
                                   frames);
    spdlog::info("{}", note);
    sink.add_input_note(std::move(note));
}

// Reads every file into the table; kUsage on a bad filter, kInputError if
// a file could not be read completely (the others are still read). A
// stream's quiet seconds go to `clock`'s table, and `on_idle` is told when
// a stream's read is about to wait (capture::ReadOptions).
template <class Clocked>
int read_files(const Options& o, ReportSink& sink, capture::SegmentSink& segments, StreamClock<Clocked>& clock,
               std::function<void()> on_idle = {}) {
    capture::ReadOptions ropt;
    ropt.on_quiet = [&clock](std::chrono::nanoseconds silent) { clock.on_quiet(silent); };
    ropt.on_idle = std::move(on_idle);
    ropt.bpf_filter = build_filter(o);
    ropt.verify_checksums = o.verify_checksums;
    ropt.interface_names = &sink.interface_names();
    ropt.stop = &reading_stopped();
    std::uint64_t frames = 0, delivered = 0;
    int status = kOk;
    std::vector<std::string> files = o.files;  // a followed file comes again once replaced
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string f = files[i];
        if (reading_stopped() || (o.live.count && delivered >= o.live.count)) break;
        ropt.frame_limit = o.live.count ? o.live.count - delivered : 0;
        capture::FileReport r;
        capture::Replacement replaced = capture::Replacement::none;
        try {
            r = read_input(o, f, ropt, frames, segments, replaced);
        } catch (const capture::CaptureError& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
        report_file(r, sink);
        delivered += r.frames_read;
        if (r.fatal_error || r.skipped_link_type) status = kInputError;
        if (replaced != capture::Replacement::none && !reading_stopped()) {
            note_replaced(f, replaced, frames, sink);
            files.push_back(f);
        }
    }
    if (o.live.count && delivered >= o.live.count) note_count_reached(o, frames, sink);
    if (reading_stopped()) {
        std::string note = fmt::format("reading stopped by signal {} after frame {}: what was read is reported",
                                       stopping_signal(), frames);
        spdlog::warn("{}", note);
        sink.add_input_note(std::move(note));
        sink.set_input_end(stopping_signal() == SIGTERM ? "SIGTERM stopped the reading" : "SIGINT stopped the reading");
    }
    return status;
}

// --update-expect: the file is replaced whole (written beside it, then
// renamed), never when the input had an error, so a CI file is never left
// empty or partial.
int update_expectations(const Options& o, const std::vector<analyzer::Expectation>& old, const ReportSink& sink,
                        int input_status) {
    if (input_status == kInputError) {
        spdlog::error("{}: not updated: the input could not be read completely", o.expect);
        return kInputError;
    }
    const auto lines = analyzer::updated_expectations(old, sink.kept(), o.expect_all);
    const std::string temp = o.expect + ".tmp";
    {
        std::ofstream out(temp);
        for (const auto& j : lines) out << j.dump() << '\n';
        if (!out.flush()) {
            spdlog::error("{}: cannot write", temp);
            std::remove(temp.c_str());
            return kUsage;
        }
    }
    if (std::rename(temp.c_str(), o.expect.c_str()) != 0) {
        spdlog::error("{}: cannot replace it with {}", o.expect, temp);
        return kUsage;
    }
    std::fprintf(stderr, "tcpflow-explain: wrote %zu connection%s to %s%s\n", lines.size(),
                 lines.size() == 1 ? "" : "s", o.expect.c_str(),
                 old.empty() ? " (behaviour only: kinds, who closed first, final states)" : " (the fields it pinned)");
    return kOk;
}

// --expect once everything is reported.
int check_expectations(const Options& o, const std::vector<analyzer::Expectation>& expected,
                       const ReportSink& sink) {
    std::vector<nlohmann::ordered_json> pinned;
    for (const auto& e : expected) pinned.push_back(e.pinned);
    const auto diffs = analyzer::compare_expectations(pinned, sink.kept(), o.expect_all);
    if (diffs.empty()) {
        std::fprintf(stdout, "OK: %zu connection%s match %s\n", pinned.size(), pinned.size() == 1 ? "" : "s",
                     o.expect.c_str());
        return kOk;
    }
    std::fprintf(stdout, "%s", analyzer::format_differences(diffs).c_str());
    std::fprintf(stdout, "FAIL: %zu difference%s from %s\n", diffs.size(), diffs.size() == 1 ? "" : "s",
                 o.expect.c_str());
    return kCheckFailed;
}

// The --fail-on rules and the --expect file; kUsage when either is wrong.
int load_checks(const Options& o, ReportOptions& ro, std::vector<analyzer::Expectation>& expected) {
    try {
        ro.fail_rules = analyzer::FailRules::parse(o.fail_on);
    } catch (const std::invalid_argument& e) {
        spdlog::error("{}", e.what());
        return kUsage;
    }
    // --update-expect may create the file; an existing one is read either way.
    if (!o.expect.empty() && (!o.update_expect || std::ifstream(o.expect))) {
        try {
            expected = analyzer::load_expectations(o.expect);
            for (const auto& e : expected) ro.zeek = ro.zeek || e.pinned.contains("zeek");
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
    }
    return kOk;
}

FlowTableConfig table_config(const Options& o, const ReportOptions& ro) {
    FlowTableConfig fc;
    fc.tracker.msl = static_cast<TimeNs>(o.msl * 1e9);
    fc.tracker.linger = static_cast<TimeNs>(o.linger * 1e9);
    // The page's folded ladders unfold to every segment.
    fc.tracker.keep_segments = (o.all_segments && ro.format != Format::json) || ro.format == Format::html;
    fc.tracker.zeek_view = ro.zeek;
    const double idle = o.idle_timeout >= 0 ? o.idle_timeout : (o.interface.empty() ? 0 : 300);
    fc.idle_timeout = static_cast<TimeNs>(idle * 1e9);
    fc.max_unparked = o.max_unparked;
    fc.max_connections = o.max_connections;
    return fc;
}

// The live run's status; `opened` is false when the interface could not be
// captured on (nothing to report then).
int capture_live(const Options& o, FlowTable& table, ReportSink& sink, bool& opened) {
    capture::LiveOptions lo;
    lo.interface = o.interface;
    lo.bpf_filter = build_filter(o);
    lo.verify_checksums = o.verify_checksums;
    apply_live_settings(o.live, lo);
    try {
        return run_live(lo, {o.duration, o.live.count, o.live.stats_interval, o.live.table}, table, sink);
    } catch (const capture::InterfaceError& e) {
        spdlog::error("{}", e.what());
        opened = false;
        return kInputError;
    } catch (const capture::CaptureError& e) {
        spdlog::error("{}", e.what());
        return kUsage;
    }
}

// "connection #3", "connections #1, #4", "4 connections: #1, #4, #9, …".
std::string late_connection_words(const FlowTableStats& st) {
    const std::string ids = analyzer::id_list(st.late_connections);
    const std::uint64_t n = st.late_connection_count;
    if (n <= 1) return "connection " + ids;
    if (n <= SmallestIds::kCount) return "connections " + ids;
    return fmt::format("{} connections: {}, …", n, ids);
}

// Segments that came after their connection was reported: a note in the
// report, and on stderr too, as the file notes are, so a JSON run says it.
void note_late_segments(const FlowTableStats& st, double linger, ReportSink& sink) {
    if (!st.late_segments) return;
    std::string note = fmt::format(
        "{} arrived after {} connection had been reported (within 2×MSL of its close; {}); counted, not analysed",
        st.late_segments == 1 ? "1 segment" : fmt::format("{} segments", st.late_segments),
        st.late_segments == 1 ? "its" : "their", late_connection_words(st));
    // A FIN sent again means the final ACK, which the report shows
    // arriving, never reached its sender: worth saying in so many words.
    if (st.late_fins) {
        if (st.late_segments == 1) note += "; it is a FIN sent again";
        else if (st.late_fins == 1) note += "; one of them is a FIN sent again";
        else note += fmt::format("; {} of them are FINs sent again", st.late_fins);
        note += fmt::format(": the final ACK the report shows arriving did not reach {} (a longer --linger "
                            "than {} s keeps a closed connection open to such retransmissions)",
                            st.late_fins == 1 ? "its sender" : "their senders", linger);
    }
    // A late FIN as a warning (the report went out with a wrong ending),
    // other late segments (strays, a repeated last ACK) with -v.
    if (st.late_fins) spdlog::warn("{}", note);
    else spdlog::info("{}", note);
    sink.add_input_note(std::move(note));
}

// ICMP errors quoting a 4-tuple no open connection had (its segments not
// captured, or reported already): counted, so they do not vanish.
void note_unmatched_icmp(const FlowTableStats& st, ReportSink& sink) {
    if (!st.icmp_unmatched) return;
    std::string note = fmt::format("{} of {} ICMP error(s) quoted a TCP segment of no open connection; counted, "
                                   "not analysed", st.icmp_unmatched, st.icmp_errors);
    spdlog::info("{}", note);
    sink.add_input_note(std::move(note));
}

void log_totals(const FlowTableStats& st) {
    const auto ended = [&st](EndReason r) { return st.ended[static_cast<int>(r)]; };
    spdlog::info("{} segments, {} connections, at most {} open at once; ended: {} closed, {} in TIME_WAIT, "
                 "{} after TIME_WAIT, {} idle, {} by port reuse, {} at the end of the input; the table of reported "
                 "4-tuples held at most {} (expired ones included until a sweep drops them), {} late segments",
                 st.segments, st.connections, st.peak_open, ended(EndReason::closed), ended(EndReason::time_wait),
                 ended(EndReason::time_wait_expired), ended(EndReason::idle), ended(EndReason::superseded),
                 ended(EndReason::capture_end), st.peak_remembered, st.late_segments);
    if (st.parks)
        spdlog::info("{} times an open connection was parked (kept as bytes while no segment touched it), at most {} at "
                     "once in {:.1f} MiB; unparked {} times, for a segment or its report",
                     st.parks, st.peak_parked, static_cast<double>(st.peak_parked_bytes) / 1048576.0, st.unparks);
}

// The exit status once everything is reported: an input error outranks a
// failed check (the result is incomplete).
int settle(const Options& o, const std::vector<analyzer::Expectation>& expected, const ReportSink& sink, int status) {
    const auto worse = [&status](int s) { if (status == kOk) status = s; };
    if (!o.expect.empty() && o.update_expect) {
        const int s = update_expectations(o, expected, sink, status);
        if (s == kUsage) return s;
        worse(s);
    } else if (!o.expect.empty()) {
        worse(check_expectations(o, expected, sink));
    }
    if (!sink.violations().empty()) {
        for (const auto& v : sink.violations()) std::fprintf(stderr, "tcpflow-explain: --fail-on: %s\n", v.c_str());
        worse(kCheckFailed);
    }
    return status;
}

// The end of a run, however its connections were tracked: the notes, the
// summary, the checks.
int finish_run(const Options& o, const std::vector<analyzer::Expectation>& expected, ReportSink& sink,
               const FlowTableStats& stats, int status) {
    note_late_segments(stats, o.linger, sink);
    note_unmatched_icmp(stats, sink);
    sink.finish();
    note_floods(stats, o.max_connections, sink.summary());
    if (!o.summary_json.empty() && write_summary_json(o.summary_json, sink) == kUsage) return kUsage;
    log_totals(stats);
    if ((o.format == "svg" || o.format == "mermaid") && sink.reported() == 0) {
        spdlog::error("--id {}: no such connection in the input", o.ids.front());
        return status == kOk ? kUsage : status;
    }
    return settle(o, expected, sink, status);
}

// One flow table on this thread: live capture, --threads 1, and what only
// one table can do exactly. `muted`: so many reports were written already
// (a threaded run that reached --max-connections).
int run_single(const Options& o, ReportOptions ro, const std::vector<analyzer::Expectation>& expected,
               std::uint64_t muted) {
    ro.muted_reports = muted;
    ReportSink sink(ro, stdout);
    FlowTable table(table_config(o, ro), sink);
    sink.attach(&table);
    bool opened = true;
    int status;
    if (!o.interface.empty()) {
        status = capture_live(o, table, sink, opened);
    } else {
        stop_reading_on_signal();  // live mode has its own (Boost.Asio)
        StreamClock<FlowTable> clock(table);
        if (const auto shard = pipeline::parse_shard(o.shard)) {
            pipeline::ShardFilter only(*shard, table);
            status = read_files(o, sink, only, clock);
        } else {
            status = read_files(o, sink, sink, clock);
        }
    }
    if (status == kUsage || !opened) return status;
    table.flush();
    return finish_run(o, expected, sink, table.stats(), status);
}

// The multi-threaded run (pipeline/). Sets `written` and returns kCapped
// when one table would have reached --max-connections: so many reports are
// out, exactly as one table wrote them, and the rest needs one table.
constexpr int kCapped = -1;
int run_threaded(const Options& o, const ReportOptions& ro, const std::vector<analyzer::Expectation>& expected,
                 unsigned threads, std::uint64_t& written) {
    ReportSink sink(ro, stdout);
    pipeline::PipelineConfig pc;
    pc.threads = threads;
    pc.table = table_config(o, ro);
    pc.shard = pipeline::parse_shard(o.shard);
    pipeline::Pipeline workers(pc, sink);
    stop_reading_on_signal();
    StreamClock<pipeline::Pipeline> clock(workers);
    const int status = read_files(o, sink, workers, clock, [&workers] { workers.hand_over(); });
    workers.finish();
    if (status == kUsage) return status;
    if (workers.capped()) {
        sink.flush();
        written = sink.reported();  // the rest were waiting for their turn
        return kCapped;
    }
    return finish_run(o, expected, sink, workers.stats(), status);
}

unsigned cpus_available() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

// --threads (0: the CPUs available); 1 for what only one table can do
// exactly: live capture (for now) and idle expiry (its LRU order spans
// flows). A stream's quiet seconds reach every worker (Pipeline::advance).
unsigned worker_threads(const Options& o) {
    if (!o.interface.empty()) return 1;
    const unsigned asked = o.threads == 0 ? cpus_available() : o.threads;
    if (asked <= 1) return 1;
    if (o.idle_timeout > 0) {
        if (o.threads > 1) spdlog::info("--idle-timeout: one thread (idle expiry follows one table's LRU order)");
        return 1;
    }
    return std::min(asked, 64u);
}

int run(const Options& o) {
    ReportOptions ro = report_options(o);
    std::vector<analyzer::Expectation> expected;
    if (load_checks(o, ro, expected) != kOk) return kUsage;
    const unsigned threads = worker_threads(o);
    if (threads <= 1) return run_single(o, ro, expected, 0);
    std::uint64_t written = 0;
    const int status = run_threaded(o, ro, expected, threads, written);
    if (status != kCapped) return status;
    // One table would have made room for a new connection here; threads
    // cannot repeat its choice. Files (streams never get here) are read
    // again by one table, which writes on from where the threads stopped.
    spdlog::info("--max-connections {} reached after {} reports: reading again on one thread", o.max_connections,
                 written);
    return run_single(o, ro, expected, written);
}

}  // namespace
}  // namespace tfe::app

int main(int argc, char** argv) {
    using namespace tfe::app;
    Options o;
    CLI::App app{
        "tcpflow-explain: explains every TCP connection in a capture — how it opened, how it\n"
        "closed, and each endpoint's RFC 9293 state after every segment.\n\n"
        "  tcpflow-explain capture.pcap                 narrative + ladder per connection\n"
        "  tcpflow-explain --format json capture.pcap   JSON Lines, one object per connection\n"
        "  tcpflow-explain --port 443 a.pcap b.pcapng   like tcpdump's 'tcp port 443'\n"
        "  tcpflow-explain -i lo --port 8080            live, Ctrl-C to stop\n"
        "  tcpflow-explain --expect exp.jsonl cap.pcap  CI check against expectations\n"
        "  tcpdump -r cap.pcap | tcpflow-explain --text -   explain tcpdump's text output\n",
        "tcpflow-explain"};
    add_options(app, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Error& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kOk : kUsage;
    }
    apply_tcpdump_habits(o);
    setup_logging(o);
    if (o.list_interfaces) {
        try {
            for (const auto& i : tfe::capture::list_interfaces()) std::printf("%s\n", i.c_str());
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
        return kOk;
    }
    if (o.files.empty() && o.interface.empty()) {
        std::fprintf(stderr,
                     "tcpflow-explain: no capture file given\n"
                     "usage: tcpflow-explain [options] FILE...       (pcap, pcapng, tcpdump text; '-' = standard input)\n"
                     "       tcpflow-explain [options] -r FILE [FILTER EXPRESSION]\n"
                     "       tcpflow-explain [options] -i IFACE [--port N]\n"
                     "tcpflow-explain --help lists every option\n");
        return kUsage;
    }
    if (const std::string wrong = misuse(o); !wrong.empty()) {
        spdlog::error("{}", wrong);
        return kUsage;
    }
    return run(o);
}
