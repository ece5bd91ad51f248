#include "analyzer/text_report.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tfe::analyzer {

// ---------------------------------------------------------------------------
// Words shared with the run summary
// ---------------------------------------------------------------------------

std::string_view close_words(CloseKind k) {
    switch (k) {
        case CloseKind::four_way: return "four-way close (four waves: FIN, ACK, FIN, ACK)";
        case CloseKind::three_way: return "three-wave close (FIN, FIN+ACK, ACK)";
        case CloseKind::simultaneous: return "simultaneous close (both FINs crossed; both sides went through CLOSING)";
        case CloseKind::reset: return "reset (RST)";
        case CloseKind::half_closed: return "half-closed (one FIN only)";
        case CloseKind::open: return "still open (no FIN, no RST)";
        case CloseKind::none: return "never opened";
    }
    return "?";
}

std::string_view handshake_words(HandshakeKind k) {
    switch (k) {
        case HandshakeKind::three_way: return "three-way handshake";
        case HandshakeKind::simultaneous_open: return "simultaneous open";
        case HandshakeKind::refused: return "refused (RST to the SYN)";
        case HandshakeKind::unanswered: return "unanswered SYN";
        case HandshakeKind::incomplete: return "incomplete handshake";
        case HandshakeKind::not_seen: return "handshake not captured";
    }
    return "?";
}

std::string anomaly_phrase(Anomaly a, std::uint64_t n) {
    const bool one = n == 1;
    const auto many = [&](std::string_view singular, std::string_view plural) {
        return fmt::format("{} {}", n, one ? singular : plural);
    };
    switch (a) {
        case Anomaly::retransmission: return many("retransmission (data sent again)", "retransmissions (data sent again)");
        case Anomaly::syn_retransmission: return many("SYN retransmission", "SYN retransmissions");
        case Anomaly::synack_retransmission: return many("SYN+ACK retransmission", "SYN+ACK retransmissions");
        case Anomaly::fin_retransmission: return many("FIN retransmission", "FIN retransmissions");
        case Anomaly::keep_alive:
            return many("keep-alive probe (seq = next - 1; it lets a side find a dead peer)",
                        "keep-alive probes (seq = next - 1; they let a side find a dead peer)");
        case Anomaly::out_of_order: return many("out-of-order segment", "out-of-order segments");
        case Anomaly::previous_segment_not_captured:
            return many("gap: a previous segment was not captured", "gaps: previous segments were not captured");
        case Anomaly::acked_unseen_segment:
            return many("ACK of data the capture did not see", "ACKs of data the capture did not see");
        case Anomaly::duplicate_frame:
            return many("duplicate frame (the same packet captured twice, as with -i any; not a retransmission)",
                        "duplicate frames (the same packet captured twice, as with -i any; not retransmissions)");
        case Anomaly::data_after_fin: return many("segment with data after its sender's FIN", "segments with data after their sender's FIN");
        case Anomaly::data_before_established: return many("segment with data before the handshake completed", "segments with data before the handshake completed");
        case Anomaly::rst_out_of_window:
            return many("RST outside the receive window, ignored (RFC 5961)", "RSTs outside the receive window, ignored (RFC 5961)");
        case Anomaly::rst_challenged:
            return many("RST in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)",
                        "RSTs in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)");
        case Anomaly::rst_not_acking_syn:
            return many("RST in SYN_SENT that did not acknowledge the SYN, ignored", "RSTs in SYN_SENT that did not acknowledge the SYN, ignored");
        case Anomaly::unexpected_segment:
            return many("segment a stack would not accept in its state", "segments a stack would not accept in their state");
        case Anomaly::ack_lost_after_capture:
            return many("ACK lost after the capture point (the peer sent again what it acknowledged)",
                        "ACKs lost after the capture point (the peer sent again what they acknowledged)");
        case Anomaly::odd_flags: return many("segment with an odd flag combination", "segments with odd flag combinations");
        case Anomaly::bad_checksum:
            return many("bad checksum (normal for packets captured on the sending host with checksum offload; analysed anyway)",
                        "bad checksums (normal for packets captured on the sending host with checksum offload; analysed anyway)");
        case Anomaly::truncated_payload: return many("segment truncated by the snapshot length", "segments truncated by the snapshot length");
        case Anomaly::zero_window: return many("zero-window advertisement (the receiver's buffer was full)", "zero-window advertisements (the receiver's buffer was full)");
        case Anomaly::count_: break;
    }
    return fmt::format("{} {}", n, anomaly_name(a));
}

