#include "analyzer/html/html_report.hpp"

#include "analyzer/html/assets.hpp"
#include "analyzer/html/connection_data.hpp"
#include "analyzer/html/json_text.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::html {

namespace {

using text::Buf;
using text::cat;

void put_kinds(Buf& out, std::string_view key, std::size_t n, const KindTerms& (*kind)(std::size_t)) {
    cat(out, "\"", key, "\":[");
    for (std::size_t i = 0; i < n; ++i) {
        const KindTerms& k = kind(i);
        text::append(out, i ? ",[" : "[");
        append_json_string(out, k.name);
        out.push_back(',');
        append_json_string(out, k.words);
        out.push_back(']');
    }
    text::append(out, "]");
}

// The words the page shows for the numbers the rows hold: one table for
// every report (vocabulary.cpp), embedded once.
void put_vocabulary(Buf& out) {
    text::append(out, "{");
    put_kinds(out, "hk", kHandshakeKinds, [](std::size_t i) -> const KindTerms& { return terms(static_cast<HandshakeKind>(i)); });
    out.push_back(',');
    put_kinds(out, "ck", kCloseKinds, [](std::size_t i) -> const KindTerms& { return terms(static_cast<CloseKind>(i)); });
    text::append(out, ",\"st\":[");
    for (std::size_t i = 0; i < kStateCount; ++i) {
        if (i) out.push_back(',');
        append_json_string(out, kStateNames[i]);
    }
    text::append(out, "],\"ini\":[");
    for (const Initiator i : {Initiator::client, Initiator::server, Initiator::both, Initiator::none}) {
        if (i != Initiator::client) out.push_back(',');
        append_json_string(out, i == Initiator::none ? "" : initiator_name(i));
    }
    text::append(out, "],\"an\":[");
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const AnomalyTerms& a = terms(static_cast<Anomaly>(i));
        text::append(out, i ? ",[" : "[");
        append_json_string(out, a.name);
        out.push_back(',');
        append_json_string(out, a.one);
        out.push_back(',');
        append_json_string(out, a.tag);
        out.push_back(']');
    }
    text::append(out, "]}");
}

// `page` up to `marker`, then on from after it.
std::string_view put_until(Buf& out, std::string_view page, std::string_view marker) {
    const std::size_t at = page.find(marker);
    text::append(out, page.substr(0, at));
    return at == std::string_view::npos ? std::string_view{} : page.substr(at + marker.size());
}

}  // namespace

HtmlReport::HtmlReport(const TextOptions& o) : o_(o) { o_.color = false; }

void HtmlReport::add(const Connection& c, const Summary& s) {
    if (count_++) {
        rows_.push_back(',');
        narratives_.push_back(',');
    } else {
        t0_ = c.first_ts();
    }
    unfolded_bytes_ += append_connection(rows_, c, s, t0_, unfolded_bytes_ < kUnfoldBudget);
    if (narratives_.size() >= kNarrativeBudget) {
        text::append(narratives_, "null");
        return;
    }
    Buf words;
    write_text_without_ladder(words, c, s, o_);
    append_json_string(narratives_, text::view(words));
    ++narrated_;
}

void HtmlReport::write_data(Buf& out, std::span<const std::string> notes) const {
    text::append(out, "{\"v\":");
    put_vocabulary(out);
    text::append(out, ",\"t0\":");
    fmt::format_to(std::back_inserter(out), "{:.6f}", static_cast<double>(t0_) / 1e9);
    cat(out, ",\"abs\":", o_.numbers.absolute ? 1 : 0, ",\"narrated\":", narrated_, ",\"notes\":[");
    for (std::size_t i = 0; i < notes.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, notes[i]);
    }
    cat(out, "],\"c\":[", text::view(rows_), "]}");
}

void HtmlReport::write(Buf& out, std::span<const std::string> notes) const {
    std::string_view page = kPageHtml;
    page = put_until(out, page, "/*@CSS@*/");
    text::append(out, kReportCss);
    page = put_until(out, page, "@DATA@");
    write_data(out, notes);
    page = put_until(out, page, "@NARRATIVES@");
    cat(out, "[", text::view(narratives_), "]");
    page = put_until(out, page, "/*@JS@*/");
    text::append(out, kReportJs);
    text::append(out, page);
}

}  // namespace tfe::analyzer::html
