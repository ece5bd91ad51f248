// Wires the pipeline's end: each finished connection is summarised, written
// in the chosen format, checked against --fail-on, and kept (as JSON) only
// when --expect needs to compare it later.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/checks.hpp"
#include "analyzer/json_report.hpp"
#include "analyzer/run_summary.hpp"
#include "analyzer/text_report.hpp"
#include "capture/frames.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

enum class Format { text, json };

struct ReportOptions {
    Format format = Format::text;
    analyzer::TextOptions text;
    bool quiet_report = false;     // --expect/--update-expect: no per-connection report
    bool keep_json = false;        // --expect/--update-expect need every object
    analyzer::FailRules fail_rules;
    bool brief = false;            // text: one line per connection
    std::vector<std::uint64_t> only_ids;  // --id: report, check and count only these
};

class ReportSink final : public ConnectionSink, public capture::SegmentSink {
public:
    ReportSink(const ReportOptions& opts, std::FILE* out);
    ~ReportSink() override;

    void attach(FlowTable* table) { table_ = table; }
    void on_segment(const Segment& s) override { table_->on_segment(s); }
    void on_icmp_error(const IcmpError& e) override { table_->on_icmp_error(e); }
    void on_connection(const Connection& c) override;

    // A warning or error about the input, repeated under the text report.
    void add_input_note(std::string note) { input_notes_.push_back(std::move(note)); }
    // The closing summary (text mode) and everything still buffered.
    void finish();
    void flush();

    const std::vector<nlohmann::ordered_json>& kept() const { return kept_; }
    const std::vector<std::string>& violations() const { return violations_; }

private:
    ReportOptions opts_;
    std::FILE* out_;
    FlowTable* table_ = nullptr;
    static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
    fmt::memory_buffer buf_;
    fmt::memory_buffer scratch_;
    analyzer::RunSummary summary_;
    std::vector<nlohmann::ordered_json> kept_;
    std::vector<std::string> violations_;
    std::vector<std::string> input_notes_;
};

}  // namespace tfe::app