namespace {

using Buf = fmt::memory_buffer;

template <typename... Args>
void put(Buf& b, fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
}

// ---------------------------------------------------------------------------
// Plain-text layout: widths in columns (code points), ANSI colour on demand
// ---------------------------------------------------------------------------

constexpr std::string_view kCyan = "\x1b[36m", kYellow = "\x1b[33m", kRed = "\x1b[31m",
                           kBold = "\x1b[1m", kReset = "\x1b[0m";
constexpr std::size_t kStateWidth = 14;
constexpr std::size_t kArrowWidth = 56;
constexpr std::size_t kWrap = 78;

std::size_t columns(std::string_view s) {
    std::size_t n = 0;
    for (char ch : s)
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
    return n;
}

std::string repeat(std::string_view unit, std::size_t n) {
    std::string out;
    out.reserve(unit.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += unit;
    return out;
}

std::string paint(bool color, std::string_view code, std::string_view text) {
    if (!color || text.empty()) return std::string(text);
    return fmt::format("{}{}{}", code, text, kReset);
}

// `text` painted, then padded to `width` columns.
std::string cell(bool color, std::string_view code, std::string_view text, std::size_t width) {
    const std::size_t w = columns(text);
    return paint(color, code, text) + std::string(w < width ? width - w : 1, ' ');
}

std::string center(std::string_view text, std::size_t width) {
    const std::size_t w = columns(text);
    if (w >= width) return std::string(text);
    const std::size_t left = (width - w) / 2;
    return std::string(left, ' ') + std::string(text) + std::string(width - w - left, ' ');
}

// Word-wraps a paragraph at kWrap columns; lines after the first take
// `rest` as their indent (a hanging indent for bullets).
void put_paragraph(Buf& b, std::string_view text, std::string_view indent, std::string_view rest = {}) {
    if (rest.empty()) rest = indent;
    std::string_view current = indent;
    std::size_t col = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t sp = text.find(' ', i);
        const std::string_view word = text.substr(i, sp == std::string_view::npos ? std::string_view::npos : sp - i);
        i = sp == std::string_view::npos ? text.size() : sp + 1;
        if (word.empty()) continue;
        const std::size_t w = columns(word);
        if (col == 0) {
            put(b, "{}{}", current, word);
            col = current.size() + w;
            current = rest;
        } else if (col + 1 + w > kWrap) {
            put(b, "\n{}{}", rest, word);
            col = rest.size() + w;
        } else {
            put(b, " {}", word);
            col += 1 + w;
        }
    }
    if (col) put(b, "\n");
}

// ---------------------------------------------------------------------------
// Facts, looked up in the core's records
// ---------------------------------------------------------------------------

std::string_view who(Side s) { return side_name(s); }

std::string capitalised(std::string text) {
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
    return text;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::uint32_t payload_of(const Transition& t) {
    const std::uint32_t control = (t.flags.syn() ? 1u : 0u) + (t.flags.fin() ? 1u : 0u);
    return t.seq_len >= control ? t.seq_len - control : 0;
}

// What a segment is, in a word.
std::string_view segment_kind(TcpFlags f, std::uint32_t payload) {
    if (f.rst()) return "RST";
    if (f.syn()) return f.ack() ? "SYN+ACK" : "SYN";
    if (f.fin()) return payload ? "data+FIN" : "FIN";
    return payload ? "data segment" : "ACK";
}

// The first transition caused by `frame` (all of them share its numbers).
const Transition* caused_by(const Connection& c, std::uint64_t frame) {
    if (!frame) return nullptr;
    for (const Transition& t : c.transitions())
        if (t.cause_frame == frame && t.delivery != Delivery::timer) return &t;
    return nullptr;
}

template <typename Pred>
const Transition* find_first(const Connection& c, Pred pred) {
    for (const Transition& t : c.transitions())
        if (pred(t)) return &t;
    return nullptr;
}

template <typename Pred>
const Transition* find_last(const Connection& c, Pred pred) {
    const Transition* found = nullptr;
    for (const Transition& t : c.transitions())
        if (pred(t)) found = &t;
    return found;
}

struct Narrator {
    const Connection& c;
    const Summary& s;
    const TextOptions& o;

    std::uint32_t seq(Side sender, SeqNum x) const { return rel_seq(c, sender, x, o.numbers); }
    std::string time(TimeNs ts) const { return format_time(ts); }
    std::string two_msl() const { return format_duration(2 * o.msl); }

    // "ack 144" of the segment at `frame` sent by `sender`, if the core kept it.
    std::optional<std::uint32_t> ack_of(std::uint64_t frame, Side sender) const {
        const Transition* t = caused_by(c, frame);
        if (!t || cause_sender(*t) != sender || !t->flags.ack()) return std::nullopt;
        return seq(other(sender), t->ack);
    }

    std::string opening() const;
    std::string options() const;
    std::string timing() const;
    std::string data() const;
    std::string closing() const;
    std::string close_four_way(Side a) const;
    std::string close_three_way(Side a) const;
    std::string close_simultaneous() const;
    std::string close_reset() const;
    std::string close_half(Side a) const;
    std::string state_path(Side side) const;
    std::string final_state(Side side) const;
    std::vector<std::string> on_the_wire() const;
    std::string delivery_note(const Transition& t) const;
    std::string roles() const;
};

std::string Narrator::roles() const {
    const std::uint16_t sp = c.addr(Side::server).port, cp = c.addr(Side::client).port;
    std::string why;
    if ((sp < 1024) != (cp < 1024)) why = fmt::format("the side on port {} (well-known port)", sp);
    else if (sp != cp) why = fmt::format("the side on the lower port, {} (ephemeral ports are allocated high)", sp);
    else why = "the destination of the first packet";
    return fmt::format("roles inferred: no SYN seen — server is {}", why);
}

std::string Narrator::options() const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const auto offered = [](const TcpOptions& op) {
        std::vector<std::string> v;
        if (op.has_mss) v.push_back(fmt::format("MSS {}", op.mss));
        if (op.has_wscale) v.push_back(fmt::format("wscale {}", op.wscale));
        if (op.sack_permitted) v.emplace_back("SACK");
        if (op.has_timestamps) v.emplace_back("timestamps");
        if (op.has_fast_open) v.emplace_back(op.fast_open_cookie_len ? "Fast Open cookie" : "Fast Open cookie request");
        return v.empty() ? std::string("no options") : fmt::format("{}", fmt::join(v, ", "));
    };
    const auto none = [](const Endpoint& e) {
        const TcpOptions& op = e.syn_options;
        return !e.syn_options_seen || !(op.has_mss || op.has_wscale || op.sack_permitted || op.has_timestamps || op.has_fast_open);
    };
    if (!cl.syn_options_seen && !sv.syn_options_seen) return {};
    if (none(cl) && none(sv)) return "No TCP options in the SYNs (no window scaling, no SACK, no timestamps).";
    std::string out = "Options offered:";
    if (cl.syn_options_seen) out += fmt::format(" client {}", offered(cl.syn_options));
    if (cl.syn_options_seen && sv.syn_options_seen) out += ";";
    if (sv.syn_options_seen) out += fmt::format(" server {}", offered(sv.syn_options));
    out += ".";
    if (cl.syn_options_seen && sv.syn_options_seen) {
        const TcpOptions& a = cl.syn_options;
        const TcpOptions& b = sv.syn_options;
        std::vector<std::string> on;
        if (a.has_wscale && b.has_wscale)
            on.push_back(fmt::format("window scaling (client windows ×{}, server windows ×{})", 1u << a.wscale, 1u << b.wscale));
        else if (a.has_wscale || b.has_wscale)
            on.push_back(fmt::format("no window scaling (only the {} offered it)", a.has_wscale ? "client" : "server"));
        if (a.sack_permitted && b.sack_permitted) on.emplace_back("SACK");
        if (a.has_timestamps && b.has_timestamps) on.emplace_back("timestamps");
        if (a.has_mss && b.has_mss)
            on.push_back(fmt::format("segments of at most {} bytes to the client and {} to the server", a.mss, b.mss));
        if (!on.empty()) out += fmt::format(" Negotiated: {}.", fmt::join(on, ", "));
    }
    const HandshakeFacts& h = c.handshake();
    if (h.syn_data) out += fmt::format(" The SYN carried {} bytes of data (TCP Fast Open).", h.syn_payload);
    return out;
}

std::string Narrator::timing() const {
    if (!s.syn_to_synack && !s.synack_to_ack) return {};
    std::string out = "Handshake timing at the capture point:";
    if (s.syn_to_synack) out += fmt::format(" SYN → SYN+ACK {} (the server's side of the path, and the server)", format_duration(s.syn_to_synack));
    if (s.syn_to_synack && s.synack_to_ack) out += ",";
    if (s.synack_to_ack) out += fmt::format(" SYN+ACK → ACK {} (the client's side)", format_duration(s.synack_to_ack));
    if (s.syn_to_synack && s.synack_to_ack)
        out += fmt::format("; the handshake round trip seen from here is {}", format_duration(s.syn_to_synack + s.synack_to_ack));
    return out + ".";
}

std::string Narrator::opening() const {
    const HandshakeFacts& h = c.handshake();
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const auto retx = [](std::uint32_t n, std::string_view what) {
        return n ? fmt::format(", after {} (sent {} times)", plural(n, fmt::format("{} retransmission", what), fmt::format("{} retransmissions", what)), n + 1)
                 : std::string();
    };
    std::string out;
    switch (s.handshake) {
        case HandshakeKind::three_way: {
            out = "Three-way handshake: ";
            if (h.syn_frame)
                out += fmt::format("the client sent SYN (packet {}, ISN {}){}; ", h.syn_frame, cl.isn.raw(),
                                   retx(s.syn_retransmissions, "SYN"));
            else
                out += "the client's SYN was not captured (the client is assumed to have been in SYN_SENT); ";
            out += fmt::format("the server answered SYN+ACK (packet {}, ISN {}, ack {} = client ISN + 1){}; ",
                               h.synack_frame, sv.isn.raw(), (cl.isn + 1).raw(),
                               retx(s.synack_retransmissions, "SYN+ACK"));
            out += fmt::format("the client's ACK (packet {}) completed it. ", h.ack_frame);
            out += "Three segments, so that an old delayed SYN cannot open a connection the client never asked for.";
            break;
        }
        case HandshakeKind::simultaneous_open:
            out = fmt::format(
                "Simultaneous open: both sides sent SYN (client packet {}, server packet {}) before either saw the "
                "other's, so each answered the other's SYN and went SYN_SENT → SYN_RECEIVED → ESTABLISHED "
                "(RFC 9293 figure 7).",
                cl.syn_frame, sv.syn_frame);
            break;
        case HandshakeKind::refused:
            out = fmt::format(
                "Refused: the server answered the SYN (packet {}{}) with RST (packet {}): nothing listens on port {} "
                "(or a firewall rejects the connection). The client's connect() fails with \"connection refused\".",
                h.syn_frame, retx(s.syn_retransmissions, "SYN"), h.refused_frame, c.addr(Side::server).port);
            break;
        case HandshakeKind::unanswered:
            out = fmt::format(
                "Unanswered: {}, no answer (first at packet {}, {} UTC; the last one {} later). The server never "
                "replied in this capture: it may be down, a firewall may drop the SYN, or the capture misses the "
                "other direction.",
                plural(h.syn_count, "SYN", "SYNs"), h.syn_frame, time(h.syn_ts),
                format_duration(c.last_ts() - h.syn_ts));
            break;
        case HandshakeKind::incomplete:
            if (!h.syn_frame && h.synack_frame)
                out = fmt::format("The capture starts at the server's SYN+ACK (packet {}): the client's SYN was not "
                                  "captured, so the client is assumed to have been in SYN_SENT; no ACK completed the "
                                  "handshake in the capture.",
                                  h.synack_frame);
            else if (h.synack_frame)
                out = fmt::format("Incomplete handshake: SYN (packet {}), SYN+ACK (packet {}), but no ACK from the "
                                  "client in the capture.",
                                  h.syn_frame, h.synack_frame);
            else
                out = fmt::format("Incomplete handshake: the client's SYN (packet {}) was seen, the server's SYN+ACK "
                                  "was not, yet the server sent {}.",
                                  h.syn_frame, plural(sv.packets, "packet", "packets"));
            break;
        case HandshakeKind::not_seen:
            out = fmt::format(
                "The capture starts mid-connection (packet {}): no SYN, so both sides were assumed {} and their ISNs "
                "are unknown; relative numbers count from the first byte seen of each side (that byte is 1).",
                c.first_frame(),
                cl.initial_state == sv.initial_state
                    ? std::string(state_name(cl.initial_state))
                    : fmt::format("client {}, server {}", state_name(cl.initial_state), state_name(sv.initial_state)));
            break;
    }
    if (s.handshake == HandshakeKind::three_way || s.handshake == HandshakeKind::simultaneous_open) {
        if (const std::string op = options(); !op.empty()) out += " " + op;
        if (s.handshake == HandshakeKind::three_way)
            if (const std::string tm = timing(); !tm.empty()) out += " " + tm;
        if (!o.numbers.absolute)
            out += " Sequence numbers below are relative to each side's ISN (the SYN is seq 0, the first data byte "
                   "seq 1), as Wireshark shows them.";
    }
    return out;
}

std::string Narrator::data() const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    if (cl.payload_bytes == 0 && sv.payload_bytes == 0) return "No data in either direction.";
    std::string out = fmt::format("The client sent {} and the server {}",
                                  plural(cl.payload_bytes, "byte", "bytes"), plural(sv.payload_bytes, "byte", "bytes"));
    const std::uint32_t resent = c.anomaly_count(Anomaly::retransmission) + c.anomaly_count(Anomaly::duplicate_frame);
    if (resent) out += " (counting retransmitted and duplicated segments)";
    return out + ".";
}

