#include "apps/options.hpp"

#include "pipeline/flow_shard.hpp"

namespace tfe::app {

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  success (and every --expect / --fail-on check passed)\n"
    "  1  check failed: --expect found differences or a --fail-on rule matched\n"
    "  2  usage error: bad option, BPF filter or expectation file\n"
    "  3  input error: a capture could not be read completely (what was read\n"
    "     before the fault is still reported), or the interface cannot be captured on\n";

// Times become 64-bit nanoseconds: a bound keeps the conversion defined
// (and 10^6 s, eleven days, is beyond any timer a capture could show).
constexpr double kMaxSeconds = 1e6;

// The input: files, what to take from them, diagnostics.
void add_input_options(CLI::App& app, Options& o) {
    app.footer(kExitCodes);
    app.add_option("files", o.files,
                   "Capture files (pcap, pcapng; '-' = standard input), or tcpdump's text output (recognised "
                   "when a file is plainly text)");
    app.add_option("-r", o.read_files, "Read this capture file, as tcpdump -r does (repeatable); the words after "
                                       "the options are then a filter expression, as tcpdump takes it")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("-n", o.numeric, "Accepted for tcpdump's habit (-n, -nn): addresses and ports are always numbers");
    app.add_flag("--text", o.text,
                 "The inputs are tcpdump's text output (as pasted into a ticket), standard input included");
    app.add_flag("--follow", o.follow,
                 "Keep reading the capture file as it grows (tcpdump -w still writing it), as tail -F does "
                 "(truncated or rotated, it is read anew): connections are reported as they end, expire on "
                 "wall-clock time while it is quiet, and "
                 "Ctrl-C (or -c N) ends the reading with the summary");
    app.add_option("-f,--format", o.format,
                   "Output: text (default), json (JSON Lines), html (one self-contained page), or one "
                   "connection's ladder as svg or mermaid (with --id N)")
        ->check(CLI::IsMember({"text", "json", "html", "svg", "mermaid"}));
    app.add_option("--filter", o.filter, "BPF filter expression, as in tcpdump (e.g. 'host 10.0.0.1')")
        ->option_text("EXPR");
    app.add_option("-p,--port", o.port, "Only connections on this TCP port (adds 'tcp port N' to the filter)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", o.verbose, "More diagnostics on stderr");
    app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
    app.add_flag("--verify-checksums", o.verify_checksums,
                 "Check TCP checksums and flag bad ones (off by default: offload makes locally sent segments look bad)");
}

// Using more CPUs, or machines: threads over flows, shards of flows.
void add_parallel_options(CLI::App& app, Options& o) {
    app.add_option("--threads", o.threads,
                   "Worker threads for files, standard input, pipes and --follow, each with the flows its hash "
                   "names; the output is "
                   "the same as with 1, the single-threaded path (default 1: on two cores, 2 is not yet faster; 0: "
                   "the CPUs available). --idle-timeout and live capture run on 1")
        ->check(CLI::Range(0u, 64u));
    app.add_option("--shard", o.shard,
                   "Analyse only shard K (0-based) of N: the connections whose 4-tuple's hash, with a fixed key, "
                   "falls in it. N processes (or machines) with K = 0..N-1 cover the capture; their JSON Lines, "
                   "merged, are the unsharded run's (see README)")
        ->option_text("K/N");
}

// How the core tracks connections: timers and memory.
void add_tracking_options(CLI::App& app, Options& o) {
    app.add_option("--msl", o.msl, "Maximum segment lifetime in seconds; TIME_WAIT lasts 2*MSL (default 30, as Linux)")
        ->check(CLI::Range(0.001, kMaxSeconds));
    app.add_option("--linger", o.linger,
                   "Seconds a closed connection waits for retransmissions (a FIN whose last ACK was lost) "
                   "before it is reported (default 2)")
        ->check(CLI::Range(0.0, kMaxSeconds));
    app.add_option("--idle-timeout", o.idle_timeout,
                   "Report a connection after this many seconds without a segment (default: never for files, 300 live)")
        ->check(CLI::Range(0.0, kMaxSeconds));
    app.add_option("--max-unparked", o.max_unparked,
                   "Open connections kept in full; beyond that, those without a segment lately are parked (kept "
                   "as about 200 bytes) until their next segment (default 16384, about 11 MiB; 0 parks every one "
                   "after each segment). Changes memory and speed, never the report")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 31));
    app.add_option("--max-connections", o.max_connections,
                   "Most connections open at once, parked ones included (default 500000: a flood's peak memory "
                   "stays near 150 MiB). When full, the oldest half-open connections (SYN or SYN+ACK unanswered), "
                   "then the oldest idle ones, are reported with end_reason evicted. 0: no cap")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 31));
    add_parallel_options(app, o);
}

