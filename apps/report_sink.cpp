#include "apps/report_sink.hpp"

#include <algorithm>
#include <iterator>

#include "analyzer/picture/mermaid.hpp"
#include "analyzer/text/layout.hpp"
#include "analyzer/picture/svg_ladder.hpp"

namespace tfe::app {

ReportSink::ReportSink(const ReportOptions& opts, std::FILE* out)
    : opts_(opts), out_(out), order_(opts.order_window) {
    opts_.text.interfaces.names = &interface_names_.names();
    opts_.text.textbook = &textbook_;
    if (opts_.format == Format::html && !opts_.quiet_report) html_ = std::make_unique<analyzer::html::HtmlReport>(opts_.text);
}

ReportSink::~ReportSink() { flush(); }

void ReportSink::on_connection(const Connection& c) {
    if (opts_.order_window == 0) return report(c);
    const auto emit = [this](const Connection& ended) { report(ended); };
    if (!opts_.only_ids.empty() &&
        std::find(opts_.only_ids.begin(), opts_.only_ids.end(), c.id()) == opts_.only_ids.end())
        return order_.skip(c.id(), emit);  // not asked for: nothing to keep
    order_.add(c, emit);
}

void ReportSink::report(const Connection& c) {
    if (!opts_.only_ids.empty() &&
        std::find(opts_.only_ids.begin(), opts_.only_ids.end(), c.id()) == opts_.only_ids.end())
        return;
    const analyzer::Summary s = analyzer::summarize(c);
    summary_.add(c, s);
    ++reported_;
    const bool print_json = !opts_.quiet_report && opts_.format == Format::json;
    if (print_json && !opts_.keep_json) {
        analyzer::write_json(buf_, c, s, opts_.text.numbers, opts_.text.interfaces);  // straight to the output buffer
    } else if (opts_.keep_json || opts_.format == Format::json) {
        scratch_.clear();
        analyzer::write_json(scratch_, c, s, opts_.text.numbers, opts_.text.interfaces);
        if (opts_.keep_json) kept_.push_back(nlohmann::ordered_json::parse(scratch_.begin(), scratch_.end()));
        if (!opts_.quiet_report && opts_.format == Format::json) buf_.append(scratch_);
    }
    if (!opts_.quiet_report && opts_.format == Format::text) {
        if (opts_.brief) analyzer::write_brief(buf_, c, s, opts_.text);
        else analyzer::write_text(buf_, c, s, opts_.text);
    }
    if (!opts_.quiet_report && opts_.format == Format::svg) analyzer::picture::write_svg_ladder(buf_, c, s, opts_.text);
    if (!opts_.quiet_report && opts_.format == Format::mermaid) analyzer::picture::write_mermaid(buf_, c, s, opts_.text);
    if (html_) html_->add(c, s);
    if (!opts_.fail_rules.empty()) {
        const std::string why = opts_.fail_rules.violation(c, s);
        if (!why.empty())
            violations_.push_back(fmt::format("connection {} ({} -> {}): {}", c.id(),
                                              to_string(c.addr(Side::client)),
                                              to_string(c.addr(Side::server)), why));
    }
    if (reported_ <= opts_.muted_reports) return buf_.clear();  // only these are in it yet
    // Large writes: a JSON report of a busy capture is hundreds of MB, and
    // each write(2) costs a system call (64 KiB made 15 000 of them).
    if (opts_.flush_each || buf_.size() > kFlushBytes) flush();
}

void ReportSink::finish() {
    order_.drain([this](const Connection& ended) { report(ended); });
    if (const std::uint64_t n = order_.out_of_order())
        add_input_note(fmt::format("{} report{} written out of order: {} connections opened after one still open, and "
                                   "the others could wait no longer",
                                   n, n == 1 ? "" : "s", order_.window()));
    if (table_ != nullptr) summary_.set_evictions(table_->stats().evicted, table_->config().max_connections);
    if (!opts_.quiet_report && opts_.format == Format::text) {
        if (opts_.brief) buf_.push_back('\n');
        summary_.write(buf_, opts_.text.color, opts_.text.width);
        if (!input_notes_.empty()) {
            fmt::format_to(std::back_inserter(buf_), "\nInput\n");
            scratch_.clear();
            for (const std::string& n : input_notes_) fmt::format_to(std::back_inserter(scratch_), "  {}\n", n);
            analyzer::text::put_fitted(buf_, {scratch_.data(), scratch_.size()}, opts_.text.width);
        }
    }
    if (html_) html_->write(buf_, input_notes_);
    flush();
}

void ReportSink::flush() {
    if (buf_.size()) std::fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
    std::fflush(out_);
}

}  // namespace tfe::app