std::string Narrator::close_four_way(Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    std::string out = fmt::format("{}, initiated by the {}. The {} closed first: its FIN (packet {}, seq {}) took it to "
                                  "FIN_WAIT_1. ",
                                  close_words(CloseKind::four_way), who(a), who(a), fa.frame, seq(a, fa.seq));
    if (fa.acked) {
        const auto ack = ack_of(fa.acked_by_frame, b);
        out += fmt::format("The {} acknowledged it on its own (packet {}, ack {} = FIN seq {} + 1): the {} went to "
                           "CLOSE_WAIT, the {} to FIN_WAIT_2. ",
                           who(b), fa.acked_by_frame, ack ? *ack : seq(a, fa.seq + 1), seq(a, fa.seq), who(b), who(a));
        if (fb.ts >= fa.acked_ts)
            out += fmt::format("{} later the {} sent its own FIN (packet {}, seq {}) and went to LAST_ACK. ",
                               format_duration(fb.ts - fa.acked_ts), who(b), fb.frame, seq(b, fb.seq));
    } else {
        out += fmt::format("The {} sent its own FIN (packet {}, seq {}). ", who(b), fb.frame, seq(b, fb.seq));
    }
    if (fb.acked) {
        const auto ack = ack_of(fb.acked_by_frame, a);
        out += fmt::format("The {}'s ACK (packet {}, ack {}) acknowledged it. ", who(a), fb.acked_by_frame,
                           ack ? *ack : seq(b, fb.seq + 1));
    } else {
        out += fmt::format("No ACK of the {}'s FIN was captured. ", who(b));
    }
    out += fmt::format("Four segments, not three: the {} acknowledged the FIN before its application closed — TCP "
                       "closes each direction on its own (half-close), and it could still have sent data in between.",
                       who(b));
    return out;
}

