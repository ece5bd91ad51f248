#include "analyzer/text_report.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
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

namespace {

// An anomaly's name in the singular and the plural.
struct AnomalyWords {
    std::string_view one, many;
};

AnomalyWords anomaly_words(Anomaly a) {
    switch (a) {
        case Anomaly::retransmission: return {"retransmission (data sent again)", "retransmissions (data sent again)"};
        case Anomaly::syn_retransmission: return {"SYN retransmission", "SYN retransmissions"};
        case Anomaly::synack_retransmission: return {"SYN+ACK retransmission", "SYN+ACK retransmissions"};
        case Anomaly::fin_retransmission: return {"FIN retransmission", "FIN retransmissions"};
        case Anomaly::keep_alive:
            return {"keep-alive probe (seq = next - 1; it lets a side find a dead peer)",
                    "keep-alive probes (seq = next - 1; they let a side find a dead peer)"};
        case Anomaly::out_of_order: return {"out-of-order segment", "out-of-order segments"};
        case Anomaly::previous_segment_not_captured:
            return {"gap: a previous segment was not captured", "gaps: previous segments were not captured"};
        case Anomaly::acked_unseen_segment:
            return {"ACK of data the capture did not see", "ACKs of data the capture did not see"};
        case Anomaly::duplicate_frame:
            return {"duplicate frame (the same packet captured twice, as with -i any; not a retransmission)",
                    "duplicate frames (the same packet captured twice, as with -i any; not retransmissions)"};
        case Anomaly::data_after_fin: return {"segment with data after its sender's FIN", "segments with data after their sender's FIN"};
        case Anomaly::data_before_established: return {"segment with data before the handshake completed", "segments with data before the handshake completed"};
        case Anomaly::rst_out_of_window:
            return {"RST outside the receive window, ignored (RFC 5961)", "RSTs outside the receive window, ignored (RFC 5961)"};
        case Anomaly::rst_challenged:
            return {"RST in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)",
                    "RSTs in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)"};
        case Anomaly::rst_not_acking_syn:
            return {"RST in SYN_SENT that did not acknowledge the SYN, ignored", "RSTs in SYN_SENT that did not acknowledge the SYN, ignored"};
        case Anomaly::unexpected_segment:
            return {"segment a stack would not accept in its state", "segments a stack would not accept in their state"};
        case Anomaly::ack_lost_after_capture:
            return {"ACK lost after the capture point (the peer sent again what it acknowledged)",
                    "ACKs lost after the capture point (the peer sent again what they acknowledged)"};
        case Anomaly::odd_flags: return {"segment with an odd flag combination", "segments with odd flag combinations"};
        case Anomaly::bad_checksum:
            return {"bad checksum (normal for packets captured on the sending host with checksum offload; analysed anyway)",
                    "bad checksums (normal for packets captured on the sending host with checksum offload; analysed anyway)"};
        case Anomaly::truncated_payload: return {"segment truncated by the snapshot length", "segments truncated by the snapshot length"};
        case Anomaly::zero_window: return {"zero-window advertisement (the receiver's buffer was full)", "zero-window advertisements (the receiver's buffer was full)"};
        case Anomaly::count_: break;
    }
    return {anomaly_name(a), anomaly_name(a)};
}

}  // namespace

std::string anomaly_phrase(Anomaly a, std::uint64_t n) {
    const AnomalyWords w = anomaly_words(a);
    return fmt::format("{} {}", n, n == 1 ? w.one : w.many);
}

namespace {

using Buf = fmt::memory_buffer;
using namespace fmt::literals;  // "..."_cf

// The report is written straight into the caller's buffer; a paragraph that
// is word-wrapped is first assembled in a scratch buffer. Format strings are
// compiled with the program ("..."_cf), so nothing is parsed at run time,
// and no temporary std::string is made per line or per field: the report
// is ~4 KB per connection, and those costs were most of its time.
template <typename Format, typename... Args>
void put(Buf& b, const Format& f, const Args&... args) {
    fmt::format_to(fmt::appender(b), f, args...);
}

// A size check and a memcpy; fmt's own append is a more general loop.
void append(Buf& b, std::string_view s) {
    if (s.empty()) return;
    const std::size_t at = b.size();
    b.resize(at + s.size());  // grows geometrically
    std::memcpy(b.data() + at, s.data(), s.size());
}

// `blanks` blanks, then `s`, with one size check for both (indents and
// column padding always come just before text).
void append(Buf& b, std::size_t blanks, std::string_view s) {
    const std::size_t at = b.size();
    b.resize(at + blanks + s.size());
    std::memset(b.data() + at, ' ', blanks);
    if (!s.empty()) std::memcpy(b.data() + at + blanks, s.data(), s.size());
}

std::string_view view(const Buf& b) { return {b.data(), b.size()}; }

constexpr std::string_view kCyan = "\x1b[36m", kYellow = "\x1b[33m", kRed = "\x1b[31m",
                           kBold = "\x1b[1m", kReset = "\x1b[0m";

// Format arguments that write themselves into the output.
// "1 packet", "3 packets".
struct Plural {
    std::uint64_t n;
    std::string_view one, many;
};
Plural plural(std::uint64_t n, std::string_view one, std::string_view many) { return {n, one, many}; }

// "10.0.0.1:80", "[2001:db8::1]:443": the text of core's to_string(HostPort).
struct Address {
    const HostPort& hp;
};

// Text in an ANSI colour when colour is on.
struct Painted {
    bool color;
    std::string_view code, text;
};
Painted paint(bool color, std::string_view code, std::string_view text) { return {color, code, text}; }

}  // namespace
}  // namespace tfe::analyzer

template <>
struct fmt::formatter<tfe::analyzer::Plural> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(const tfe::analyzer::Plural& p, Context& ctx) const {
        return fmt::format_to(ctx.out(), FMT_COMPILE("{} {}"), p.n, p.n == 1 ? p.one : p.many);
    }
};

template <>
struct fmt::formatter<tfe::analyzer::Address> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(const tfe::analyzer::Address& a, Context& ctx) const {
        const auto& ip = a.hp.ip;
        // IPv4 as four numbers: to_string (inet_ntop's sprintf, then string
        // concatenation) was nearly a tenth of the report's time. IPv6 (its zero-run and embedded-IPv4 rules) stays
        // with inet_ntop, into a stack buffer.
        if (ip.version != 6)
            return fmt::format_to(ctx.out(), FMT_COMPILE("{}.{}.{}.{}:{}"), ip.bytes[0], ip.bytes[1], ip.bytes[2],
                                  ip.bytes[3], a.hp.port);
        char text[INET6_ADDRSTRLEN] = {};
        inet_ntop(AF_INET6, ip.bytes.data(), text, sizeof text);
        return fmt::format_to(ctx.out(), FMT_COMPILE("[{}]:{}"), std::string_view(text), a.hp.port);
    }
};

template <>
struct fmt::formatter<tfe::analyzer::Painted> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(const tfe::analyzer::Painted& p, Context& ctx) const {
        if (!p.color || p.text.empty()) return fmt::format_to(ctx.out(), FMT_COMPILE("{}"), p.text);
        return fmt::format_to(ctx.out(), FMT_COMPILE("{}{}{}"), p.code, p.text, tfe::analyzer::kReset);
    }
};

