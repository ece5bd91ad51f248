// The command line: every option, its default, its help text, and the
// checks that need more than one option to decide.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "apps/live_options.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

struct Options {
    std::vector<std::string> files;
    std::vector<std::string> read_files;  // -r FILE, as tcpdump; then the positionals are a filter
    int numeric = 0;                      // -n / -nn: tcpdump's habit, accepted (numbers are always shown)
    bool text = false;  // --text: the inputs are tcpdump text output
    bool follow = false;  // --follow: keep reading the file as it grows (tail -f)
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
    bool zeek = false;
    bool brief = false;
    std::string summary_json;  // --summary-json FILE ('-': stderr)
    std::size_t width = 0;  // --width: columns the ladder fits (0: COLUMNS, the terminal's)
    std::vector<std::uint64_t> ids;
    std::string expect;
    bool update_expect = false;
    bool expect_all = false;
    std::string fail_on;
    std::string interface;
    bool list_interfaces = false;
    double duration = 0;
    LiveSettings live;
    std::size_t max_unparked = tfe::FlowTableConfig{}.max_unparked;
    std::size_t max_connections = tfe::FlowTableConfig{}.max_connections;
    unsigned threads = 1;  // --threads: 0 = the CPUs this process may use
    std::string shard;     // --shard K/N, or empty
};

// Every option, bound to `o`.
void add_options(CLI::App& app, Options& o);

// tcpdump's habits, once parsed: -r's files are the inputs and the
// positionals, if any, a filter expression ("-r f.pcap tcp port 80").
void apply_tcpdump_habits(Options& o);

// What is wrong with a combination of options ("--update-expect needs
// --expect FILE"), or empty.
std::string misuse(const Options& o);

}  // namespace tfe::app