std::string Narrator::close_three_way(Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    const auto ack = ack_of(fb.frame, b);
    std::string out = fmt::format("{} — a three-way close, initiated by the {}. The {} closed first: its FIN (packet "
                                  "{}, seq {}) took it to FIN_WAIT_1. ",
                                  close_words(CloseKind::three_way), who(a), who(a), fa.frame, seq(a, fa.seq));
    // Did a segment of b's cross a's FIN first (seed case 2: the data ACK)?
    const Transition* crossed = find_first(c, [&](const Transition& t) {
        return t.endpoint == b && t.cause_frame == fa.frame && t.delivery == Delivery::acknowledged;
    });
    if (crossed)
        out += fmt::format("The {} first sent a segment whose ack did not cover that FIN (it acknowledged data only; "
                           "the FIN, at seq {}, was still on its way). ",
                           who(b), seq(a, fa.seq));
    out += fmt::format("The {}'s FIN (packet {}) also acknowledged the {}'s FIN (ack {} = FIN seq {} + 1), so its ACK "
                       "and FIN travelled in one segment: three segments instead of four — the {} had nothing left "
                       "to send. ",
                       who(b), fb.frame, who(a), ack ? *ack : seq(a, fa.seq + 1), seq(a, fa.seq), who(b));
    if (fb.acked) {
        const auto last = ack_of(fb.acked_by_frame, a);
        out += fmt::format("The {}'s ACK (packet {}, ack {} = FIN seq {} + 1) acknowledged it.", who(a),
                           fb.acked_by_frame, last ? *last : seq(b, fb.seq + 1), seq(b, fb.seq));
    } else {
        out += fmt::format("No ACK of the {}'s FIN was captured.", who(b));
    }
    return out;
}

std::string Narrator::close_simultaneous() const {
    const Side a = s.first_fin == Initiator::server ? Side::server : Side::client;
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    std::string out = fmt::format("{}. The {}'s FIN (packet {}, seq {}) and the {}'s FIN (packet {}, seq {}) crossed: ",
                                  close_words(CloseKind::simultaneous), who(a), fa.frame, seq(a, fa.seq), who(b),
                                  fb.frame, seq(b, fb.seq));
    if (const auto ack = ack_of(fb.frame, b))
        out += fmt::format("packet {}'s ack {} did not cover packet {}'s FIN (which occupies seq {}): ", fb.frame, *ack,
                           fa.frame, seq(a, fa.seq));
    out += "each side sent its FIN before it saw the other's. ";
    std::vector<std::string> closing;
    for (Side x : {a, b}) {
        const Transition* t = find_first(c, [&](const Transition& u) { return u.endpoint == x && u.to == State::CLOSING; });
        if (t) closing.push_back(fmt::format("the {} at packet {}", who(x), t->frame));
    }
    if (closing.size() == 2)
        out += fmt::format("Each received the other's FIN in FIN_WAIT_1 and went to CLOSING ({}), ",
                           fmt::join(closing, ", "));
    else if (closing.size() == 1)
        out += fmt::format("Only {} is shown going through CLOSING, ", closing[0]);
    std::vector<std::string> tw;
    for (Side x : {a, b}) {
        const Transition* t = find_first(c, [&](const Transition& u) {
            return u.endpoint == x && u.to == State::TIME_WAIT && u.delivery != Delivery::timer;
        });
        if (t) tw.push_back(fmt::format("the {} on packet {}", who(x), t->cause_frame));
    }
    if (!tw.empty())
        out += fmt::format("{}then to TIME_WAIT on the ACK of its own FIN ({}).", closing.empty() ? "" : "",
                           fmt::join(tw, ", "));
    if (tw.size() == 2) out += " Both sides end in TIME_WAIT.";
    return out;
}

std::string Narrator::close_reset() const {
    const ResetFacts& r = c.reset();
    const Side sender = r.sender, receiver = other(r.sender);
    std::string out = fmt::format(
        "Reset: the {} sent RST (packet {}) while in {}; the {} was in {}. An RST aborts both directions at once: "
        "both sides went to CLOSED with no TIME_WAIT, and anything still in flight is lost.",
        who(sender), r.frame, state_name(r.sender_state), who(receiver), state_name(r.receiver_state));
    if (c.anomaly_count(Anomaly::rst_challenged) && c.final_state(receiver) != State::CLOSED)
        out += fmt::format(" But the RST was not at the sequence number the {} expected, and the {} went on sending: "
                           "it answered with a challenge ACK (RFC 5961) and stayed in {}.",
                           who(receiver), who(receiver), state_name(c.final_state(receiver)));
    for (Side x : {Side::client, Side::server})
        if (c.fin(x).sent && c.fin(x).frame < r.frame)
            out += fmt::format(" The {} had sent FIN before (packet {}).", who(x), c.fin(x).frame);
    return out;
}

std::string Narrator::close_half(Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    std::string out = fmt::format("Half-closed: the {} closed its direction (FIN, packet {}, seq {}", who(a), fa.frame,
                                  seq(a, fa.seq));
    if (fa.acked) out += fmt::format(", acknowledged by packet {}", fa.acked_by_frame);
    out += "); ";
    if (c.final_state(b) == State::CLOSE_WAIT)
        out += fmt::format("the {} never sent FIN — it is still in CLOSE_WAIT: its application has not called close().",
                           who(b));
    else
        out += fmt::format("the {} never sent FIN; it ends in {}.", who(b), state_name(c.final_state(b)));
    if (c.final_state(a) == State::FIN_WAIT_2)
        out += fmt::format(" The {} waits in FIN_WAIT_2 for a FIN that has not come.", who(a));
    return out;
}

