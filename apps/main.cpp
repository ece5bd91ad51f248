// tcpflow-explain: explains every TCP connection in captures or on a live
// interface — how it opened, how it closed, and each endpoint's RFC 9293
// state after every segment.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "analyzer/checks.hpp"
#include "analyzer/expectations.hpp"
#include "apps/exit_codes.hpp"
#include "apps/input_notes.hpp"
#include "apps/live.hpp"
#include "apps/report_sink.hpp"
#include "capture/pcap_source.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {
namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  success (and every --expect / --fail-on check passed)\n"
    "  1  check failed: --expect found differences or a --fail-on rule matched\n"
    "  2  usage error: bad option, BPF filter or expectation file\n"
    "  3  input error: a capture could not be read completely (what was read\n"
    "     before the fault is still reported), or the interface cannot be captured on\n";

struct Options {
    std::vector<std::string> files;
    std::string format = "text";
    std::string filter;
    int port = 0;
    bool verbose = false, quiet = false;
    bool verify_checksums = false;
    double msl = 30;
    double linger = 2;
    double idle_timeout = -1;
    bool absolute = false;
    std::string color = "auto";
    bool all_segments = false;
    bool brief = false;
    std::vector<std::uint64_t> ids;
    std::string expect;
    bool update_expect = false;
    bool expect_all = false;
    std::string fail_on;
    std::string interface;
    bool list_interfaces = false;
    double duration = 0;
    LiveSettings live;
    std::size_t unpacked = tfe::FlowTableConfig{}.max_unparked;
};

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
            case InputNote::info: spdlog::info("{}", n.text); break;
            case InputNote::warning: spdlog::warn("{}", n.text); break;
            case InputNote::error: spdlog::error("{}", n.text); break;
        }
        if (n.level != InputNote::info) sink.add_input_note(n.text);
    }
}

ReportOptions report_options(const Options& o) {
    ReportOptions ro;
    ro.format = o.format == "json" ? Format::json : Format::text;
    ro.text.numbers.absolute = o.absolute;
    ro.text.color = o.color == "always" || (o.color == "auto" && ::isatty(STDOUT_FILENO));
    ro.text.all_segments = o.all_segments;
    ro.text.msl = static_cast<TimeNs>(o.msl * 1e9);
    ro.brief = o.brief;
    ro.only_ids = o.ids;
    ro.keep_json = ro.quiet_report = !o.expect.empty();
    return ro;
}

