// The checks every fuzz target that reaches connections runs on each one:
// its records are coherent (states change only along cells of the
// transition table, every transition has a cause), and the text, brief and
// JSON writers take it, the JSON parsing as one JSON object.
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "analyzer/json_report.hpp"
#include "analyzer/run_summary.hpp"
#include "analyzer/summary.hpp"
#include "analyzer/text_report.hpp"
#include "core/flow_table.hpp"
#include "fuzz/fuzz_target.hpp"

namespace tfe::fuzz {

// What a finding in check_records shows: the connection's transitions.
inline void print_transitions(const Connection& c) {
    for (const Transition& t : c.transitions())
        std::fprintf(stderr, "  %s %s -> %s on %s (%s) frame %llu cause %llu flags %02x\n",
                     side_name(t.endpoint).data(), state_name(t.from).data(), state_name(t.to).data(),
                     input_name(t.input).data(), delivery_name(t.delivery).data(),
                     static_cast<unsigned long long>(t.frame), static_cast<unsigned long long>(t.cause_frame),
                     t.flags.bits);
}

// Each endpoint's transitions chain from its initial state, each along a
// `move` cell of the table, each caused by a segment of this connection
// (or by the 2*MSL timer); the final state is where the last one left it.
inline void check_records(const Connection& c) {
    for (Side side : {Side::client, Side::server}) {
        State at = c.endpoint(side).initial_state;
        for (const Transition& t : c.transitions()) {
            if (t.endpoint != side) continue;
            if (t.from != at) print_transitions(c);
            TFE_FUZZ_CHECK(t.from == at);
            const Cell cell = transition(t.from, t.input);
            TFE_FUZZ_CHECK(cell.outcome == Outcome::move);
            TFE_FUZZ_CHECK(cell.next == t.to);
            const bool timer = t.delivery == Delivery::timer;
            TFE_FUZZ_CHECK(timer == (t.input == Input::timer_2msl));
            if (t.delivery == Delivery::icmp_error) {
                // The cause is an ICMP error: not one of the connection's TCP frames.
                TFE_FUZZ_CHECK(t.input == Input::rcv_icmp_error && t.frame == t.cause_frame);
            } else if (!timer) {
                TFE_FUZZ_CHECK(t.cause_frame >= c.first_frame() && t.cause_frame <= c.last_frame());
                TFE_FUZZ_CHECK(t.frame == 0 || t.frame >= t.cause_frame);
            }
            at = t.to;
        }
    }
}

// The connections one run reported, each written by every writer.
class CheckedReports final : public ConnectionSink {
public:
    explicit CheckedReports(bool all_segments) : all_segments_(all_segments) {}

    void on_connection(const Connection& c) override {
        TFE_FUZZ_CHECK(c.finished());
        TFE_FUZZ_CHECK(ids_.insert(c.id()).second);  // reported once
        check_records(c);
        const analyzer::Summary s = analyzer::summarize(c);
        fmt::memory_buffer json;
        analyzer::write_json(json, c, s, analyzer::NumberStyle{});
        const std::string line(json.data(), json.size());
        TFE_FUZZ_CHECK(!line.empty() && line.find('\n') == line.size() - 1);  // one JSON Line
        // accept() parses without building the document: the same verdict,
        // a third of the time per input.
        const bool valid = line.front() == '{' && nlohmann::json::accept(line);
        if (!valid) std::fprintf(stderr, "not JSON: %s", line.c_str());
        TFE_FUZZ_CHECK(valid);
        reports.push_back(line);

        analyzer::TextOptions text_options;
        text_options.all_segments = all_segments_;
        text_options.color = (c.id() & 1) != 0;
        text_options.numbers.absolute = (c.id() & 2) != 0;
        fmt::memory_buffer text;
        analyzer::write_text(text, c, s, text_options);
        analyzer::write_brief(text, c, s, text_options);
        summary.add(c, s);
    }

    std::vector<std::string> reports;  // JSON lines, in report order
    analyzer::RunSummary summary;

private:
    bool all_segments_;
    std::set<std::uint64_t> ids_;
};

// After flush: every connection the table opened was reported, none is left.
inline void check_all_reported(const FlowTable& table, const CheckedReports& reports) {
    TFE_FUZZ_CHECK(table.open_connections() == 0);
    TFE_FUZZ_CHECK(table.stats().connections == reports.reports.size());
    fmt::memory_buffer out;
    reports.summary.write(out, false);
}

// The flow table both pipeline targets run: fixed seed, every connection
// parked after each segment, every segment kept, a short MSL (so TIME_WAIT
// expiry is reached within a fuzz input's times).
inline FlowTableConfig pipeline_config() {
    FlowTableConfig config;
    config.hash_seed = 1;
    config.max_unparked = 1;
    config.tracker.keep_segments = true;
    config.tracker.zeek_view = true;  // Zeek's view is fed every segment too
    config.tracker.msl = 1'000'000'000;
    return config;
}

}  // namespace tfe::fuzz