std::string Narrator::closing() const {
    const Side first = s.first_fin == Initiator::server ? Side::server : Side::client;
    std::string out;
    switch (s.close) {
        case CloseKind::four_way: out = close_four_way(first); break;
        case CloseKind::three_way: out = close_three_way(first); break;
        case CloseKind::simultaneous: out = close_simultaneous(); break;
        case CloseKind::reset: out = close_reset(); break;
        case CloseKind::half_closed: out = close_half(first); break;
        case CloseKind::open:
            out = fmt::format("No FIN, no RST: the connection was still open (client {}, server {}) when {}.",
                              state_name(c.final_state(Side::client)), state_name(c.final_state(Side::server)),
                              c.end_reason() == EndReason::idle ? "it went idle" : "the capture ended");
            break;
        case CloseKind::none:
            return {};
    }
    if (c.reset().ignored)
        out += fmt::format(" {} outside the window {} ignored.", plural(c.reset().ignored, "RST", "RSTs"),
                           c.reset().ignored == 1 ? "was" : "were");
    return out;
}

std::string Narrator::state_path(Side side) const {
    std::string out(state_name(c.endpoint(side).initial_state));
    for (const Transition& t : c.transitions())
        if (t.endpoint == side && t.delivery != Delivery::timer) out += fmt::format(" → {}", state_name(t.to));
    return out;
}

std::string Narrator::final_state(Side side) const {
    const State st = c.final_state(side);
    const Endpoint& e = c.endpoint(side);
    std::string out = fmt::format("The {} ends in {} ({}).", who(side), state_name(st), state_path(side));
    const Transition* last = find_last(c, [&](const Transition& t) { return t.endpoint == side && t.delivery != Delivery::timer; });
    switch (st) {
        case State::TIME_WAIT: {
            const Transition* tw = find_last(c, [&](const Transition& t) {
                return t.endpoint == side && t.to == State::TIME_WAIT && t.delivery != Delivery::timer;
            });
            out += fmt::format(" It waits 2*MSL = {} (MSL {}) so that, if its last ACK was lost, it can answer the "
                               "peer's retransmitted FIN; the 4-tuple stays taken meanwhile.",
                               two_msl(), format_duration(o.msl));
            if (const Transition* timer = find_first(c, [&](const Transition& t) {
                    return t.endpoint == side && t.delivery == Delivery::timer;
                }))
                out += fmt::format(" That time passed within the capture: CLOSED at {} UTC.", time(timer->ts));
            else if (tw)
                out += fmt::format(" It entered TIME_WAIT at packet {}, so it waits until {} UTC in capture time.",
                                   tw->frame, time(tw->ts + 2 * o.msl));
            break;
        }
        case State::CLOSE_WAIT:
            out += " It received the peer's FIN but never sent its own: its application has not called close(). A "
                   "socket stuck in CLOSE_WAIT is an application that does not close, not a network problem.";
            break;
        case State::FIN_WAIT_1: out += " Its FIN was not acknowledged in the capture."; break;
        case State::FIN_WAIT_2:
            out += " Its FIN was acknowledged; it waits for the peer's FIN (Linux gives an orphaned FIN_WAIT_2 socket "
                   "tcp_fin_timeout, 60 s by default).";
            break;
        case State::LAST_ACK: out += " It sent its FIN after the peer's; the ACK of it was not seen."; break;
        case State::CLOSING: out += " The FINs crossed; the ACK of its own FIN was not seen."; break;
        case State::ESTABLISHED: out += " The connection was still open for it."; break;
        case State::SYN_SENT: out += " Its SYN was never answered."; break;
        case State::SYN_RECEIVED: out += " It answered the SYN; the handshake's final ACK was not seen."; break;
        case State::LISTEN: out += " It is listening."; break;
        case State::CLOSED:
            if (!last) out += " It shows no state change in the capture.";
            else if (last->input == Input::rcv_rst || last->input == Input::snd_rst)
                out += last->from == State::SYN_SENT ? " Its connection attempt was refused." : " The connection was reset.";
            else if (last->from == State::LAST_ACK)
                out += fmt::format(" It closed second (passive close): the ACK of its FIN (packet {}) closed it "
                                   "fully, with no TIME_WAIT on this side.",
                                   last->cause_frame);
            break;
    }
    if (e.state_inferred)
        out += fmt::format(" (Its initial state, {}, is assumed: the capture does not show the start.)",
                           state_name(e.initial_state));
    return out;
}

// What crossed the cause segment on the wire: the receiver's own FIN when
// it lies between the cause and the proof and did not acknowledge it.
std::string crossing_segment(const Connection& c, const Transition& t, const NumberStyle& numbers) {
    const Crossing* x = c.crossing(t);
    const std::uint64_t crossed_frame = x ? x->crossed_frame : 0;
    if (crossed_frame != 0 && !x->crossed_flags.ack())
        return fmt::format("the {}'s packet {} ([{}], acknowledging nothing yet)", side_name(t.endpoint),
                           crossed_frame, x->crossed_flags.tcpdump());
    if (crossed_frame != 0 && !(c.fin(t.endpoint).sent && c.fin(t.endpoint).frame == crossed_frame))
        return fmt::format("the {}'s packet {} (ack {}, not covering it)", side_name(t.endpoint), crossed_frame,
                           rel_seq(c, cause_sender(t), x->crossed_ack, numbers));
    const FinFacts& own = c.fin(t.endpoint);
    if (own.sent && own.frame > t.cause_frame && own.frame <= t.frame &&
        !(own.acked_peer_fin && t.flags.fin()))
        return fmt::format("the {}'s own FIN (packet {})", side_name(t.endpoint), own.frame);
    return fmt::format("a segment of the {}'s", side_name(t.endpoint));
}