namespace tfe::analyzer {
namespace {

// ---------------------------------------------------------------------------
// Plain-text layout: widths in columns (code points), ANSI colour on demand
// ---------------------------------------------------------------------------

constexpr std::size_t kStateWidth = 14;
constexpr std::size_t kArrowWidth = 56;
constexpr std::size_t kWrap = 78;

// How many of the bytes of `s` satisfy `pred(s, i)`. The word wrap runs
// this over every byte of the narrative, so it is written to vectorise well:
// no branch, and a one-byte counter per block of 255 bytes (a wider one
// makes the compiler widen every byte to 64 bits, several times slower).
template <typename Pred>
std::size_t count_bytes(std::string_view s, std::size_t from, Pred pred) {
    std::size_t n = 0;
    for (std::size_t i = from; i < s.size();) {
        const std::size_t block_end = std::min(s.size(), i + 255);
        std::uint8_t block = 0;
        for (; i < block_end; ++i) block = static_cast<std::uint8_t>(block + pred(s, i));
        n += block;
    }
    return n;
}

// Columns: the bytes that start a character (not a UTF-8 continuation byte).
std::size_t columns(std::string_view s) {
    return count_bytes(s, 0, [](std::string_view t, std::size_t i) {
        return (static_cast<unsigned char>(t[i]) & 0xC0) != 0x80;
    });
}

// `n` times "─", n <= kArrowWidth.
std::string_view rule(std::size_t n) {
    static constexpr std::string_view kRule =
        "────────────────────────────────────────────────────────";  // kArrowWidth of them
    static_assert(kRule.size() == 3 * kArrowWidth);
    return kRule.substr(0, 3 * std::min(n, kArrowWidth));
}

// One ladder line. Blanks are held back until something visible follows
// them, so a line never ends in blanks and nothing has to be trimmed.
class Line {
public:
    explicit Line(Buf& b) : b_(b) {}
    void blank(std::size_t n) { blanks_ += n; }
    void text(std::string_view s) {
        const std::size_t visible = s.find_last_not_of(' ') + 1;  // 0 when all blank
        if (visible) {
            append(b_, blanks_, s.substr(0, visible));
            blanks_ = 0;
        }
        blanks_ += s.size() - visible;
    }
    void end() { b_.push_back('\n'); }

private:
    Buf& b_;
    std::size_t blanks_ = 0;
};

// `text` followed by `mark` (a footnote mark), painted, then padded to
// `width` columns (at least one blank).
void put_cell(Line& line, bool color, std::string_view code, std::string_view text, std::size_t width,
              std::string_view mark = {}) {
    const std::size_t w = columns(text) + columns(mark);
    const bool painted = color && (text.size() + mark.size()) != 0;
    if (painted) line.text(code);
    line.text(text);
    line.text(mark);
    if (painted) line.text(kReset);
    line.blank(w < width ? width - w : 1);
}

// `text` centred in `width` columns; as it is when it does not fit.
void put_centered(Line& line, std::string_view text, std::size_t width) {
    const std::size_t w = columns(text);
    const std::size_t left = w < width ? (width - w) / 2 : 0;
    line.blank(left);
    line.text(text);
    line.blank(w < width ? width - w - left : 0);
}

// The greedy word wrap, one word at a time: the first line is indented by
// `indent` blanks, the others by `rest` (a hanging indent for bullets);
// words are what lies between blanks, and several blanks count as one.
void put_paragraph_by_words(Buf& b, std::string_view text, std::size_t indent, std::size_t rest) {
    std::size_t col = 0;  // 0 until the first word is out
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = i, w = 0;
        for (; end < text.size() && text[end] != ' '; ++end)
            if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80) ++w;
        const std::string_view word = text.substr(i, end - i);
        i = end + 1;
        if (word.empty()) continue;
        if (col == 0) {
            append(b, indent, word);
            col = indent + w;
        } else if (col + 1 + w > kWrap) {
            b.push_back('\n');
            append(b, rest, word);
            col = rest + w;
        } else {
            append(b, 1, word);
            col += 1 + w;
        }
    }
    if (col) b.push_back('\n');
}

// No blank at either end, never two in a row.
bool single_spaced(std::string_view text) {
    if (text.empty()) return true;
    if (text.front() == ' ' || text.back() == ' ') return false;
    return count_bytes(text, 1, [](std::string_view t, std::size_t i) { return (t[i] == ' ') & (t[i - 1] == ' '); }) == 0;
}

// The longest prefix of `text` that spans at most `room` columns, in bytes.
std::size_t prefix_within(std::string_view text, std::size_t room) {
    std::size_t end = 0;
    // A byte is at most one column, so taking `room` more bytes never
    // overshoots; multi-byte characters leave room for another round.
    while (end < text.size() && room > 0) {
        const std::size_t take = std::min(room, text.size() - end);
        room -= columns(text.substr(end, take));
        end += take;
    }
    // The rest of the last character.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    return end;
}

// Word-wraps a paragraph at kWrap columns, indented by `indent` blanks;
// lines after the first take `rest` (a hanging indent for bullets).
//
// The same greedy wrap as put_paragraph_by_words, a line at a time: the
// longest prefix that fits, cut back to the last blank, copied in one piece.
// Paragraphs are most of the report, and going word by word (a branch per
// byte, two appends per word) was the report's largest cost. Text with
// irregular blanks, which the word-wise wrap collapses, goes word by word.
void put_paragraph(Buf& b, std::string_view text, std::size_t indent, std::size_t rest) {
    if (!single_spaced(text)) {
        put_paragraph_by_words(b, text, indent, rest);
        return;
    }
    std::size_t lead = indent;
    while (!text.empty()) {
        const std::size_t room = kWrap > lead ? kWrap - lead : 0;
        std::size_t end = prefix_within(text, room);
        if (end < text.size() && text[end] != ' ') {
            // A word straddles the margin: the line ends before it, unless it
            // is the line's first word, which goes on the line regardless.
            end = text.rfind(' ', end);
            if (end == std::string_view::npos) end = std::min(text.find(' '), text.size());
        }
        append(b, lead, text.substr(0, end));
        b.push_back('\n');
        text.remove_prefix(std::min(end + 1, text.size()));
        lead = rest;
    }
}

// Items separated by `sep`; `lead` comes before the first one, and nothing
// at all is written when there is no item.
class List {
public:
    explicit List(Buf& b, std::string_view sep = ", ", std::string_view lead = {}) : b_(b), sep_(sep), lead_(lead) {}
    // The buffer, ready for the next item.
    Buf& next() {
        append(b_, empty_ ? lead_ : sep_);
        empty_ = false;
        return b_;
    }
    bool empty() const { return empty_; }

private:
    Buf& b_;
    std::string_view sep_, lead_;
    bool empty_ = true;
};

// ---------------------------------------------------------------------------
// Facts, looked up in the core's records
// ---------------------------------------------------------------------------

std::string_view who(Side s) { return side_name(s); }

