#include "analyzer/html/connection_data.hpp"

#include "analyzer/html/json_text.hpp"
#include "analyzer/picture/ladder_layout.hpp"
#include "analyzer/text/sentence.hpp"

namespace tfe::analyzer::html {

namespace {

using text::Buf;
using text::cat;

int side_number(Side s) { return s == Side::client ? 0 : 1; }

// Seconds with microseconds, as the JSON report writes times.
void put_seconds(Buf& out, TimeNs ns) { fmt::format_to(std::back_inserter(out), "{:.6f}", static_cast<double>(ns) / 1e9); }

void put_arrow(Buf& out, const Connection& c, const picture::LadderLayout::Arrow& a) {
    const LadderRow& r = *a.row;
    const NumberStyle relative;
    const int kind = r.full ? 0 : r.numbers ? 1 : 2;
    cat(out, "[", r.frame, ",", a.line, ",", a.arrives, ",");
    text::append(out, r.sender ? (*r.sender == Side::client ? "0" : "1") : "-1");
    cat(out, ",", kind, ",");
    append_json_string(out, r.full ? TcpFlags::Letters(r.flags).view() : std::string_view{});
    if (kind == 2 || !r.sender) {
        text::append(out, ",0,-1");
    } else {
        cat(out, ",", rel_seq(c, *r.sender, r.seq, relative), ",");
        const bool ack = r.full ? r.flags.ack() : r.ack.raw() != 0;
        if (ack) cat(out, rel_seq(c, other(*r.sender), r.ack, relative));
        else text::append(out, "-1");
    }
    cat(out, ",", r.full ? r.payload : 0u);
    // Most arrows neither crossed nor raised an anomaly: the two fields are
    // left out then (the page reads them as 0 and []).
    if (a.crossed || !r.tags.empty()) {
        cat(out, ",", a.crossed ? 1 : 0, ",[");
        for (std::size_t k = 0; k < r.tags.size(); ++k) cat(out, k ? "," : "", static_cast<unsigned>(r.tags[k]));
        text::append(out, "]");
    }
    text::append(out, "]");
}

void put_marks(Buf& out, const Connection& c, const picture::LadderLayout& lay, Buf& notes) {
    text::append(out, ",\"m\":[");
    std::size_t n = 0;
    for (std::size_t k = 0; k < lay.marks.size(); ++k) {
        const auto& m = lay.marks[k];
        std::size_t note = 0;
        if (m.late) {
            Buf words;
            append_late_note(words, c, *m.t);
            if (n) notes.push_back(',');
            append_json_string(notes, text::view(words));
            note = ++n;
        }
        cat(out, k ? "," : "", "[", side_number(m.side), ",", static_cast<unsigned>(m.state), ",", m.line);
        if (note) cat(out, ",", note);
        text::append(out, "]");
    }
    text::append(out, "]");
}

}  // namespace

namespace {

// One layout's object; `unfolded`, when given, is added as "u".
void put_layout(Buf& out, const Connection& c, const picture::LadderLayout& lay, const Buf* unfolded) {
    const NumberStyle relative;
    // Absolute = relative + base (mod 2^32): the base is what rel_seq takes off.
    const auto base = [&](Side s) { return 0u - rel_seq(c, s, SeqNum(0), relative); };
    cat(out, "{\"l\":", lay.lines, ",\"b\":[", base(Side::client), ",", base(Side::server), "],\"a\":[");
    for (std::size_t k = 0; k < lay.arrows.size(); ++k) {
        if (k) out.push_back(',');
        put_arrow(out, c, lay.arrows[k]);
    }
    text::append(out, "]");
    Buf notes;
    put_marks(out, c, lay, notes);
    if (!lay.gaps.empty()) {
        text::append(out, ",\"g\":[");
        for (std::size_t k = 0; k < lay.gaps.size(); ++k) cat(out, k ? "," : "", lay.gaps[k]);
        Buf words;
        append_fold_words(words, lay.hidden);
        text::append(out, "],\"gt\":");
        append_json_string(out, text::view(words));
        Buf summary;
        append_fold_summary(summary, lay.hidden);
        if (summary.size()) {
            text::append(out, ",\"f\":");
            append_json_string(out, text::view(summary));
        }
    }
    if (lay.timer_line) {
        Buf words;
        cat(words, "2*MSL later (", Utc{lay.timers.at}, " UTC)");
        cat(out, ",\"t\":[", lay.timer_line, ",");
        append_json_string(out, text::view(words));
        text::append(out, "]");
    }
    if (notes.size()) cat(out, ",\"n\":[", text::view(notes), "]");
    if (unfolded) cat(out, ",\"u\":", text::view(*unfolded));
    text::append(out, "}");
}

}  // namespace

std::size_t append_ladder(Buf& out, const Connection& c, bool unfoldable) {
    const LadderRows folded(c, false);
    const picture::LadderLayout lay = picture::lay_out(folded);
    if (!unfoldable || c.segments().empty() || lay.hidden.segments == 0) {
        put_layout(out, c, lay, nullptr);
        return 0;
    }
    const LadderRows every(c);
    Buf unfolded;
    put_layout(unfolded, c, picture::lay_out(every), nullptr);
    put_layout(out, c, lay, &unfolded);
    return unfolded.size();
}

std::size_t append_connection(Buf& out, const Connection& c, const Summary& s, TimeNs t0, bool unfoldable) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    cat(out, "[", c.id(), ",");
    Buf addr;
    cat(addr, text::Address{c.addr(Side::client)});
    append_json_string(out, text::view(addr));
    addr.clear();
    cat(addr, text::Address{c.addr(Side::server)});
    out.push_back(',');
    append_json_string(out, text::view(addr));
    cat(out, ",", static_cast<unsigned>(s.handshake), ",", static_cast<unsigned>(s.close), ",",
        static_cast<unsigned>(s.initiator), ",", static_cast<unsigned>(c.final_state(Side::client)), ",",
        static_cast<unsigned>(c.final_state(Side::server)), ",");
    put_seconds(out, c.first_ts() - t0);
    out.push_back(',');
    put_seconds(out, c.last_ts() - c.first_ts());
    cat(out, ",", cl.packets + sv.packets, ",", cl.payload_bytes + sv.payload_bytes, ",", c.roles_inferred() ? 1 : 0,
        ",[");
    bool any = false;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto n = c.anomaly_count(static_cast<Anomaly>(i));
        if (!n) continue;
        cat(out, any ? "," : "", "[", i, ",", n, "]");
        any = true;
    }
    text::append(out, "],");
    const std::size_t unfolded = append_ladder(out, c, unfoldable);
    text::append(out, "]");
    return unfolded;
}

}  // namespace tfe::analyzer::html