std::string Narrator::delivery_note(const Transition& t) const {
    const Side sender = cause_sender(t);
    const Crossing* x = c.crossing(t);
    const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
    const std::string what = fmt::format("the {}'s {} (packet {})", who(sender), segment_kind(t.flags, payload_of(t)), t.cause_frame);
    switch (t.delivery) {
        case Delivery::acknowledged:
            return fmt::format("{} crossed {} on the wire: that segment did not yet acknowledge it; packet {}'s ack "
                               "covered it, so the {}'s {} is placed at packet {}.",
                               what, crossing_segment(c, t, o.numbers), proof_frame, who(t.endpoint), state_name(t.to), t.frame);
        case Delivery::followed:
            return fmt::format("{} crossed {} on the wire; packet {}, sent by the {} after it, shows it had arrived "
                               "(one direction delivers in order), so the {}'s {} is placed at packet {}.",
                               what, crossing_segment(c, t, o.numbers), proof_frame, who(sender), who(t.endpoint),
                               state_name(t.to), t.frame);
        case Delivery::end_of_capture:
            return fmt::format("Nothing in the capture confirms that {} arrived; it is assumed delivered: the {}'s {} "
                               "at packet {}.",
                               what, who(t.endpoint), state_name(t.to), t.frame);
        case Delivery::silence:
            return fmt::format("No segment acknowledges {}, but nothing came back in the {} after it: had it been lost, "
                               "the {} would have retransmitted. So it arrived: the {}'s {} at packet {}.",
                               what, format_duration(c.linger()), who(t.endpoint), who(t.endpoint),
                               state_name(t.to), t.frame);
        default: return {};
    }
}

std::vector<std::string> Narrator::on_the_wire() const {
    std::vector<std::string> out;
    for (const Transition& t : c.transitions())
        if (t.delivery == Delivery::acknowledged || t.delivery == Delivery::followed ||
            t.delivery == Delivery::end_of_capture || t.delivery == Delivery::silence)
            out.push_back(delivery_note(t));
    return out;
}

// ---------------------------------------------------------------------------
// The ladder
// ---------------------------------------------------------------------------

std::string_view anomaly_short(Anomaly a) {
    switch (a) {
        case Anomaly::retransmission: return "retransmission";
        case Anomaly::syn_retransmission: return "SYN again";
        case Anomaly::synack_retransmission: return "SYN+ACK again";
        case Anomaly::fin_retransmission: return "FIN again";
        case Anomaly::keep_alive: return "keep-alive";
        case Anomaly::out_of_order: return "out of order";
        case Anomaly::previous_segment_not_captured: return "after a gap";
        case Anomaly::acked_unseen_segment: return "acks unseen data";
        case Anomaly::duplicate_frame: return "duplicate frame";
        case Anomaly::data_after_fin: return "data after FIN";
        case Anomaly::data_before_established: return "early data";
        case Anomaly::rst_out_of_window: return "RST out of window, ignored";
        case Anomaly::rst_not_acking_syn: return "RST not acking SYN, ignored";
        case Anomaly::rst_challenged: return "RST challenged";
        case Anomaly::unexpected_segment: return "unexpected";
        case Anomaly::ack_lost_after_capture: return "ACK lost later";
        case Anomaly::odd_flags: return "odd flags";
        case Anomaly::zero_window: return "zero window";
        default: return anomaly_name(a);
    }
}

// Capture artefacts, not TCP events: they get no ladder line of their own.
bool ladder_worthy(Anomaly a) { return a != Anomaly::bad_checksum && a != Anomaly::truncated_payload; }

struct Row {
    std::uint64_t frame = 0;
    std::optional<Side> sender;
    bool full = false;     // flags/seq/ack/len known (a transition's cause)
    bool numbers = false;  // seq/ack known (an anomaly event)
    TcpFlags flags;
    SeqNum seq, ack;
    std::uint32_t payload = 0;
    std::vector<const Transition*> placed[2];  // by side
    std::vector<Anomaly> tags;
};