// Upper-cases a paragraph's first letter.
void capitalise(Buf& b) {
    if (b.size() != 0 && b[0] >= 'a' && b[0] <= 'z') b[0] = static_cast<char>(b[0] - 'a' + 'A');
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

// The narrative. Each part appends its sentences to `out`, the paragraph
// being assembled.
struct Narrator {
    const Connection& c;
    const Summary& s;
    const TextOptions& o;

    std::uint32_t seq(Side sender, SeqNum x) const { return rel_seq(c, sender, x, o.numbers); }

    // "ack 144" of the segment at `frame` sent by `sender`, if the core kept it.
    std::optional<std::uint32_t> ack_of(std::uint64_t frame, Side sender) const {
        const Transition* t = caused_by(c, frame);
        if (!t || cause_sender(*t) != sender || !t->flags.ack()) return std::nullopt;
        return seq(other(sender), t->ack);
    }

    void roles(Buf& out) const;
    void opening(Buf& out) const;
    void options(Buf& out) const;  // " Options offered: ...", or nothing
    void timing(Buf& out) const;   // " Handshake timing ...", or nothing
    void data(Buf& out) const;
    void closing(Buf& out) const;  // nothing when it never opened
    void close_four_way(Buf& out, Side a) const;
    void close_three_way(Buf& out, Side a) const;
    void close_simultaneous(Buf& out) const;
    void close_reset(Buf& out) const;
    void close_half(Buf& out, Side a) const;
    void state_path(Buf& out, Side side) const;
    void final_state(Buf& out, Side side) const;
    void delivery_note(Buf& out, const Transition& t) const;
};

void Narrator::roles(Buf& out) const {
    const std::uint16_t sp = c.addr(Side::server).port, cp = c.addr(Side::client).port;
    append(out, "roles inferred: no SYN seen — server is ");
    if ((sp < 1024) != (cp < 1024)) put(out, "the side on port {} (well-known port)"_cf, sp);
    else if (sp != cp) put(out, "the side on the lower port, {} (ephemeral ports are allocated high)"_cf, sp);
    else append(out, "the destination of the first packet");
}

void Narrator::options(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const auto offered = [&](const TcpOptions& op) {
        List items(out);
        if (op.has_mss) put(items.next(), "MSS {}"_cf, op.mss);
        if (op.has_wscale) put(items.next(), "wscale {}"_cf, op.wscale);
        if (op.sack_permitted) append(items.next(), "SACK");
        if (op.has_timestamps) append(items.next(), "timestamps");
        if (op.has_fast_open) append(items.next(), op.fast_open_cookie_len ? "Fast Open cookie" : "Fast Open cookie request");
        if (items.empty()) append(out, "no options");
    };
    const auto none = [](const Endpoint& e) {
        const TcpOptions& op = e.syn_options;
        return !e.syn_options_seen || !(op.has_mss || op.has_wscale || op.sack_permitted || op.has_timestamps || op.has_fast_open);
    };
    if (!cl.syn_options_seen && !sv.syn_options_seen) return;
    if (none(cl) && none(sv)) {
        append(out, " No TCP options in the SYNs (no window scaling, no SACK, no timestamps).");
        return;
    }
    append(out, " Options offered:");
    if (cl.syn_options_seen) {
        append(out, " client ");
        offered(cl.syn_options);
    }
    if (cl.syn_options_seen && sv.syn_options_seen) append(out, ";");
    if (sv.syn_options_seen) {
        append(out, " server ");
        offered(sv.syn_options);
    }
    append(out, ".");
    if (cl.syn_options_seen && sv.syn_options_seen) {
        const TcpOptions& a = cl.syn_options;
        const TcpOptions& b = sv.syn_options;
        List on(out, ", ", " Negotiated: ");
        if (a.has_wscale && b.has_wscale)
            put(on.next(), "window scaling (client windows ×{}, server windows ×{})"_cf, 1u << a.wscale, 1u << b.wscale);
        else if (a.has_wscale || b.has_wscale)
            put(on.next(), "no window scaling (only the {} offered it)"_cf, a.has_wscale ? "client" : "server");
        if (a.sack_permitted && b.sack_permitted) append(on.next(), "SACK");
        if (a.has_timestamps && b.has_timestamps) append(on.next(), "timestamps");
        if (a.has_mss && b.has_mss)
            put(on.next(), "segments of at most {} bytes to the client and {} to the server"_cf, a.mss, b.mss);
        if (!on.empty()) append(out, ".");
    }
    const HandshakeFacts& h = c.handshake();
    if (h.syn_data) put(out, " The SYN carried {} bytes of data (TCP Fast Open)."_cf, h.syn_payload);
}

void Narrator::timing(Buf& out) const {
    if (!s.syn_to_synack && !s.synack_to_ack) return;
    append(out, " Handshake timing at the capture point:");
    if (s.syn_to_synack)
        put(out, " SYN → SYN+ACK {} (the server's side of the path, and the server)"_cf, Duration{s.syn_to_synack});
    if (s.syn_to_synack && s.synack_to_ack) append(out, ",");
    if (s.synack_to_ack) put(out, " SYN+ACK → ACK {} (the client's side)"_cf, Duration{s.synack_to_ack});
    if (s.syn_to_synack && s.synack_to_ack)
        put(out, "; the handshake round trip seen from here is {}"_cf, Duration{s.syn_to_synack + s.synack_to_ack});
    append(out, ".");
}

void Narrator::opening(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    // ", after 2 SYN retransmissions (sent 3 times)"
    const auto retx = [&](std::uint32_t n, std::string_view what) {
        if (n) put(out, ", after {} {} {} (sent {} times)"_cf, n, what, n == 1 ? "retransmission" : "retransmissions", n + 1);
    };
    switch (s.handshake) {
        case HandshakeKind::three_way: {
            append(out, "Three-way handshake: ");
            if (h.syn_frame) {
                put(out, "the client sent SYN (packet {}, ISN {})"_cf, h.syn_frame, cl.isn.raw());
                retx(s.syn_retransmissions, "SYN");
                append(out, "; ");
            } else {
                append(out, "the client's SYN was not captured (the client is assumed to have been in SYN_SENT); ");
            }
            put(out, "the server answered SYN+ACK (packet {}, ISN {}, ack {} = client ISN + 1)"_cf, h.synack_frame,
                sv.isn.raw(), (cl.isn + 1).raw());
            retx(s.synack_retransmissions, "SYN+ACK");
            append(out, "; ");
            put(out, "the client's ACK (packet {}) completed it. "_cf, h.ack_frame);
            append(out, "Three segments, so that an old delayed SYN cannot open a connection the client never asked for.");
            break;
        }
        case HandshakeKind::simultaneous_open:
            put(out,
                "Simultaneous open: both sides sent SYN (client packet {}, server packet {}) before either saw the "
                "other's, so each answered the other's SYN and went SYN_SENT → SYN_RECEIVED → ESTABLISHED "
                "(RFC 9293 figure 7)."_cf,
                cl.syn_frame, sv.syn_frame);
            break;
        case HandshakeKind::refused:
            put(out, "Refused: the server answered the SYN (packet {}"_cf, h.syn_frame);
            retx(s.syn_retransmissions, "SYN");
            put(out,
                ") with RST (packet {}): nothing listens on port {} "
                "(or a firewall rejects the connection). The client's connect() fails with \"connection refused\"."_cf,
                h.refused_frame, c.addr(Side::server).port);
            break;
        case HandshakeKind::unanswered:
            put(out,
                "Unanswered: {}, no answer (first at packet {}, {} UTC; the last one {} later). The server never "
                "replied in this capture: it may be down, a firewall may drop the SYN, or the capture misses the "
                "other direction."_cf,
                plural(h.syn_count, "SYN", "SYNs"), h.syn_frame, Utc{h.syn_ts}, Duration{c.last_ts() - h.syn_ts});
            break;
        case HandshakeKind::incomplete:
            if (!h.syn_frame && h.synack_frame)
                put(out,
                    "The capture starts at the server's SYN+ACK (packet {}): the client's SYN was not "
                    "captured, so the client is assumed to have been in SYN_SENT; no ACK completed the "
                    "handshake in the capture."_cf,
                    h.synack_frame);
            else if (h.synack_frame)
                put(out,
                    "Incomplete handshake: SYN (packet {}), SYN+ACK (packet {}), but no ACK from the "
                    "client in the capture."_cf,
                    h.syn_frame, h.synack_frame);
            else
                put(out,
                    "Incomplete handshake: the client's SYN (packet {}) was seen, the server's SYN+ACK "
                    "was not, yet the server sent {}."_cf,
                    h.syn_frame, plural(sv.packets, "packet", "packets"));
            break;
        case HandshakeKind::not_seen:
            put(out, "The capture starts mid-connection (packet {}): no SYN, so both sides were assumed "_cf,
                c.first_frame());
            if (cl.initial_state == sv.initial_state)
                append(out, state_name(cl.initial_state));
            else
                put(out, "client {}, server {}"_cf, state_name(cl.initial_state), state_name(sv.initial_state));
            append(out,
                   " and their ISNs "
                   "are unknown; relative numbers count from the first byte seen of each side (that byte is 1).");
            break;
    }
    if (s.handshake == HandshakeKind::three_way || s.handshake == HandshakeKind::simultaneous_open) {
        options(out);
        if (s.handshake == HandshakeKind::three_way) timing(out);
        if (!o.numbers.absolute)
            append(out,
                   " Sequence numbers below are relative to each side's ISN (the SYN is seq 0, the first data byte "
                   "seq 1), as Wireshark shows them.");
    }
}

void Narrator::data(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    if (cl.payload_bytes == 0 && sv.payload_bytes == 0) {
        append(out, "No data in either direction.");
        return;
    }
    put(out, "The client sent {} and the server {}"_cf, plural(cl.payload_bytes, "byte", "bytes"),
        plural(sv.payload_bytes, "byte", "bytes"));
    const std::uint32_t resent = c.anomaly_count(Anomaly::retransmission) + c.anomaly_count(Anomaly::duplicate_frame);
    if (resent) append(out, " (counting retransmitted and duplicated segments)");
    append(out, ".");
}

void Narrator::close_four_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    put(out,
        "{}, initiated by the {}. The {} closed first: its FIN (packet {}, seq {}) took it to "
        "FIN_WAIT_1. "_cf,
        close_words(CloseKind::four_way), who(a), who(a), fa.frame, seq(a, fa.seq));
    if (fa.acked) {
        const auto ack = ack_of(fa.acked_by_frame, b);
        put(out,
            "The {} acknowledged it on its own (packet {}, ack {} = FIN seq {} + 1): the {} went to "
            "CLOSE_WAIT, the {} to FIN_WAIT_2. "_cf,
            who(b), fa.acked_by_frame, ack ? *ack : seq(a, fa.seq + 1), seq(a, fa.seq), who(b), who(a));
        if (fb.ts >= fa.acked_ts)
            put(out, "{} later the {} sent its own FIN (packet {}, seq {}) and went to LAST_ACK. "_cf,
                Duration{fb.ts - fa.acked_ts}, who(b), fb.frame, seq(b, fb.seq));
    } else {
        put(out, "The {} sent its own FIN (packet {}, seq {}). "_cf, who(b), fb.frame, seq(b, fb.seq));
    }
    if (fb.acked) {
        const auto ack = ack_of(fb.acked_by_frame, a);
        put(out, "The {}'s ACK (packet {}, ack {}) acknowledged it. "_cf, who(a), fb.acked_by_frame,
            ack ? *ack : seq(b, fb.seq + 1));
    } else {
        put(out, "No ACK of the {}'s FIN was captured. "_cf, who(b));
    }
    put(out,
        "Four segments, not three: the {} acknowledged the FIN before its application closed — TCP "
        "closes each direction on its own (half-close), and it could still have sent data in between."_cf,
        who(b));
}

