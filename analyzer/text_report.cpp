#include "analyzer/text_report.hpp"

#include <algorithm>

#include "analyzer/stream_bytes.hpp"
#include "analyzer/text/facts.hpp"
#include "analyzer/text/ladder.hpp"
#include "analyzer/text/layout.hpp"
#include "analyzer/text/narrator.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/text/why_failed.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer {

using namespace text;

namespace {

// "  captured on eth0, eth1", or each direction's when they differ
// ("eth0 (client → server); eth1 (server → client)": asymmetric routing),
// only when the run has several interfaces.
void write_interfaces(Buf& b, const Connection& c, const TextOptions& o) {
    const std::uint32_t cl = c.endpoint(Side::client).interfaces, sv = c.endpoint(Side::server).interfaces;
    if (!o.interfaces.several() || (cl | sv) == 0) return;
    auto put_names = [&](std::uint32_t mask) {
        List names(b, ", ");
        for (const std::string& n : interface_names_in(mask, o.interfaces)) append(names.next(), n);
    };
    append(b, "  captured on ");
    if (cl == sv || cl == 0 || sv == 0) {
        put_names(cl | sv);
    } else {
        put_names(cl);
        append(b, " (client → server); ");
        put_names(sv);
        append(b, " (server → client)");
    }
    b.push_back('\n');
}

// One direction's line of the header; bytes its sequence numbers prove but
// the capture lacks are said there, not left as a silent 0.
void write_direction(Buf& b, const Connection& c, Side side) {
    const Endpoint& e = c.endpoint(side);
    const StreamBytes stream = stream_bytes(c, side);
    cat(b, side == Side::client ? "  client → server: " : "  server → client: ", plural(e.packets, "packet", "packets"),
        ", ", plural(e.payload_bytes, "byte", "bytes"), " of payload");
    if (stream.not_captured > 0) {
        cat(b, " (", plural(stream.sent, "stream byte", "stream bytes"), " by its sequence numbers, ");
        if (stream.not_captured == stream.sent) append(b, stream.sent == 1 ? "not captured)" : "none of them captured)");
        else cat(b, stream.not_captured, " of them not captured)");
    }
    b.push_back('\n');
}

// The header: endpoints (the first line bold), time, packets, kinds.
void write_header(Buf& out, const Connection& c, const Summary& s, const TextOptions& o, const Narrator& n) {
    if (o.color) append(out, kBold);
    cat(out, "Connection #", c.id(), "  ", Address{c.addr(Side::client)}, " (client) ⇄ ", Address{c.addr(Side::server)},
        " (server)");
    if (o.color) append(out, kReset);
    out.push_back('\n');
    Buf b;
    cat(b, "  started ", Utc{c.first_ts()}, " UTC, lasted ", Duration{c.last_ts() - c.first_ts()}, ", packets ",
        c.first_frame(), "–", c.last_frame(), "; ended: ", end_words(c.end_reason()), "\n");
    write_direction(b, c, Side::client);
    write_direction(b, c, Side::server);
    write_interfaces(b, c, o);
    if (c.roles_inferred()) {
        append(b, "  ");
        n.roles(b);
        b.push_back('\n');
    }
    cat(b, "  opening: ", handshake_words(s.handshake), "; closing: ", close_words(s.close), "\n");
    put_fitted(out, view(b), o.width);
}

void write_title(Buf& b, const TextOptions& o, std::string_view text) { cat(b, "\n  ", paint(o.color, kBold, text), "\n"); }

// " (ack 1001, expected 1000)": what the event's number says, in words.
void put_event_detail(Buf& b, const Connection& c, const AnomalyEvent& ev, const NumberStyle& st) {
    const std::optional<std::uint32_t> v = anomaly_value(c, ev, st);
    if (!v) return;
    const Side peer = other(ev.sender);
    switch (terms(ev.kind).value) {
        case AnomalyValue::none: break;
        case AnomalyValue::bytes_not_captured: cat(b, " (", plural(*v, "byte", "bytes"), " not captured)"); break;
        case AnomalyValue::bytes_missing: cat(b, " (", plural(*v, "byte", "bytes"), " missing before it)"); break;
        case AnomalyValue::fin_seq: cat(b, " (after its FIN at seq ", *v, ")"); break;
        case AnomalyValue::peer_sent_up_to:
            cat(b, " (ack ", rel_seq(c, peer, ev.ack, st), "; the ", side_name(peer), " had sent up to ", *v, ")");
            break;
        case AnomalyValue::expected_seq: cat(b, " (seq ", rel_seq(c, ev.sender, ev.seq, st), ", expected ", *v, ")"); break;
        case AnomalyValue::expected_ack: cat(b, " (ack ", rel_seq(c, peer, ev.ack, st), ", expected ", *v, ")"); break;
        case AnomalyValue::reset_packet:
            if (ev.payload_len > 0) cat(b, " (", plural(ev.payload_len, "byte", "bytes"), ", after the RST of packet ", *v, ")");
            else cat(b, " (after the RST of packet ", *v, ")");
            break;
        case AnomalyValue::acked_by_packet: cat(b, " (packet ", *v, " answers it)"); break;
    }
}

// One bullet of "Anomalies": how many, from whom, at which packets (with
// what each one's number says).
void put_anomaly(Buf& para, const Connection& c, const TextOptions& o, Anomaly a, std::uint32_t count) {
    const AnomalyTerms& words = terms(a);
    cat(para, paint(o.color, kYellow, "•"), " ", count, " ", count == 1 ? words.one : words.many);
    // Who sent them (each side once, in order of appearance), then where.
    Side senders[2];
    std::size_t n_senders = 0, frames = 0;
    for (const AnomalyEvent& ev : c.anomaly_events()) {
        if (ev.kind != a) continue;
        ++frames;
        if (std::find(senders, senders + n_senders, ev.sender) == senders + n_senders) senders[n_senders++] = ev.sender;
    }
    if (frames) {
        List from(para, " and the ", ", from the ");
        for (std::size_t k = 0; k < n_senders; ++k) append(from.next(), side_name(senders[k]));
        cat(para, ": packet", frames == 1 ? "" : "s", " ");
        List list(para);
        for (const AnomalyEvent& ev : c.anomaly_events())
            if (ev.kind == a) {
                Buf& item = list.next();
                cat(item, ev.frame);
                put_event_detail(item, c, ev, o.numbers);
            }
        if (frames < count) append(para, ", …");
    }
    if (a == Anomaly::unexpected_segment)
        for (const AnomalyEvent& ev : c.anomaly_events())
            if (ev.kind == a)
                cat(para, "; packet ", ev.frame, ": ", transition(ev.state, ev.input).why, " (",
                    refusal_name(ev.state, ev.input), ")");
}

// The narrative: each paragraph is assembled in `para`, then word-wrapped
// into the output. `para` outlives the call (one per thread, cleared before
// each paragraph): the opening paragraph of a full handshake is longer than
// a buffer's inline 500 bytes, and growing a fresh buffer to hold it, then
// freeing it, cost an allocation per connection.
void write_narrative(Buf& b, const Connection& c, const TextOptions& o, const Narrator& n) {
    thread_local Buf para;
    const auto section = [&](std::string_view text, void (Narrator::*narrate)(Buf&) const) {
        para.clear();
        (n.*narrate)(para);
        if (para.size() == 0) return;
        write_title(b, o, text);
        capitalise(para);
        put_paragraph(b, view(para), 4, 4);
    };
    section("How it opened", &Narrator::opening);
    para.clear();
    why_failed(para, c);
    if (para.size() != 0) {
        write_title(b, o, "Why it failed");
        put_paragraph(b, view(para), 4, 4);
    }
    section("Data", &Narrator::data);
    section("How it closed", &Narrator::closing);
    write_title(b, o, "Final states");
    for (const Side side : {Side::client, Side::server}) {
        para.clear();
        n.final_state(para, side);
        put_paragraph(b, view(para), 4, 4);
    }
    bool wire = false;
    for (const Transition& t : c.transitions()) {
        if (!noted_on_the_wire(t)) continue;
        if (!wire) write_title(b, o, "On the wire");
        wire = true;
        para.clear();
        n.delivery_note(para, t);
        capitalise(para);
        put_paragraph(b, view(para), 4, 4);
    }
    bool any = false;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        if (!c.anomaly_count(a)) continue;
        if (!any) write_title(b, o, "Anomalies");
        any = true;
        para.clear();
        put_anomaly(para, c, o, a, c.anomaly_count(a));
        put_paragraph(b, view(para), 4, 6);
    }
}

}  // namespace