std::string_view superscript(std::size_t n) {
    static constexpr std::string_view digits[] = {"¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    return n >= 1 && n <= 9 ? digits[n - 1] : "*";
}

class Ladder {
public:
    Ladder(const Connection& c, const TextOptions& o) : c_(c), o_(o) { collect(); }
    void write(Buf& b);

private:
    void collect();
    std::string label(const Row& r) const;
    std::string arrow(const Row& r) const;
    std::string state_cell(const Transition* t, std::size_t width);
    void put_line(Buf& b, const std::string& left, std::string_view frame, const std::string& middle,
                  const std::string& right, const std::string& tail);
    void put_gap(Buf& b, std::string_view text);

    const Connection& c_;
    const TextOptions& o_;
    std::map<std::uint64_t, Row> rows_;
    std::size_t frame_width_ = 1;
    std::vector<std::string> footnotes_;
};

void Ladder::collect() {
    // --all-segments: every segment the core kept gets a line of its own.
    for (const SegmentFacts& sf : c_.segments()) {
        Row& r = rows_[sf.frame];
        r.frame = sf.frame;
        r.sender = sf.sender;
        r.full = true;
        r.flags = sf.flags;
        r.seq = sf.seq;
        r.ack = sf.ack;
        r.payload = sf.payload_len;
    }
    for (const Transition& t : c_.transitions()) {
        if (t.delivery == Delivery::timer) continue;
        Row& cause = rows_[t.cause_frame];
        cause.frame = t.cause_frame;
        cause.sender = cause_sender(t);
        cause.full = true;
        cause.flags = t.flags;
        cause.seq = t.seq;
        cause.ack = t.ack;
        cause.payload = payload_of(t);
        Row& at = rows_[t.frame];
        at.frame = t.frame;
        const Crossing* x = c_.crossing(t);
        if (!at.full && x && x->evidence.frame == t.frame) {
            // The segment that proved delivery: the core kept its numbers.
            const SegmentFacts& e = x->evidence;
            at.sender = e.sender;
            at.full = true;
            at.flags = e.flags;
            at.seq = e.seq;
            at.ack = e.ack;
            at.payload = e.payload_len;
        }
        if (!at.sender) {
            // The proof of delivery: a segment from the receiver (its ACK)
            // or a later one from the sender.
            if (t.delivery == Delivery::acknowledged) at.sender = t.endpoint;
            else if (t.delivery == Delivery::followed) at.sender = other(t.endpoint);
        }
        at.placed[static_cast<int>(t.endpoint)].push_back(&t);
    }
    for (const AnomalyEvent& ev : c_.anomaly_events()) {
        if (!ladder_worthy(ev.kind)) continue;
        Row& r = rows_[ev.frame];
        r.frame = ev.frame;
        if (!r.full) {
            r.sender = ev.endpoint;
            r.numbers = true;
            r.seq = ev.seq;
            r.ack = ev.ack;
            if (ev.flags.bits != 0) {
                r.full = true;
                r.flags = ev.flags;
                r.payload = ev.payload_len;
            }
        }
        if (std::find(r.tags.begin(), r.tags.end(), ev.kind) == r.tags.end()) r.tags.push_back(ev.kind);
    }
    for (const auto& [frame, row] : rows_) frame_width_ = std::max(frame_width_, fmt::formatted_size("{}", frame));
}

std::string Ladder::label(const Row& r) const {
    if (r.full) return segment_label(c_, *r.sender, r.flags, r.seq, r.ack, r.payload, o_.numbers);
    if (r.numbers) {
        // No flags kept for it: named by its anomaly instead.
        std::string out = fmt::format("({}) seq {}", r.tags.empty() ? "?" : anomaly_short(r.tags.front()),
                                      rel_seq(c_, *r.sender, r.seq, o_.numbers));
        if (r.ack.raw() != 0) out += fmt::format(" ack {}", rel_seq(c_, other(*r.sender), r.ack, o_.numbers));
        return out;
    }
    return "(segment not kept)";
}

std::string Ladder::arrow(const Row& r) const {
    const std::string text = label(r);
    const std::size_t w = columns(text);
    if (!r.sender) return center(fmt::format("· {} ·", text), kArrowWidth);
    const std::size_t fill = kArrowWidth > w + 3 ? kArrowWidth - w - 3 : 1;
    std::string line = *r.sender == Side::client ? "──" + text + repeat("─", fill) + "▶"
                                                 : "◀──" + text + repeat("─", fill);
    const bool rst = r.full && r.flags.rst();
    if (rst) return paint(o_.color, kRed, line);
    if (!r.full) return paint(o_.color, kYellow, line);
    return line;
}

std::string Ladder::state_cell(const Transition* t, std::size_t width) {
    if (!t) return std::string(width, ' ');
    std::string text(state_name(t->to));
    if (t->frame != t->cause_frame) {
        const Crossing* x = c_.crossing(*t);
        const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
        std::string proof;
        switch (t->delivery) {
            case Delivery::acknowledged: proof = fmt::format("packet {}'s ACK shows it arrived", proof_frame); break;
            case Delivery::followed: proof = fmt::format("packet {}, sent after it, shows it arrived", proof_frame); break;
            case Delivery::end_of_capture: proof = "assumed delivered at the end of the capture"; break;
            case Delivery::silence: proof = "nothing came back after it, so it arrived"; break;
            default: proof = std::string(delivery_name(t->delivery)); break;
        }
        footnotes_.push_back(fmt::format("{} {} {} → {} at packet {}: packet {} ({}) was still in flight; {}",
                                         superscript(footnotes_.size() + 1), side_name(t->endpoint),
                                         state_name(t->from), state_name(t->to), t->frame, t->cause_frame,
                                         segment_kind(t->flags, payload_of(*t)), proof));
        text += superscript(footnotes_.size());
    }
    return cell(o_.color, kCyan, text, width);
}

void Ladder::put_line(Buf& b, const std::string& left, std::string_view frame, const std::string& middle,
                      const std::string& right, const std::string& tail) {
    std::string line = fmt::format("  {} {:>{}} {}  {}{}", left, frame, frame_width_, middle, right, tail);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    put(b, "{}\n", line);
}

void Ladder::put_gap(Buf& b, std::string_view text) {
    put_line(b, std::string(kStateWidth, ' '), "", center(text, kArrowWidth), "", "");
}

void Ladder::write(Buf& b) {
    const std::string blank_arrow(kArrowWidth, ' ');
    put_line(b, cell(false, "", "client", kStateWidth), "", blank_arrow, "server", "");
    put_line(b, cell(o_.color, kCyan, state_name(c_.endpoint(Side::client).initial_state), kStateWidth), "",
             blank_arrow, paint(o_.color, kCyan, state_name(c_.endpoint(Side::server).initial_state)), "");

    // Segments not drawn: the data transfer and ACKs that changed nothing.
    const std::uint64_t total = c_.endpoint(Side::client).packets + c_.endpoint(Side::server).packets;
    const std::uint64_t hidden = total > rows_.size() ? total - rows_.size() : 0;
    bool bytes_known = true;
    std::uint64_t shown_bytes = 0;
    for (const auto& [frame, row] : rows_) {
        if (row.full) shown_bytes += row.payload;
        else bytes_known = false;
    }
    const std::uint64_t all_bytes = c_.endpoint(Side::client).payload_bytes + c_.endpoint(Side::server).payload_bytes;
    std::vector<std::uint64_t> gap_before;  // frames after which segments may hide (0: before the first)
    std::uint64_t prev = 0;
    for (const auto& [frame, row] : rows_) {
        if ((prev == 0 && frame > c_.first_frame()) || (prev != 0 && frame > prev + 1)) gap_before.push_back(frame);
        prev = frame;
    }
    const bool gap_at_end = prev < c_.last_frame();
    const std::size_t gaps = gap_before.size() + (gap_at_end ? 1 : 0);
    std::string gap_text = "···";
    if (hidden > 0 && gaps == 1) {
        gap_text = fmt::format("··· {}", plural(hidden, "more segment", "more segments"));
        if (bytes_known && all_bytes >= shown_bytes && all_bytes > shown_bytes)
            gap_text += fmt::format(", {}", plural(all_bytes - shown_bytes, "byte of data", "bytes of data"));
        gap_text += " ···";
    }

    for (const auto& [frame, row] : rows_) {
        if (hidden > 0 && std::find(gap_before.begin(), gap_before.end(), frame) != gap_before.end())
            put_gap(b, gap_text);
        const auto& cl = row.placed[0];
        const auto& sv = row.placed[1];
        std::string tail;
        for (std::size_t i = row.full ? 0 : 1; i < row.tags.size(); ++i)
            tail += "  " + paint(o_.color, kYellow, fmt::format("⚠ {}", anomaly_short(row.tags[i])));
        const std::size_t lines = std::max<std::size_t>({1, cl.size(), sv.size()});
        for (std::size_t i = 0; i < lines; ++i) {
            const std::string left = state_cell(i < cl.size() ? cl[i] : nullptr, kStateWidth);
            std::string right = state_cell(i < sv.size() ? sv[i] : nullptr, 0);
            if (i == 0)
                put_line(b, left, fmt::format("{}", frame), arrow(row), right, tail);
            else
                put_line(b, left, "", blank_arrow, right, "");
        }
    }
    if (hidden > 0 && gap_at_end) put_gap(b, gap_text);

    // Timers: TIME_WAIT's 2*MSL when it passed within the capture.
    std::string left(kStateWidth, ' '), right;
    bool timer = false;
    TimeNs at = 0;
    for (const Transition& t : c_.transitions()) {
        if (t.delivery != Delivery::timer) continue;
        timer = true;
        at = t.ts;
        (t.endpoint == Side::client ? left : right) =
            cell(o_.color, kCyan, state_name(t.to), t.endpoint == Side::client ? kStateWidth : 0);
    }
    if (timer)
        put_line(b, left, "", center(fmt::format("2*MSL later ({} UTC)", format_time(at)), kArrowWidth), right, "");

    if (hidden > 0 && gaps > 1) {
        std::string note = fmt::format("{} not drawn", plural(hidden, "segment", "segments"));
        if (bytes_known && all_bytes > shown_bytes) note += fmt::format(" ({} of data)", plural(all_bytes - shown_bytes, "byte", "bytes"));
        put(b, "  ··· {}: they changed no state\n", note);
    }
    for (const std::string& f : footnotes_) put(b, "  {}\n", f);
    if (o_.all_segments && c_.segments().empty() && hidden > 0)
        put(b, "  (every segment on its own line needs the core to keep them: TrackerConfig::keep_segments, "
               "which --all-segments sets)\n");
}

}  // namespace