void Narrator::close_three_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    const auto ack = ack_of(fb.frame, b);
    put(out,
        "{} — a three-way close, initiated by the {}. The {} closed first: its FIN (packet "
        "{}, seq {}) took it to FIN_WAIT_1. "_cf,
        close_words(CloseKind::three_way), who(a), who(a), fa.frame, seq(a, fa.seq));
    // Did a segment of b's cross a's FIN first (seed case 2: the data ACK)?
    const Transition* crossed = find_first(c, [&](const Transition& t) {
        return t.endpoint == b && t.cause_frame == fa.frame && t.delivery == Delivery::acknowledged;
    });
    if (crossed)
        put(out,
            "The {} first sent a segment whose ack did not cover that FIN (it acknowledged data only; "
            "the FIN, at seq {}, was still on its way). "_cf,
            who(b), seq(a, fa.seq));
    put(out,
        "The {}'s FIN (packet {}) also acknowledged the {}'s FIN (ack {} = FIN seq {} + 1), so its ACK "
        "and FIN travelled in one segment: three segments instead of four — the {} had nothing left "
        "to send. "_cf,
        who(b), fb.frame, who(a), ack ? *ack : seq(a, fa.seq + 1), seq(a, fa.seq), who(b));
    if (fb.acked) {
        const auto last = ack_of(fb.acked_by_frame, a);
        put(out, "The {}'s ACK (packet {}, ack {} = FIN seq {} + 1) acknowledged it."_cf, who(a), fb.acked_by_frame,
            last ? *last : seq(b, fb.seq + 1), seq(b, fb.seq));
    } else {
        put(out, "No ACK of the {}'s FIN was captured."_cf, who(b));
    }
}