// Reads every file into the table; kUsage on a bad filter, kInputError if
// a file could not be read completely (the others are still read).
int read_files(const Options& o, ReportSink& sink) {
    capture::ReadOptions ropt;
    ropt.bpf_filter = build_filter(o);
    ropt.verify_checksums = o.verify_checksums;
    std::uint64_t frames = 0;
    int status = kOk;
    for (const std::string& f : o.files) {
        capture::FileReport r;
        try {
            r = capture::read_capture_file(f, ropt, frames, sink);
        } catch (const capture::CaptureError& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
        report_file(r, sink);
        if (r.fatal_error || r.skipped_link_type) status = kInputError;
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

int run(const Options& o) {
    ReportOptions ro = report_options(o);
    try {
        ro.fail_rules = analyzer::FailRules::parse(o.fail_on);
    } catch (const std::invalid_argument& e) {
        spdlog::error("{}", e.what());
        return kUsage;
    }
    const bool checking = !o.expect.empty();
    std::vector<analyzer::Expectation> expected;
    // --update-expect may create the file; an existing one is read either way.
    if (checking && (!o.update_expect || std::ifstream(o.expect))) {
        try {
            expected = analyzer::load_expectations(o.expect);
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
    }

    FlowTableConfig fc;
    fc.tracker.msl = static_cast<TimeNs>(o.msl * 1e9);
    fc.tracker.linger = static_cast<TimeNs>(o.linger * 1e9);
    fc.tracker.keep_segments = o.all_segments && ro.format == Format::text;
    const bool live = !o.interface.empty();
    const double idle = o.idle_timeout >= 0 ? o.idle_timeout : (live ? 300 : 0);
    fc.idle_timeout = static_cast<TimeNs>(idle * 1e9);
    fc.max_unparked = o.unpacked;
    ReportSink sink(ro, stdout);
    FlowTable table(fc, sink);
    sink.attach(&table);

    int status = kOk;
    if (live) {
        capture::LiveOptions lo;
        lo.interface = o.interface;
        lo.bpf_filter = build_filter(o);
        lo.verify_checksums = o.verify_checksums;
        apply_live_settings(o.live, lo);
        try {
            status = run_live(lo, {o.duration, o.live.count, o.live.stats_interval}, table, sink);
        } catch (const capture::InterfaceError& e) {
            spdlog::error("{}", e.what());
            return kInputError;
        } catch (const capture::CaptureError& e) {
            spdlog::error("{}", e.what());
            return kUsage;
        }
    } else {
        status = read_files(o, sink);
        if (status == kUsage) return status;
    }
    table.flush();
    const FlowTableStats& st = table.stats();
    if (st.late_segments) {
        std::string note = fmt::format(
            "{} arrived after {} connection had been reported (within 2×MSL of its close); counted, not analysed",
            st.late_segments == 1 ? "1 segment" : fmt::format("{} segments", st.late_segments),
            st.late_segments == 1 ? "its" : "their");
        // A FIN sent again means the final ACK, which the report shows
        // arriving, never reached its sender: worth saying in so many words.
        if (st.late_fins) {
            if (st.late_segments == 1) note += "; it is a FIN sent again";
            else if (st.late_fins == 1) note += "; one of them is a FIN sent again";
            else note += fmt::format("; {} of them are FINs sent again", st.late_fins);
            note += fmt::format(": the final ACK the report shows arriving did not reach {} (a longer --linger "
                                "than {} s keeps a closed connection open to such retransmissions)",
                                st.late_fins == 1 ? "its sender" : "their senders", o.linger);
        }
        // On stderr too, as the file notes are, so a JSON run says it: a
        // late FIN as a warning (the report went out with a wrong ending),
        // other late segments (strays, a repeated last ACK) with -v.
        if (st.late_fins) spdlog::warn("{}", note);
        else spdlog::info("{}", note);
        sink.add_input_note(std::move(note));
    }
    sink.finish();
    const auto ended = [&st](EndReason r) { return st.ended[static_cast<int>(r)]; };
    spdlog::info("{} segments, {} connections, at most {} open at once; ended: {} closed, {} in TIME_WAIT, "
                 "{} after TIME_WAIT, {} idle, {} by port reuse, {} at the end of the input; the table of reported "
                 "4-tuples held at most {} (expired ones included until a sweep drops them), {} late segments",
                 st.segments, st.connections, st.peak_open, ended(EndReason::closed), ended(EndReason::time_wait),
                 ended(EndReason::time_wait_expired), ended(EndReason::idle), ended(EndReason::superseded),
                 ended(EndReason::capture_end), st.peak_remembered, st.late_segments);
    if (st.parks)
        spdlog::info("{} times an open connection was parked (packed while no segment touched it), at most {} at "
                     "once in {:.1f} MiB; unpacked {} times, for a segment or its report",
                     st.parks, st.peak_parked, static_cast<double>(st.peak_parked_bytes) / 1048576.0, st.unparks);

    // An input error outranks a failed check: the result is incomplete.
    const auto worse = [&status](int s) { if (status == kOk) status = s; };
    if (checking && o.update_expect) {
        const int s = update_expectations(o, expected, sink, status);
        if (s == kUsage) return s;
        worse(s);
    } else if (checking) {
        worse(check_expectations(o, expected, sink));
    }
    if (!sink.violations().empty()) {
        for (const auto& v : sink.violations()) std::fprintf(stderr, "tcpflow-explain: --fail-on: %s\n", v.c_str());
        worse(kCheckFailed);
    }
    return status;
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
        "  tcpflow-explain --expect exp.jsonl cap.pcap  CI check against expectations\n",
        "tcpflow-explain"};
    app.footer(kExitCodes);
    app.add_option("files", o.files, "Capture files (pcap, pcapng; '-' = standard input)");
    app.add_option("-f,--format", o.format, "Output: text (default) or json (JSON Lines)")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--filter", o.filter, "BPF filter expression, as in tcpdump (e.g. 'host 10.0.0.1')");
    app.add_option("-p,--port", o.port, "Only connections on this TCP port (adds 'tcp port N' to the filter)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", o.verbose, "More diagnostics on stderr");
    app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
    app.add_flag("--verify-checksums", o.verify_checksums,
                 "Check TCP checksums and flag bad ones (off by default: offload makes locally sent segments look bad)");
    // Times become 64-bit nanoseconds: a bound keeps the conversion defined
    // (and 10^6 s, eleven days, is beyond any timer a capture could show).
    constexpr double kMaxSeconds = 1e6;
    app.add_option("--msl", o.msl, "Maximum segment lifetime in seconds; TIME_WAIT lasts 2*MSL (default 30, as Linux)")
        ->check(CLI::Range(0.001, kMaxSeconds));
    app.add_option("--linger", o.linger,
                   "Seconds a closed connection waits for retransmissions (a FIN whose last ACK was lost) "
                   "before it is reported (default 2)")
        ->check(CLI::Range(0.0, kMaxSeconds));
    app.add_option("--idle-timeout", o.idle_timeout,
                   "Report a connection after this many seconds without a segment (default: never for files, 300 live)")
        ->check(CLI::Range(0.0, kMaxSeconds));
    app.add_option("--unpacked-connections", o.unpacked,
                   "Open connections kept unpacked; beyond that, those without a segment lately are packed to "
                   "about 200 bytes until their next segment (default 16384, about 11 MiB; 0 packs every one "
                   "after each segment). Changes memory and speed, never the report")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 31));
    app.add_flag("-S,--absolute-seq", o.absolute, "Absolute sequence numbers (default: relative, the SYN is 0)");
    app.add_option("--color", o.color, "Colour: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.add_flag("-b,--brief", o.brief, "Text: one line per connection (then the summary)");
    app.add_option("--id", o.ids, "Report only these connections (ids from a first run), e.g. --id 3,17")
        ->delimiter(',')->allow_extra_args(false);
    app.add_flag("--all-segments", o.all_segments, "Ladder diagrams draw every segment, data included (keeps them in memory: use with --filter on big captures)");
    app.add_option("--expect", o.expect, "Compare with expectations (JSON Lines; fields left out are not checked)");
    app.add_flag("--update-expect", o.update_expect,
                 "Rewrite the --expect file from this capture: each line keeps the fields it pins; a new file pins "
                 "behaviour only (kinds, who closed first, final states). Not done when the input had an error");
    app.add_flag("--expect-all", o.expect_all,
                 "With --expect: a connection the file does not list is a difference (with --update-expect: it is "
                 "added)");
    app.add_option("--fail-on", o.fail_on,
                   "Exit 1 if a connection matches, e.g. reset,refused,unanswered,half-closed,CLOSE_WAIT");
    app.add_option("-i,--interface", o.interface, "Capture live on this interface (needs root or CAP_NET_RAW)");
    app.add_flag("--list-interfaces", o.list_interfaces, "List interfaces for -i and exit");
    app.add_option("--duration", o.duration, "Live: stop after this many seconds (default: until Ctrl-C)")
        ->check(CLI::Range(0.0, 1e9));  // milliseconds in a long: defined, and over thirty years
    add_live_options(app, o.live);
    app.set_version_flag("--version", std::string("tcpflow-explain " TFE_VERSION));
    try {
        app.parse(argc, argv);
    } catch (const CLI::Error& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kOk : kUsage;
    }
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
        std::fprintf(stderr, "tcpflow-explain: no capture file given (use '-' for standard input, -i for live)\n%s",
                     app.help().c_str());
        return kUsage;
    }
    if (const std::string misuse = live_misuse(o.live, !o.interface.empty(), !o.files.empty()); !misuse.empty()) {
        spdlog::error("{}", misuse);
        return kUsage;
    }
    if (o.update_expect && o.expect.empty()) {
        spdlog::error("--update-expect needs --expect FILE");
        return kUsage;
    }
    return run(o);
}