void write_text(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    Narrator n{c, s, o};

    // 1. Header.
    put(b, "{}\n", paint(o.color, kBold,
                         fmt::format("Connection #{}  {} (client) ⇄ {} (server)", c.id(), to_string(c.addr(Side::client)),
                                     to_string(c.addr(Side::server)))));
    put(b, "  started {} UTC, lasted {}, packets {}–{}; ended: {}\n", format_time(c.first_ts()),
        format_duration(c.last_ts() - c.first_ts()), c.first_frame(), c.last_frame(),
        [&] {
            switch (c.end_reason()) {
                case EndReason::closed: return "both sides closed";
                case EndReason::time_wait_expired: return "TIME_WAIT expired";
                case EndReason::idle: return "idle timeout";
                case EndReason::superseded: return "a new SYN reused the ports";
                case EndReason::capture_end: return "end of capture";
                case EndReason::time_wait: return "settled, reported during TIME_WAIT";
            }
            return "?";
        }());
    put(b, "  client → server: {}, {} of payload\n", plural(cl.packets, "packet", "packets"),
        plural(cl.payload_bytes, "byte", "bytes"));
    put(b, "  server → client: {}, {} of payload\n", plural(sv.packets, "packet", "packets"),
        plural(sv.payload_bytes, "byte", "bytes"));
    if (c.roles_inferred()) put(b, "  {}\n", n.roles());
    put(b, "  opening: {}; closing: {}\n", handshake_words(s.handshake), close_words(s.close));

    // 2. Narrative.
    const auto section = [&](std::string_view title, const std::string& text) {
        if (text.empty()) return;
        put(b, "\n  {}\n", paint(o.color, kBold, title));
        put_paragraph(b, capitalised(text), "    ");
    };
    section("How it opened", n.opening());
    section("Data", n.data());
    section("How it closed", n.closing());
    put(b, "\n  {}\n", paint(o.color, kBold, "Final states"));
    put_paragraph(b, n.final_state(Side::client), "    ");
    put_paragraph(b, n.final_state(Side::server), "    ");
    if (const auto notes = n.on_the_wire(); !notes.empty()) {
        put(b, "\n  {}\n", paint(o.color, kBold, "On the wire"));
        for (const std::string& note : notes) put_paragraph(b, capitalised(note), "    ");
    }
    bool any = false;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        const auto count = c.anomaly_count(a);
        if (!count) continue;
        if (!any) put(b, "\n  {}\n", paint(o.color, kBold, "Anomalies"));
        any = true;
        std::vector<std::uint64_t> frames;
        std::vector<std::string> senders;
        for (const AnomalyEvent& ev : c.anomaly_events()) {
            if (ev.kind != a) continue;
            frames.push_back(ev.frame);
            const std::string sender(side_name(ev.endpoint));
            if (std::find(senders.begin(), senders.end(), sender) == senders.end()) senders.push_back(sender);
        }
        std::string text = anomaly_phrase(a, count);
        if (!frames.empty()) {
            text += fmt::format(", from the {}: packet{} {}", fmt::join(senders, " and the "),
                                frames.size() == 1 ? "" : "s", fmt::join(frames, ", "));
            if (frames.size() < count) text += ", …";
        }
        if (a == Anomaly::unexpected_segment)
            for (const AnomalyEvent& ev : c.anomaly_events())
                if (ev.kind == a)
                    text += fmt::format("; packet {}: {}", ev.frame, transition(ev.state, ev.input).why);
        put_paragraph(b, paint(o.color, kYellow, "•") + " " + text, "    ", "      ");
    }

    // 3. Ladder.
    put(b, "\n");
    Ladder(c, o).write(b);
    put(b, "\n");
}

}  // namespace tfe::analyzer

namespace tfe::analyzer {

void write_brief(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    std::string closing(close_words(s.close));
    if (s.initiator == Initiator::client || s.initiator == Initiator::server)
        closing += fmt::format(", {} first", initiator_name(s.initiator));
    put(b, "#{:<4} {} → {}{}  {} · {} · client {}, server {} · {} packets, {}", c.id(),
        to_string(c.addr(Side::client)), to_string(c.addr(Side::server)), c.roles_inferred() ? " (roles inferred)" : "",
        handshake_words(s.handshake), closing, paint(o.color, kCyan, state_name(c.final_state(Side::client))),
        paint(o.color, kCyan, state_name(c.final_state(Side::server))), cl.packets + sv.packets,
        format_duration(c.last_ts() - c.first_ts()));
    std::string anomalies;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        if (const auto n = c.anomaly_count(a)) {
            const std::string phrase = anomaly_phrase(a, n);
            // Only the head of the phrase: the explanation is in the full report.
            anomalies += (anomalies.empty() ? "" : ", ") + phrase.substr(0, phrase.find(" ("));
        }
    }
    if (!anomalies.empty()) put(b, " · {}", paint(o.color, kYellow, anomalies));
    b.push_back('\n');
}

}  // namespace tfe::analyzer