void Narrator::close_simultaneous(Buf& out) const {
    const Side a = s.first_fin == Initiator::server ? Side::server : Side::client;
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    put(out, "{}. The {}'s FIN (packet {}, seq {}) and the {}'s FIN (packet {}, seq {}) crossed: "_cf,
        close_words(CloseKind::simultaneous), who(a), fa.frame, seq(a, fa.seq), who(b), fb.frame, seq(b, fb.seq));
    if (const auto ack = ack_of(fb.frame, b))
        put(out, "packet {}'s ack {} did not cover packet {}'s FIN (which occupies seq {}): "_cf, fb.frame, *ack,
            fa.frame, seq(a, fa.seq));
    append(out, "each side sent its FIN before it saw the other's. ");
    // Each side's way through CLOSING and into TIME_WAIT, first FIN's sender first.
    const Side order[2] = {a, b};
    const Transition* closing[2] = {};
    const Transition* tw[2] = {};
    std::size_t n_closing = 0, n_tw = 0;
    for (const Side x : order) {
        if (const Transition* t = find_first(c, [&](const Transition& u) { return u.endpoint == x && u.to == State::CLOSING; }))
            closing[n_closing++] = t;
        if (const Transition* t = find_first(c, [&](const Transition& u) {
                return u.endpoint == x && u.to == State::TIME_WAIT && u.delivery != Delivery::timer;
            }))
            tw[n_tw++] = t;
    }
    if (n_closing == 2)
        put(out, "Each received the other's FIN in FIN_WAIT_1 and went to CLOSING (the {} at packet {}, the {} at packet {}), "_cf,
            who(closing[0]->endpoint), closing[0]->frame, who(closing[1]->endpoint), closing[1]->frame);
    else if (n_closing == 1)
        put(out, "Only the {} at packet {} is shown going through CLOSING, "_cf, who(closing[0]->endpoint),
            closing[0]->frame);
    if (n_tw) {
        append(out, "then to TIME_WAIT on the ACK of its own FIN (");
        List list(out);
        for (std::size_t i = 0; i < n_tw; ++i)
            put(list.next(), "the {} on packet {}"_cf, who(tw[i]->endpoint), tw[i]->cause_frame);
        append(out, ").");
    }
    if (n_tw == 2) append(out, " Both sides end in TIME_WAIT.");
}

void Narrator::close_reset(Buf& out) const {
    const ResetFacts& r = c.reset();
    const Side sender = r.sender, receiver = other(r.sender);
    put(out,
        "Reset: the {} sent RST (packet {}) while in {}; the {} was in {}. An RST aborts both directions at once: "
        "both sides went to CLOSED with no TIME_WAIT, and anything still in flight is lost."_cf,
        who(sender), r.frame, state_name(r.sender_state), who(receiver), state_name(r.receiver_state));
    if (c.anomaly_count(Anomaly::rst_challenged) && c.final_state(receiver) != State::CLOSED)
        put(out,
            " But the RST was not at the sequence number the {} expected, and the {} went on sending: "
            "it answered with a challenge ACK (RFC 5961) and stayed in {}."_cf,
            who(receiver), who(receiver), state_name(c.final_state(receiver)));
    for (Side x : {Side::client, Side::server})
        if (c.fin(x).sent && c.fin(x).frame < r.frame)
            put(out, " The {} had sent FIN before (packet {})."_cf, who(x), c.fin(x).frame);
}

void Narrator::close_half(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    put(out, "Half-closed: the {} closed its direction (FIN, packet {}, seq {}"_cf, who(a), fa.frame, seq(a, fa.seq));
    if (fa.acked) put(out, ", acknowledged by packet {}"_cf, fa.acked_by_frame);
    append(out, "); ");
    if (c.final_state(b) == State::CLOSE_WAIT)
        put(out, "the {} never sent FIN — it is still in CLOSE_WAIT: its application has not called close()."_cf,
            who(b));
    else
        put(out, "the {} never sent FIN; it ends in {}."_cf, who(b), state_name(c.final_state(b)));
    if (c.final_state(a) == State::FIN_WAIT_2)
        put(out, " The {} waits in FIN_WAIT_2 for a FIN that has not come."_cf, who(a));
}

void Narrator::closing(Buf& out) const {
    const Side first = s.first_fin == Initiator::server ? Side::server : Side::client;
    switch (s.close) {
        case CloseKind::four_way: close_four_way(out, first); break;
        case CloseKind::three_way: close_three_way(out, first); break;
        case CloseKind::simultaneous: close_simultaneous(out); break;
        case CloseKind::reset: close_reset(out); break;
        case CloseKind::half_closed: close_half(out, first); break;
        case CloseKind::open:
            put(out, "No FIN, no RST: the connection was still open (client {}, server {}) when {}."_cf,
                state_name(c.final_state(Side::client)), state_name(c.final_state(Side::server)),
                c.end_reason() == EndReason::idle ? "it went idle" : "the capture ended");
            break;
        case CloseKind::none:
            return;
    }
    if (c.reset().ignored)
        put(out, " {} outside the window {} ignored."_cf, plural(c.reset().ignored, "RST", "RSTs"),
            c.reset().ignored == 1 ? "was" : "were");
}

void Narrator::state_path(Buf& out, Side side) const {
    append(out, state_name(c.endpoint(side).initial_state));
    for (const Transition& t : c.transitions())
        if (t.endpoint == side && t.delivery != Delivery::timer) {
            append(out, " → ");
            append(out, state_name(t.to));
        }
}

void Narrator::final_state(Buf& out, Side side) const {
    const State st = c.final_state(side);
    const Endpoint& e = c.endpoint(side);
    put(out, "The {} ends in {} ("_cf, who(side), state_name(st));
    state_path(out, side);
    append(out, ").");
    const Transition* last = find_last(c, [&](const Transition& t) { return t.endpoint == side && t.delivery != Delivery::timer; });
    switch (st) {
        case State::TIME_WAIT: {
            const Transition* tw = find_last(c, [&](const Transition& t) {
                return t.endpoint == side && t.to == State::TIME_WAIT && t.delivery != Delivery::timer;
            });
            put(out,
                " It waits 2*MSL = {} (MSL {}) so that, if its last ACK was lost, it can answer the "
                "peer's retransmitted FIN; the 4-tuple stays taken meanwhile."_cf,
                Duration{2 * o.msl}, Duration{o.msl});
            if (const Transition* timer = find_first(c, [&](const Transition& t) {
                    return t.endpoint == side && t.delivery == Delivery::timer;
                }))
                put(out, " That time passed within the capture: CLOSED at {} UTC."_cf, Utc{timer->ts});
            else if (tw)
                put(out, " It entered TIME_WAIT at packet {}, so it waits until {} UTC in capture time."_cf, tw->frame,
                    Utc{tw->ts + 2 * o.msl});
            break;
        }
        case State::CLOSE_WAIT:
            append(out,
                   " It received the peer's FIN but never sent its own: its application has not called close(). A "
                   "socket stuck in CLOSE_WAIT is an application that does not close, not a network problem.");
            break;
        case State::FIN_WAIT_1: append(out, " Its FIN was not acknowledged in the capture."); break;
        case State::FIN_WAIT_2:
            append(out,
                   " Its FIN was acknowledged; it waits for the peer's FIN (Linux gives an orphaned FIN_WAIT_2 socket "
                   "tcp_fin_timeout, 60 s by default).");
            break;
        case State::LAST_ACK: append(out, " It sent its FIN after the peer's; the ACK of it was not seen."); break;
        case State::CLOSING: append(out, " The FINs crossed; the ACK of its own FIN was not seen."); break;
        case State::ESTABLISHED: append(out, " The connection was still open for it."); break;
        case State::SYN_SENT: append(out, " Its SYN was never answered."); break;
        case State::SYN_RECEIVED: append(out, " It answered the SYN; the handshake's final ACK was not seen."); break;
        case State::LISTEN: append(out, " It is listening."); break;
        case State::CLOSED:
            if (!last) append(out, " It shows no state change in the capture.");
            else if (last->input == Input::rcv_rst || last->input == Input::snd_rst)
                append(out, last->from == State::SYN_SENT ? " Its connection attempt was refused." : " The connection was reset.");
            else if (last->from == State::LAST_ACK)
                put(out,
                    " It closed second (passive close): the ACK of its FIN (packet {}) closed it "
                    "fully, with no TIME_WAIT on this side."_cf,
                    last->cause_frame);
            break;
    }
    if (e.state_inferred)
        put(out, " (Its initial state, {}, is assumed: the capture does not show the start.)"_cf,
            state_name(e.initial_state));
}