void write_text(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    write_text_without_ladder(b, c, s, o);
    b.push_back('\n');
    write_ladder(b, c, o);
    b.push_back('\n');
}

void write_text_without_ladder(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Narrator n{c, s, o};
    write_header(b, c, s, o, n);
    write_narrative(b, c, o, n);
}

// The line after the id; in a set width, wrapped under itself.
void write_brief_facts(Buf& b, const Connection& c, const Summary& s, const TextOptions& o);

void write_brief(Buf& out, const Connection& c, const Summary& s, const TextOptions& o) {
    // "#7    ": the id left-aligned in four columns.
    const fmt::format_int id(c.id());
    const std::string_view id_text(id.data(), id.size());
    cat(out, "#", id_text, std::string_view("    ").substr(std::min<std::size_t>(id_text.size(), 4)), " ");
    if (o.width == 0) return write_brief_facts(out, c, s, o);
    Buf b;
    write_brief_facts(b, c, s, o);
    const std::size_t column = 2 + std::max<std::size_t>(id_text.size(), 4);
    const std::string_view line = view(b).substr(0, b.size() - 1);  // without its newline
    if (column + columns(line) <= o.width) append(out, view(b));
    else put_paragraph_at(out, line, column, column, true);
}

void write_brief_facts(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    cat(b, Address{c.addr(Side::client)}, " → ", Address{c.addr(Side::server)},
        c.roles_inferred() ? " (roles inferred)" : "", "  ", handshake_brief(s.handshake), " · ", close_brief(s.close));
    if (s.initiator == Initiator::client || s.initiator == Initiator::server)
        cat(b, ", ", initiator_name(s.initiator), " first");
    cat(b, " · client ", paint(o.color, kCyan, state_name(c.final_state(Side::client))), ", server ",
        paint(o.color, kCyan, state_name(c.final_state(Side::server))), " · ", plural(cl.packets + sv.packets, "packet", "packets"), ", ",
        Duration{c.last_ts() - c.first_ts()});
    bool any = false;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        const auto n = c.anomaly_count(a);
        if (!n) continue;
        if (!any) {
            append(b, " · ");
            if (o.color) append(b, kYellow);
        } else {
            append(b, ", ");
        }
        any = true;
        // Only the head of the phrase: the explanation is in the full report.
        const AnomalyTerms& w = terms(a);
        const std::string_view words = n == 1 ? w.one : w.many;
        cat(b, n, " ", words.substr(0, words.find(" (")));
    }
    if (any && o.color) append(b, kReset);
    b.push_back('\n');
}

}  // namespace tfe::analyzer
