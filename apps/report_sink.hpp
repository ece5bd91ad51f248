// Wires the pipeline's end: each finished connection is summarised, written
// in the chosen format, checked against --fail-on, and kept (as JSON) only
// when --expect needs to compare it later.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/checks.hpp"
#include "analyzer/html/html_report.hpp"
#include "analyzer/json_report.hpp"
#include "analyzer/run_summary.hpp"
#include "analyzer/text_report.hpp"
#include "apps/report_order.hpp"
#include "capture/frames.hpp"
#include "capture/interface_names.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

enum class Format { text, json, html, svg, mermaid };

// Reports that may wait for their turn (apps/report_order.hpp): each is a
// copy of its connection, about 2 KB with its transitions.
inline constexpr std::size_t kOrderWindow = 4096;

struct ReportOptions {
    Format format = Format::text;
    analyzer::TextOptions text;
    bool quiet_report = false;     // --expect/--update-expect: no per-connection report
    bool keep_json = false;        // --expect/--update-expect need every object
    bool zeek = false;             // --zeek, or an expectation pins `zeek`: Zeek's view is kept
    analyzer::FailRules fail_rules;
    bool brief = false;            // text: one line per connection
    std::vector<std::uint64_t> only_ids;  // --id: report, check and count only these
    bool flush_each = false;       // standard input: each connection written as it ends (a pipe from tcpdump -U)
    // The first so many reports are written already (a threaded run that
    // stopped at --max-connections): counted and checked, not written again.
    std::uint64_t muted_reports = 0;
    // Reports wait to go out in the order of their connections' first
    // packets, up to this many at once (apps/report_order.hpp); 0: each as
    // it ends (live, a pipe).
    std::size_t order_window = 0;
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
    const std::vector<std::string>& input_notes() const { return input_notes_; }
    // What the narratives of connections still open name as the input's end.
    void set_input_end(std::string what) { opts_.text.input_end = std::move(what); }
    // The closing summary (text mode) and everything still buffered.
    void finish();
    void flush();

    // The run's interfaces, as the readers number them and the reports name them.
    capture::InterfaceNames& interface_names() { return interface_names_; }

    const std::vector<nlohmann::ordered_json>& kept() const { return kept_; }
    const std::vector<std::string>& violations() const { return violations_; }
    // Connections reported (after --id).
    std::uint64_t reported() const { return reported_; }
    const analyzer::RunSummary& summary() const { return summary_; }
    const ReportOrder<Connection>& order() const { return order_; }

private:
    void report(const Connection& c);

    capture::InterfaceNames interface_names_;
    analyzer::TextbookNotes textbook_;  // each textbook note once per report
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
    std::uint64_t reported_ = 0;
    ReportOrder<Connection> order_;
    std::unique_ptr<analyzer::html::HtmlReport> html_;  // --format html: the page, written at the end
};

}  // namespace tfe::app