// What crossed the cause segment on the wire: the receiver's own FIN when
// it lies between the cause and the proof and did not acknowledge it.
void put_crossing_segment(Buf& out, const Connection& c, const Transition& t, const NumberStyle& numbers) {
    const Crossing* x = c.crossing(t);
    const std::uint64_t crossed_frame = x ? x->crossed_frame : 0;
    if (crossed_frame != 0 && !x->crossed_flags.ack()) {
        put(out, "the {}'s packet {} ([{}], acknowledging nothing yet)"_cf, side_name(t.endpoint), crossed_frame,
            x->crossed_flags.tcpdump());
        return;
    }
    if (crossed_frame != 0 && !(c.fin(t.endpoint).sent && c.fin(t.endpoint).frame == crossed_frame)) {
        put(out, "the {}'s packet {} (ack {}, not covering it)"_cf, side_name(t.endpoint), crossed_frame,
            rel_seq(c, cause_sender(t), x->crossed_ack, numbers));
        return;
    }
    const FinFacts& own = c.fin(t.endpoint);
    if (own.sent && own.frame > t.cause_frame && own.frame <= t.frame && !(own.acked_peer_fin && t.flags.fin())) {
        put(out, "the {}'s own FIN (packet {})"_cf, side_name(t.endpoint), own.frame);
        return;
    }
    put(out, "a segment of the {}'s"_cf, side_name(t.endpoint));
}

void Narrator::delivery_note(Buf& out, const Transition& t) const {
    const Side sender = cause_sender(t);
    const Crossing* x = c.crossing(t);
    const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
    const auto what = [&] {
        put(out, "the {}'s {} (packet {})"_cf, who(sender), segment_kind(t.flags, payload_of(t)), t.cause_frame);
    };
    switch (t.delivery) {
        case Delivery::acknowledged:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            put(out,
                " on the wire: that segment did not yet acknowledge it; packet {}'s ack "
                "covered it, so the {}'s {} is placed at packet {}."_cf,
                proof_frame, who(t.endpoint), state_name(t.to), t.frame);
            break;
        case Delivery::followed:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            put(out,
                " on the wire; packet {}, sent by the {} after it, shows it had arrived "
                "(one direction delivers in order), so the {}'s {} is placed at packet {}."_cf,
                proof_frame, who(sender), who(t.endpoint), state_name(t.to), t.frame);
            break;
        case Delivery::end_of_capture:
            append(out, "Nothing in the capture confirms that ");
            what();
            put(out, " arrived; it is assumed delivered: the {}'s {} at packet {}."_cf, who(t.endpoint),
                state_name(t.to), t.frame);
            break;
        case Delivery::silence:
            append(out, "No segment acknowledges ");
            what();
            put(out,
                ", but nothing came back in the {} after it: had it been lost, the {} would have "
                "retransmitted. So it arrived: the {}'s {} at packet {}."_cf,
                Duration{c.linger()}, who(t.endpoint), who(t.endpoint), state_name(t.to), t.frame);
            break;
        default: break;
    }
}

bool noted_on_the_wire(const Transition& t) {
    return t.delivery == Delivery::acknowledged || t.delivery == Delivery::followed ||
           t.delivery == Delivery::end_of_capture || t.delivery == Delivery::silence;
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
    std::vector<Anomaly> tags;
    std::uint32_t placed[2] = {};  // transitions drawn on this row, per side
};