// What the report shows and how.
void add_output_options(CLI::App& app, Options& o) {
    app.add_flag("-S,--absolute-seq", o.absolute, "Absolute sequence numbers (default: relative, the SYN is 0)");
    app.add_option("--color", o.color, "Colour: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.add_option("--width", o.width,
                   "Text: columns the ladder fits, 80 at least (default: COLUMNS, else the terminal's width; "
                   "files and pipes get the natural layout of about 90)")
        ->check(CLI::Range(80, 1000));
    app.add_flag("-b,--brief", o.brief, "Text: one line per connection (then the summary)");
    app.add_option("--summary-json", o.summary_json,
                   "Also write the run summary (counts, pile-ups per peer, input notes) as one JSON object to FILE "
                   "('-': stderr); stdout keeps one object per connection")
        ->option_text("FILE");
    app.add_option("--id", o.ids, "Report only these connections (ids from a first run), e.g. --id 3,17")
        ->delimiter(',')->allow_extra_args(false);
    app.add_flag("--zeek", o.zeek,
                 "JSON: add what Zeek's conn.log would say of each connection (conn_state, history), to join with "
                 "Zeek's logs (about 10% slower)");
    app.add_flag("--all-segments", o.all_segments, "Ladder diagrams draw every segment, data included (keeps them in memory: use with --filter on big captures)");
}

// CI checks: expectations and --fail-on rules.
void add_check_options(CLI::App& app, Options& o) {
    app.add_option("--expect", o.expect, "Compare with expectations (JSON Lines; fields left out are not checked)")
        ->option_text("FILE");
    app.add_flag("--update-expect", o.update_expect,
                 "Rewrite the --expect file from this capture: each line keeps the fields it pins; a new file pins "
                 "behaviour only (kinds, who closed first, final states). Not done when the input had an error");
    app.add_flag("--expect-all", o.expect_all,
                 "With --expect: a connection the file does not list is a difference (with --update-expect: it is "
                 "added)");
    app.add_option("--fail-on", o.fail_on,
                   "Exit 1 if a connection matches, e.g. reset,refused,unanswered,half-closed,CLOSE_WAIT")
        ->option_text("RULES");
}

// Live capture.
void add_live_source_options(CLI::App& app, Options& o) {
    app.add_option("-i,--interface", o.interface, "Capture live on this interface (needs root or CAP_NET_RAW)")
        ->option_text("IFACE");
    app.add_flag("-D,--list-interfaces", o.list_interfaces, "List interfaces for -i and exit");
    app.add_option("--duration", o.duration, "Live: stop after this many seconds (default: until Ctrl-C)")
        ->check(CLI::Range(0.0, 1e9));  // milliseconds in a long: defined, and over thirty years
    add_live_options(app, o.live);
}


// What --help writes after an option: "N", "SECONDS", "text|json" rather
// than the parser's "UINT:INT in [1 - 65535]".
std::string argument_name(const CLI::Option& opt) {
    const std::string type = opt.get_type_name();
    const std::size_t set = type.find(":{");
    if (set != std::string::npos) {
        std::string values = type.substr(set + 2, type.find('}', set) - set - 2);
        for (char& ch : values)
            if (ch == ',') ch = '|';
        return values;
    }
    const std::string desc = opt.get_description();
    if (type.rfind("FLOAT", 0) == 0 || desc.find("second") != std::string::npos) return "SECONDS";
    if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) return "N";
    if (desc.find("file") != std::string::npos || desc.find("File") != std::string::npos) return "FILE";
    return "VALUE";
}

void name_arguments(CLI::App& app) {
    for (CLI::Option* opt : app.get_options()) {
        if (opt->get_items_expected_max() == 0 || !opt->get_option_text().empty()) continue;  // flags
        std::string name = argument_name(*opt);
        if (opt->get_expected_max() > 1) name += " ...";
        opt->option_text(name);
    }
}

}  // namespace

void add_options(CLI::App& app, Options& o) {
    add_input_options(app, o);
    add_tracking_options(app, o);
    add_output_options(app, o);
    add_check_options(app, o);
    add_live_source_options(app, o);
    app.set_version_flag("--version", std::string("tcpflow-explain " TFE_VERSION));
    name_arguments(app);
}

void apply_tcpdump_habits(Options& o) {
    if (o.read_files.empty()) return;
    std::string expression;
    for (const std::string& word : o.files) expression += (expression.empty() ? "" : " ") + word;
    if (!expression.empty()) o.filter = o.filter.empty() ? expression : "(" + o.filter + ") and (" + expression + ")";
    o.files = o.read_files;
}

std::string misuse(const Options& o) {
    if (std::string live = live_misuse(o.live, !o.interface.empty(), !o.files.empty()); !live.empty()) return live;
    if (o.update_expect && o.expect.empty()) return "--update-expect needs --expect FILE";
    if (o.text && !o.interface.empty()) return "--text reads files, not an interface (-i)";
    if (o.follow && !o.interface.empty()) return "--follow reads a file as it grows, not an interface (-i)";
    if (o.follow && o.files.size() != 1) return "--follow reads one file as it grows: give exactly one";
    if (!o.shard.empty() && !pipeline::parse_shard(o.shard))
        return "--shard " + o.shard + ": give K/N with 0 <= K < N (e.g. --shard 0/4)";
    if ((o.format == "svg" || o.format == "mermaid") && o.ids.size() != 1)
        return "--format " + o.format + " draws one connection: give its --id N";
    return {};
}

}  // namespace tfe::app