std::string_view superscript(std::size_t n) {
    static constexpr std::string_view digits[] = {"¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    return n >= 1 && n <= 9 ? digits[n - 1] : "*";
}

// A line of the ladder is
//   "  <client state> <frame> <arrow>  <server state><anomaly tags>"
// without trailing blanks.
class Ladder {
public:
    Ladder(const Connection& c, const TextOptions& o) : c_(c), o_(o) { collect(); }
    void write(Buf& b);

private:
    void collect();
    Row& row_at(std::uint64_t frame);
    void label(Buf& out, const Row& r) const;
    const Transition* placed(const Row& r, Side side, std::size_t i) const;
    void put_arrow(Line& line, const Row& r) const;
    void put_state(Line& line, const Transition* t, std::size_t width);
    void put_frame(Line& line, std::uint64_t frame) const;
    void put_no_frame(Line& line) const { line.blank(frame_width_ + 2); }
    void put_gap(Buf& b, std::string_view text) const;

    const Connection& c_;
    const TextOptions& o_;
    std::vector<Row> rows_;  // sorted by frame
    std::size_t frame_width_ = 1;
    Buf footnotes_;          // as printed, one line each
    std::size_t footnote_count_ = 0;
};

Row& Ladder::row_at(std::uint64_t frame) {
    // Made on first use; the reference lasts until the next call.
    auto it = std::lower_bound(rows_.begin(), rows_.end(), frame,
                               [](const Row& r, std::uint64_t f) { return r.frame < f; });
    if (it == rows_.end() || it->frame != frame) {
        it = rows_.insert(it, Row{});
        it->frame = frame;
    }
    return *it;
}

void Ladder::collect() {
    rows_.reserve(c_.segments().size() + 2 * c_.transitions().size());
    // --all-segments: every segment the core kept gets a line of its own.
    for (const SegmentFacts& sf : c_.segments()) {
        Row& r = row_at(sf.frame);
        r.sender = sf.sender;
        r.full = true;
        r.flags = sf.flags;
        r.seq = sf.seq;
        r.ack = sf.ack;
        r.payload = sf.payload_len;
    }
    for (const Transition& t : c_.transitions()) {
        if (t.delivery == Delivery::timer) continue;
        Row& cause = row_at(t.cause_frame);
        cause.sender = cause_sender(t);
        cause.full = true;
        cause.flags = t.flags;
        cause.seq = t.seq;
        cause.ack = t.ack;
        cause.payload = payload_of(t);
        Row& at = row_at(t.frame);  // `cause` is not used past here
        ++at.placed[static_cast<int>(t.endpoint)];
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
    }
    for (const AnomalyEvent& ev : c_.anomaly_events()) {
        if (!ladder_worthy(ev.kind)) continue;
        Row& r = row_at(ev.frame);
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
    for (const Row& row : rows_) frame_width_ = std::max(frame_width_, fmt::format_int(row.frame).size());
}

void Ladder::label(Buf& out, const Row& r) const {
    if (r.full) {
        append_segment_label(out, c_, *r.sender, r.flags, r.seq, r.ack, r.payload, o_.numbers);
    } else if (r.numbers) {
        // No flags kept for it: named by its anomaly instead.
        put(out, "({}) seq {}"_cf, r.tags.empty() ? "?" : anomaly_short(r.tags.front()),
            rel_seq(c_, *r.sender, r.seq, o_.numbers));
        if (r.ack.raw() != 0) put(out, " ack {}"_cf, rel_seq(c_, other(*r.sender), r.ack, o_.numbers));
    } else {
        append(out, "(segment not kept)");
    }
}

// The `i`th transition drawn on `r` for `side`, in the core's order.
const Transition* Ladder::placed(const Row& r, Side side, std::size_t i) const {
    if (i >= r.placed[static_cast<int>(side)]) return nullptr;
    for (const Transition& t : c_.transitions())
        if (t.delivery != Delivery::timer && t.frame == r.frame && t.endpoint == side && i-- == 0) return &t;
    return nullptr;
}

void Ladder::put_arrow(Line& line, const Row& r) const {
    Buf text;
    if (!r.sender) {
        // Direction unknown: the label alone, centred.
        append(text, "· ");
        label(text, r);
        append(text, " ·");
        put_centered(line, view(text), kArrowWidth);
        return;
    }
    label(text, r);
    const std::size_t w = columns(view(text));
    const std::size_t fill = kArrowWidth > w + 3 ? kArrowWidth - w - 3 : 1;
    const std::string_view code = r.full && r.flags.rst() ? kRed : !r.full ? kYellow : std::string_view{};
    const bool painted = o_.color && !code.empty();
    if (painted) line.text(code);
    line.text(*r.sender == Side::client ? "──" : "◀──");
    line.text(view(text));
    line.text(rule(fill));
    if (*r.sender == Side::client) line.text("▶");
    if (painted) line.text(kReset);
}

// The state a transition entered, as a cell `width` columns wide, with a
// footnote when the state is drawn later than the segment that caused it.
void Ladder::put_state(Line& line, const Transition* t, std::size_t width) {
    if (!t) {
        line.blank(width);
        return;
    }
    std::string_view mark;
    if (t->frame != t->cause_frame) {
        const Crossing* x = c_.crossing(*t);
        const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
        mark = superscript(++footnote_count_);
        put(footnotes_, "  {} {} {} → {} at packet {}: packet {} ({}) was still in flight; "_cf, mark,
            side_name(t->endpoint), state_name(t->from), state_name(t->to), t->frame, t->cause_frame,
            segment_kind(t->flags, payload_of(*t)));
        switch (t->delivery) {
            case Delivery::acknowledged: put(footnotes_, "packet {}'s ACK shows it arrived"_cf, proof_frame); break;
            case Delivery::followed: put(footnotes_, "packet {}, sent after it, shows it arrived"_cf, proof_frame); break;
            case Delivery::end_of_capture: append(footnotes_, "assumed delivered at the end of the capture"); break;
            case Delivery::silence: append(footnotes_, "nothing came back after it, so it arrived"); break;
            default: append(footnotes_, delivery_name(t->delivery)); break;
        }
        footnotes_.push_back('\n');
    }
    put_cell(line, o_.color, kCyan, state_name(t->to), width, mark);
}

void Ladder::put_frame(Line& line, std::uint64_t frame) const {
    const fmt::format_int digits(frame);
    line.blank(1 + (frame_width_ > digits.size() ? frame_width_ - digits.size() : 0));
    line.text({digits.data(), digits.size()});
    line.blank(1);
}

void Ladder::put_gap(Buf& b, std::string_view text) const {
    Line line(b);
    line.blank(2 + kStateWidth);
    put_no_frame(line);
    put_centered(line, text, kArrowWidth);
    line.end();
}

void Ladder::write(Buf& b) {
    {
        Line line(b);
        line.blank(2);
        put_cell(line, false, "", "client", kStateWidth);
        put_no_frame(line);
        line.blank(kArrowWidth + 2);
        line.text("server");
        line.end();
    }
    {
        Line line(b);
        line.blank(2);
        put_cell(line, o_.color, kCyan, state_name(c_.endpoint(Side::client).initial_state), kStateWidth);
        put_no_frame(line);
        line.blank(kArrowWidth + 2);
        put_cell(line, o_.color, kCyan, state_name(c_.endpoint(Side::server).initial_state), 0);
        line.end();
    }

    // Segments not drawn: the data transfer and ACKs that changed nothing.
    const std::uint64_t total = c_.endpoint(Side::client).packets + c_.endpoint(Side::server).packets;
    const std::uint64_t hidden = total > rows_.size() ? total - rows_.size() : 0;
    bool bytes_known = true;
    std::uint64_t shown_bytes = 0;
    for (const Row& row : rows_) {
        if (row.full) shown_bytes += row.payload;
        else bytes_known = false;
    }
    const std::uint64_t all_bytes = c_.endpoint(Side::client).payload_bytes + c_.endpoint(Side::server).payload_bytes;
    // Where segments may hide: before a row whose frame does not follow the
    // previous row's (or the connection's first frame), and after the last.
    const auto gap_before = [&](std::uint64_t prev, std::uint64_t frame) {
        return prev == 0 ? frame > c_.first_frame() : frame > prev + 1;
    };
    std::size_t gaps = 0;
    std::uint64_t prev = 0;
    for (const Row& row : rows_) {
        gaps += gap_before(prev, row.frame);
        prev = row.frame;
    }
    const bool gap_at_end = prev < c_.last_frame();
    gaps += gap_at_end;
    Buf gap_text;
    if (hidden > 0 && gaps == 1) {
        put(gap_text, "··· {}"_cf, plural(hidden, "more segment", "more segments"));
        if (bytes_known && all_bytes >= shown_bytes && all_bytes > shown_bytes)
            put(gap_text, ", {}"_cf, plural(all_bytes - shown_bytes, "byte of data", "bytes of data"));
        append(gap_text, " ···");
    } else {
        append(gap_text, "···");
    }

    prev = 0;
    for (const Row& row : rows_) {
        if (hidden > 0 && gap_before(prev, row.frame)) put_gap(b, view(gap_text));
        prev = row.frame;
        // One line per state this segment moved, sides side by side.
        const std::size_t lines = std::max<std::size_t>({1, row.placed[0], row.placed[1]});
        for (std::size_t i = 0; i < lines; ++i) {
            Line line(b);
            line.blank(2);
            put_state(line, placed(row, Side::client, i), kStateWidth);
            if (i == 0) {
                put_frame(line, row.frame);
                put_arrow(line, row);
            } else {
                put_no_frame(line);
                line.blank(kArrowWidth);
            }
            line.blank(2);
            put_state(line, placed(row, Side::server, i), 0);
            if (i == 0)
                for (std::size_t k = row.full ? 0 : 1; k < row.tags.size(); ++k) {
                    line.blank(2);
                    if (o_.color) line.text(kYellow);
                    line.text("⚠ ");
                    line.text(anomaly_short(row.tags[k]));
                    if (o_.color) line.text(kReset);
                }
            line.end();
        }
    }
    if (hidden > 0 && gap_at_end) put_gap(b, view(gap_text));

    // Timers: TIME_WAIT's 2*MSL when it passed within the capture.
    const Transition* timer[2] = {};  // the last per side
    TimeNs at = 0;
    for (const Transition& t : c_.transitions()) {
        if (t.delivery != Delivery::timer) continue;
        timer[static_cast<int>(t.endpoint)] = &t;
        at = t.ts;
    }
    if (timer[0] || timer[1]) {
        Line line(b);
        line.blank(2);
        if (timer[0]) put_cell(line, o_.color, kCyan, state_name(timer[0]->to), kStateWidth);
        else line.blank(kStateWidth);
        put_no_frame(line);
        Buf middle;
        put(middle, "2*MSL later ({} UTC)"_cf, Utc{at});
        put_centered(line, view(middle), kArrowWidth);
        line.blank(2);
        if (timer[1]) put_cell(line, o_.color, kCyan, state_name(timer[1]->to), 0);
        line.end();
    }

    if (hidden > 0 && gaps > 1) {
        put(b, "  ··· {} not drawn"_cf, plural(hidden, "segment", "segments"));
        if (bytes_known && all_bytes > shown_bytes)
            put(b, " ({} of data)"_cf, plural(all_bytes - shown_bytes, "byte", "bytes"));
        append(b, ": they changed no state\n");
    }
    append(b, view(footnotes_));
    if (o_.all_segments && c_.segments().empty() && hidden > 0)
        append(b,
               "  (every segment on its own line needs the core to keep them: TrackerConfig::keep_segments, "
               "which --all-segments sets)\n");
}

std::string_view end_words(EndReason r) {
    switch (r) {
        case EndReason::closed: return "both sides closed";
        case EndReason::time_wait_expired: return "TIME_WAIT expired";
        case EndReason::idle: return "idle timeout";
        case EndReason::superseded: return "a new SYN reused the ports";
        case EndReason::capture_end: return "end of capture";
        case EndReason::time_wait: return "settled, reported during TIME_WAIT";
    }
    return "?";
}

}  // namespace

void write_text(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const Narrator n{c, s, o};

    // 1. Header (its first line bold).
    if (o.color) append(b, kBold);
    put(b, "Connection #{}  {} (client) ⇄ {} (server)"_cf, c.id(), Address{c.addr(Side::client)},
        Address{c.addr(Side::server)});
    if (o.color) append(b, kReset);
    b.push_back('\n');
    put(b, "  started {} UTC, lasted {}, packets {}–{}; ended: {}\n"_cf, Utc{c.first_ts()},
        Duration{c.last_ts() - c.first_ts()}, c.first_frame(), c.last_frame(), end_words(c.end_reason()));
    put(b, "  client → server: {}, {} of payload\n"_cf, plural(cl.packets, "packet", "packets"),
        plural(cl.payload_bytes, "byte", "bytes"));
    put(b, "  server → client: {}, {} of payload\n"_cf, plural(sv.packets, "packet", "packets"),
        plural(sv.payload_bytes, "byte", "bytes"));
    if (c.roles_inferred()) {
        append(b, "  ");
        n.roles(b);
        b.push_back('\n');
    }
    put(b, "  opening: {}; closing: {}\n"_cf, handshake_words(s.handshake), close_words(s.close));

    // 2. Narrative: each paragraph is assembled in `para`, then word-wrapped
    // into the output.
    Buf para;
    const auto title = [&](std::string_view text) { put(b, "\n  {}\n"_cf, paint(o.color, kBold, text)); };
    const auto section = [&](std::string_view text, void (Narrator::*narrate)(Buf&) const) {
        para.clear();
        (n.*narrate)(para);
        if (para.size() == 0) return;
        title(text);
        capitalise(para);
        put_paragraph(b, view(para), 4, 4);
    };
    section("How it opened", &Narrator::opening);
    section("Data", &Narrator::data);
    section("How it closed", &Narrator::closing);
    title("Final states");
    for (const Side side : {Side::client, Side::server}) {
        para.clear();
        n.final_state(para, side);
        put_paragraph(b, view(para), 4, 4);
    }
    bool wire = false;
    for (const Transition& t : c.transitions()) {
        if (!noted_on_the_wire(t)) continue;
        if (!wire) title("On the wire");
        wire = true;
        para.clear();
        n.delivery_note(para, t);
        capitalise(para);
        put_paragraph(b, view(para), 4, 4);
    }
    bool any = false;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        const auto count = c.anomaly_count(a);
        if (!count) continue;
        if (!any) title("Anomalies");
        any = true;
        para.clear();
        const AnomalyWords words = anomaly_words(a);
        put(para, "{} {} {}"_cf, paint(o.color, kYellow, "•"), count, count == 1 ? words.one : words.many);
        // Who sent them (each side once, in order of appearance), then where.
        Side senders[2];
        std::size_t n_senders = 0, frames = 0;
        for (const AnomalyEvent& ev : c.anomaly_events()) {
            if (ev.kind != a) continue;
            ++frames;
            if (std::find(senders, senders + n_senders, ev.endpoint) == senders + n_senders) senders[n_senders++] = ev.endpoint;
        }
        if (frames) {
            List from(para, " and the ", ", from the ");
            for (std::size_t k = 0; k < n_senders; ++k) append(from.next(), side_name(senders[k]));
            put(para, ": packet{} "_cf, frames == 1 ? "" : "s");
            List list(para);
            for (const AnomalyEvent& ev : c.anomaly_events())
                if (ev.kind == a) put(list.next(), "{}"_cf, ev.frame);
            if (frames < count) append(para, ", …");
        }
        if (a == Anomaly::unexpected_segment)
            for (const AnomalyEvent& ev : c.anomaly_events())
                if (ev.kind == a) put(para, "; packet {}: {}"_cf, ev.frame, transition(ev.state, ev.input).why);
        put_paragraph(b, view(para), 4, 6);
    }

    // 3. Ladder.
    b.push_back('\n');
    Ladder(c, o).write(b);
    b.push_back('\n');
}

void write_brief(Buf& b, const Connection& c, const Summary& s, const TextOptions& o) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    put(b, "#{:<4} {} → {}{}  {} · {}"_cf, c.id(), Address{c.addr(Side::client)}, Address{c.addr(Side::server)},
        c.roles_inferred() ? " (roles inferred)" : "", handshake_words(s.handshake), close_words(s.close));
    if (s.initiator == Initiator::client || s.initiator == Initiator::server)
        put(b, ", {} first"_cf, initiator_name(s.initiator));
    put(b, " · client {}, server {} · {} packets, {}"_cf, paint(o.color, kCyan, state_name(c.final_state(Side::client))),
        paint(o.color, kCyan, state_name(c.final_state(Side::server))), cl.packets + sv.packets,
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
        const AnomalyWords w = anomaly_words(a);
        const std::string_view words = n == 1 ? w.one : w.many;
        put(b, "{} {}"_cf, n, words.substr(0, words.find(" (")));
    }
    if (any && o.color) append(b, kReset);
    b.push_back('\n');
}

}  // namespace tfe::analyzer
