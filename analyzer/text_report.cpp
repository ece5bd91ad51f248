#include "analyzer/text_report.hpp"

#include "analyzer/raw_write.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
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

// The report is written straight into the caller's buffer; a paragraph that
// is word-wrapped is first assembled in a scratch buffer. No temporary
// std::string is made per line or per field: the report is ~4 KB per
// connection, and those costs were most of its time. Sentences are put
// together by cat() (below).

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

// Parts of sentences that cat() writes into the output.
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

// ---------------------------------------------------------------------------
// Sentences by concatenation
// ---------------------------------------------------------------------------
//
// cat(b, "The ", who(side), " ends in ", state_name(st), " (") appends its
// pieces in order. The narrative's sentences are mostly literal text with a
// few numbers and words between; through fmt's compiled format strings each
// literal piece and each number went through fmt's out-of-line append (a
// size check and a copy loop per piece), about a tenth of the report's
// time. cat() adds up an upper bound of every piece's size, makes room
// once, and writes through a raw pointer: a literal is a memcpy of a length
// known at compile time, a number is fmt's digits written in place (through
// fmt::format_int they cost a second copy, a libc memcpy call). The text is
// what "{}" of each piece prints.
//
// A piece is a string literal, a std::string_view, an integer (not bool or
// char, which "{}" prints as a word or a character: they do not compile
// here), one of the sentence parts above (Plural, Address, Painted), or
// describe.hpp's format arguments Utc and Duration.

// Upper bounds of what a piece writes, in bytes.
template <std::size_t N>
constexpr std::size_t max_size(const char (&)[N]) { return N - 1; }
std::size_t max_size(std::string_view s) { return s.size(); }
template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
constexpr std::size_t max_size(T) { return 20; }  // the digits of 2^64 - 1, or a sign and 19
std::size_t max_size(const Plural& p) { return max_size(p.n) + 1 + std::max(p.one.size(), p.many.size()); }
constexpr std::size_t max_size(const Address&) { return kHostPortTextMax; }
std::size_t max_size(const Painted& p) { return p.code.size() + p.text.size() + kReset.size(); }
// "2020-06-15 10:49:10.094025"; a duration of any int64 nanoseconds is under
// 30 bytes ("-9223372036854775.8 µs").
constexpr std::size_t max_size(Utc) { return 64; }
constexpr std::size_t max_size(Duration) { return 64; }

// Each writes its piece at `p` and returns the end.
template <std::size_t N>
char* write_piece(char* p, const char (&s)[N]) { return raw::lit(p, s); }
char* write_piece(char* p, std::string_view s) { return raw::put(p, s); }
template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
char* write_piece(char* p, T n) {
    // The digits straight at p, as "{}" prints them: raw_write's routine,
    // which splits a number in halves that do not wait for each other.
    if constexpr (std::is_signed_v<T>) {
        if (n < 0) {
            *p++ = '-';
            return raw::put_uint(p, 0 - static_cast<std::uint64_t>(n));
        }
    }
    return raw::put_uint(p, static_cast<std::uint64_t>(n));
}
char* write_piece(char* p, const Plural& x) {
    p = write_piece(p, x.n);
    *p++ = ' ';
    return write_piece(p, x.n == 1 ? x.one : x.many);
}
char* write_piece(char* p, const Address& a) { return write_host_port(p, a.hp); }
char* write_piece(char* p, const Painted& x) {
    if (!x.color || x.text.empty()) return write_piece(p, x.text);
    return write_piece(write_piece(write_piece(p, x.code), x.text), kReset);
}
// Their formatters (describe.hpp) write to any output iterator.
char* write_piece(char* p, Utc t) { return fmt::format_to(p, FMT_COMPILE("{}"), t); }
char* write_piece(char* p, Duration d) { return fmt::format_to(p, FMT_COMPILE("{}"), d); }

template <typename... Pieces>
void cat(Buf& b, const Pieces&... pieces) {
    char* p = raw::room(b, (max_size(pieces) + ...));
    ((p = write_piece(p, pieces)), ...);
    raw::commit(b, p);
}

// A string literal on its own: its length is known at compile time, so the
// copy is a few moves in place rather than a call to memcpy. Most of the
// narrative's pieces are literals.
template <std::size_t N>
void append(Buf& b, const char (&s)[N]) {
    cat(b, s);
}

// ---------------------------------------------------------------------------
// Plain-text layout: widths in columns (code points), ANSI colour on demand
// ---------------------------------------------------------------------------

constexpr std::size_t kStateWidth = 14;
constexpr std::size_t kArrowWidth = 56;
constexpr std::size_t kWrap = 78;

// How many of the bytes of `s` satisfy `pred(s, i)`. The word wrap runs
// this over every byte of the narrative, so it is written to vectorise well:
// no branch, and a one-byte counter per block of 240 bytes (a wider one
// makes the compiler widen every byte to 64 bits, several times slower).
// 240 is the largest multiple of 16 that a byte can count: the compiler
// works 16 bytes at a time, and a block of 255 left 15 bytes in every block
// to go one at a time.
template <typename Pred>
constexpr std::size_t count_bytes(std::string_view s, std::size_t from, Pred pred) {
    std::size_t n = 0;
    for (std::size_t i = from; i < s.size();) {
        const std::size_t block_end = std::min(s.size(), i + 240);
        std::uint8_t block = 0;
        for (; i < block_end; ++i) block = static_cast<std::uint8_t>(block + pred(s, i));
        n += block;
    }
    return n;
}

// Columns: the bytes that start a character (not a UTF-8 continuation byte).
constexpr std::size_t count_columns(std::string_view s) {
    return count_bytes(s, 0, [](std::string_view t, std::size_t i) {
        return (static_cast<unsigned char>(t[i]) & 0xC0) != 0x80;
    });
}

// No byte of `s` has its high bit set: each is a character, one column.
// Eight bytes at a time: what is measured here (a line of a paragraph, a
// label) is too short for the compiler's 16-byte loops to pay for their
// set-up and their byte-by-byte tail. The last word ends where `s` ends and
// may overlap the one before, which an OR does not mind.
bool is_ascii(std::string_view s) {
    const auto word_at = [&](std::size_t i) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        return w;
    };
    if (s.size() < 8) {
        unsigned char bits = 0;
        for (const char c : s) bits |= static_cast<unsigned char>(c);
        return bits < 0x80;
    }
    std::uint64_t bits = word_at(s.size() - 8);
    for (std::size_t i = 0; i + 8 <= s.size(); i += 8) bits |= word_at(i);
    return (bits & 0x8080808080808080u) == 0;
}

// The same, uncounted when no byte has its high bit set: most of the report
// is ASCII, and the check is cheaper than the count.
std::size_t columns(std::string_view s) { return is_ascii(s) ? s.size() : count_columns(s); }

// Columns of each state's name: the ladder pads every state it draws to a
// column, and the names are fixed, so they are counted at compile time.
constexpr auto kStateColumns = [] {
    std::array<std::size_t, kStateCount> w{};
    for (std::size_t i = 0; i < kStateCount; ++i) w[i] = count_columns(kStateNames[i]);
    return w;
}();

// `n` times "─" (n <= kArrowWidth), followed by the point "▶" when the
// arrow goes to the server: both are cut from one constant, the rule from its
// start, the rule and point from its end.
std::string_view rule(std::size_t n, bool pointed) {
    static constexpr std::string_view kRule =
        "────────────────────────────────────────────────────────▶";  // kArrowWidth "─", then "▶"
    static_assert(kRule.size() == 3 * kArrowWidth + 3);
    n = std::min(n, kArrowWidth);
    return pointed ? kRule.substr(3 * (kArrowWidth - n)) : kRule.substr(0, 3 * n);
}

// One ladder line, written straight into room reserved in the buffer: a
// line is a few pieces of text between runs of blanks, and appending each
// piece on its own (a call, a size check, a libc memset and memcpy) was most
// of the ladder's time. The room is filled with blanks when it is reserved,
// so the blanks between pieces cost only moving past them. Blanks are held
// back until something visible follows them, so a line never ends in blanks
// and nothing has to be trimmed. Nothing else may write to the buffer until
// end().
class Line {
public:
    explicit Line(Buf& b) : b_(b) { open(kRoom); }
    void blank(std::size_t n) { blanks_ += n; }
    void text(std::string_view s) {
        // Most pieces do not end in a blank and fit in the room (and a byte
        // for the newline): a test the compiler can inline where the piece
        // is put, and one copy.
        if (!s.empty() && s.back() != ' ' && static_cast<std::size_t>(limit_ - p_) > blanks_ + s.size()) {
            p_ = raw::put(p_ + blanks_, s);
            blanks_ = 0;
            return;
        }
        text_in_general(s);
    }
    void end() {
        *p_++ = '\n';
        raw::commit(b_, p_);
    }

private:
    void text_in_general(std::string_view s) {
        const std::size_t visible = s.find_last_not_of(' ') + 1;  // 0 when all blank
        if (visible) {
            const std::size_t need = blanks_ + visible + 1;  // and one byte for the newline
            if (static_cast<std::size_t>(limit_ - p_) < need) {
                raw::commit(b_, p_);
                open(need + kRoom);
            }
            p_ = raw::put(p_ + blanks_, s.substr(0, visible));
            blanks_ = 0;
        }
        blanks_ += s.size() - visible;
    }

    // Room for most lines at once (a row of the ladder is about 200 bytes:
    // its rule is 3 bytes a column); a longer one gets more.
    static constexpr std::size_t kRoom = 256;
    void open(std::size_t n) {
        p_ = raw::room(b_, n);
        std::memset(p_, ' ', n);
        limit_ = p_ + n;
    }

    Buf& b_;
    char* p_ = nullptr;      // where the next byte goes
    char* limit_ = nullptr;  // the end of the room
    std::size_t blanks_ = 0;
};

// `text`, `text_columns` wide, followed by `mark` (a footnote mark),
// painted, then padded to `width` columns (at least one blank).
void put_cell(Line& line, bool color, std::string_view code, std::string_view text, std::size_t text_columns,
              std::size_t width, std::string_view mark = {}) {
    const std::size_t w = text_columns + (mark.empty() ? 0 : columns(mark));
    const bool painted = color && (text.size() + mark.size()) != 0;
    if (painted) line.text(code);
    line.text(text);
    if (!mark.empty()) line.text(mark);
    if (painted) line.text(kReset);
    line.blank(w < width ? width - w : 1);
}

// A state's name as a cell: cyan when colour is on.
void put_state_cell(Line& line, bool color, State s, std::size_t width, std::string_view mark = {}) {
    put_cell(line, color, kCyan, state_name(s), kStateColumns[static_cast<std::size_t>(s)], width, mark);
}

// `text`, `w` columns wide, centred in `width` columns; as it is when it
// does not fit.
void put_centered(Line& line, std::string_view text, std::size_t w, std::size_t width) {
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
    // Fewer bytes than columns of room: all of it fits, uncounted (a
    // paragraph's last line, and most short paragraphs whole).
    if (text.size() <= room) return text.size();
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
        // The line in one piece: indent, text, newline.
        char* p = raw::room(b, lead + end + 1);
        std::memset(p, ' ', lead);
        p = raw::put(p + lead, text.substr(0, end));
        *p++ = '\n';
        raw::commit(b, p);
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
    if ((sp < 1024) != (cp < 1024)) cat(out, "the side on port ", sp, " (well-known port)");
    else if (sp != cp) cat(out, "the side on the lower port, ", sp, " (ephemeral ports are allocated high)");
    else append(out, "the destination of the first packet");
}

void Narrator::options(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const auto offered = [&](const TcpOptions& op) {
        List items(out);
        if (op.has_mss) cat(items.next(), "MSS ", op.mss);
        if (op.has_wscale) cat(items.next(), "wscale ", op.wscale);
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
            cat(on.next(), "window scaling (client windows ×", 1u << a.wscale, ", server windows ×", 1u << b.wscale,
                ")");
        else if (a.has_wscale || b.has_wscale)
            cat(on.next(), "no window scaling (only the ", a.has_wscale ? "client" : "server", " offered it)");
        if (a.sack_permitted && b.sack_permitted) append(on.next(), "SACK");
        if (a.has_timestamps && b.has_timestamps) append(on.next(), "timestamps");
        if (a.has_mss && b.has_mss)
            cat(on.next(), "segments of at most ", a.mss, " bytes to the client and ", b.mss, " to the server");
        if (!on.empty()) append(out, ".");
    }
    const HandshakeFacts& h = c.handshake();
    if (h.syn_data) cat(out, " The SYN carried ", h.syn_payload, " bytes of data (TCP Fast Open).");
}

void Narrator::timing(Buf& out) const {
    if (!s.syn_to_synack && !s.synack_to_ack) return;
    append(out, " Handshake timing at the capture point:");
    if (s.syn_to_synack)
        cat(out, " SYN → SYN+ACK ", Duration{s.syn_to_synack}, " (the server's side of the path, and the server)");
    if (s.syn_to_synack && s.synack_to_ack) append(out, ",");
    if (s.synack_to_ack) cat(out, " SYN+ACK → ACK ", Duration{s.synack_to_ack}, " (the client's side)");
    if (s.syn_to_synack && s.synack_to_ack)
        cat(out, "; the handshake round trip seen from here is ", Duration{s.syn_to_synack + s.synack_to_ack});
    append(out, ".");
}

void Narrator::opening(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    // ", after 2 SYN retransmissions (sent 3 times)"
    const auto retx = [&](std::uint32_t n, std::string_view what) {
        if (n) cat(out, ", after ", n, " ", what, " ", n == 1 ? "retransmission" : "retransmissions", " (sent ", n + 1,
            " times)");
    };
    switch (s.handshake) {
        case HandshakeKind::three_way: {
            append(out, "Three-way handshake: ");
            if (h.syn_frame) {
                cat(out, "the client sent SYN (packet ", h.syn_frame, ", ISN ", cl.isn.raw(), ")");
                retx(s.syn_retransmissions, "SYN");
                append(out, "; ");
            } else {
                append(out, "the client's SYN was not captured (the client is assumed to have been in SYN_SENT); ");
            }
            cat(out, "the server answered SYN+ACK (packet ", h.synack_frame, ", ISN ", sv.isn.raw(), ", ack ",
                (cl.isn + 1).raw(), " = client ISN + 1)");
            retx(s.synack_retransmissions, "SYN+ACK");
            append(out, "; ");
            cat(out, "the client's ACK (packet ", h.ack_frame, ") completed it. ");
            append(out, "Three segments, so that an old delayed SYN cannot open a connection the client never asked for.");
            break;
        }
        case HandshakeKind::simultaneous_open:
            cat(out, "Simultaneous open: both sides sent SYN (client packet ", cl.syn_frame, ", server packet ",
                sv.syn_frame, ") before either saw the other's, so each answered the other's SYN and went "
                "SYN_SENT → SYN_RECEIVED → ESTABLISHED (RFC 9293 figure 7).");
            break;
        case HandshakeKind::refused:
            cat(out, "Refused: the server answered the SYN (packet ", h.syn_frame);
            retx(s.syn_retransmissions, "SYN");
            cat(out, ") with RST (packet ", h.refused_frame, "): nothing listens on port ", c.addr(Side::server).port,
                " (or a firewall rejects the connection). The client's connect() fails with "
                "\"connection refused\".");
            break;
        case HandshakeKind::unanswered:
            cat(out, "Unanswered: ", plural(h.syn_count, "SYN", "SYNs"), ", no answer (first at packet ", h.syn_frame,
                ", ", Utc{h.syn_ts}, " UTC; the last one ", Duration{c.last_ts() - h.syn_ts},
                " later). The server never replied in this capture: it may be down, a firewall "
                "may drop the SYN, or the capture misses the other direction.");
            break;
        case HandshakeKind::incomplete:
            if (!h.syn_frame && h.synack_frame)
                cat(out, "The capture starts at the server's SYN+ACK (packet ", h.synack_frame,
                    "): the client's SYN was not captured, so the client is assumed to have been in "
                    "SYN_SENT; no ACK completed the handshake in the capture.");
            else if (h.synack_frame)
                cat(out, "Incomplete handshake: SYN (packet ", h.syn_frame, "), SYN+ACK (packet ", h.synack_frame,
                    "), but no ACK from the client in the capture.");
            else
                cat(out, "Incomplete handshake: the client's SYN (packet ", h.syn_frame,
                    ") was seen, the server's SYN+ACK was not, yet the server sent ",
                    plural(sv.packets, "packet", "packets"), ".");
            break;
        case HandshakeKind::not_seen:
            cat(out, "The capture starts mid-connection (packet ", c.first_frame(),
                "): no SYN, so both sides were assumed ");
            if (cl.initial_state == sv.initial_state)
                append(out, state_name(cl.initial_state));
            else
                cat(out, "client ", state_name(cl.initial_state), ", server ", state_name(sv.initial_state));
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
    cat(out, "The client sent ", plural(cl.payload_bytes, "byte", "bytes"), " and the server ",
        plural(sv.payload_bytes, "byte", "bytes"));
    const std::uint32_t resent = c.anomaly_count(Anomaly::retransmission) + c.anomaly_count(Anomaly::duplicate_frame);
    if (resent) append(out, " (counting retransmitted and duplicated segments)");
    append(out, ".");
}

void Narrator::close_four_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    cat(out, close_words(CloseKind::four_way), ", initiated by the ", who(a), ". The ", who(a),
        " closed first: its FIN (packet ", fa.frame, ", seq ", seq(a, fa.seq), ") took it to FIN_WAIT_1. ");
    if (fa.acked) {
        const auto ack = ack_of(fa.acked_by_frame, b);
        cat(out, "The ", who(b), " acknowledged it on its own (packet ", fa.acked_by_frame, ", ack ",
            ack ? *ack : seq(a, fa.seq + 1), " = FIN seq ", seq(a, fa.seq), " + 1): the ", who(b),
            " went to CLOSE_WAIT, the ", who(a), " to FIN_WAIT_2. ");
        if (fb.ts >= fa.acked_ts)
            cat(out, Duration{fb.ts - fa.acked_ts}, " later the ", who(b), " sent its own FIN (packet ", fb.frame,
                ", seq ", seq(b, fb.seq), ") and went to LAST_ACK. ");
    } else {
        cat(out, "The ", who(b), " sent its own FIN (packet ", fb.frame, ", seq ", seq(b, fb.seq), "). ");
    }
    if (fb.acked) {
        const auto ack = ack_of(fb.acked_by_frame, a);
        cat(out, "The ", who(a), "'s ACK (packet ", fb.acked_by_frame, ", ack ", ack ? *ack : seq(b, fb.seq + 1),
            ") acknowledged it. ");
    } else {
        cat(out, "No ACK of the ", who(b), "'s FIN was captured. ");
    }
    cat(out, "Four segments, not three: the ", who(b),
        " acknowledged the FIN before its application closed — TCP closes each direction "
        "on its own (half-close), and it could still have sent data in between.");
}

void Narrator::close_three_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    const auto ack = ack_of(fb.frame, b);
    cat(out, close_words(CloseKind::three_way), " — a three-way close, initiated by the ", who(a), ". The ", who(a),
        " closed first: its FIN (packet ", fa.frame, ", seq ", seq(a, fa.seq), ") took it to FIN_WAIT_1. ");
    // Did a segment of b's cross a's FIN first (seed case 2: the data ACK)?
    const Transition* crossed = find_first(c, [&](const Transition& t) {
        return t.endpoint == b && t.cause_frame == fa.frame && t.delivery == Delivery::acknowledged;
    });
    if (crossed)
        cat(out, "The ", who(b), " first sent a segment whose ack did not cover that FIN (it acknowledged data "
            "only; the FIN, at seq ", seq(a, fa.seq), ", was still on its way). ");
    cat(out, "The ", who(b), "'s FIN (packet ", fb.frame, ") also acknowledged the ", who(a), "'s FIN (ack ",
        ack ? *ack : seq(a, fa.seq + 1), " = FIN seq ", seq(a, fa.seq),
        " + 1), so its ACK and FIN travelled in one segment: three segments instead of " "four — the ", who(b),
        " had nothing left to send. ");
    if (fb.acked) {
        const auto last = ack_of(fb.acked_by_frame, a);
        cat(out, "The ", who(a), "'s ACK (packet ", fb.acked_by_frame, ", ack ", last ? *last : seq(b, fb.seq + 1),
            " = FIN seq ", seq(b, fb.seq), " + 1) acknowledged it.");
    } else {
        cat(out, "No ACK of the ", who(b), "'s FIN was captured.");
    }
}

void Narrator::close_simultaneous(Buf& out) const {
    const Side a = s.first_fin == Initiator::server ? Side::server : Side::client;
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    cat(out, close_words(CloseKind::simultaneous), ". The ", who(a), "'s FIN (packet ", fa.frame, ", seq ",
        seq(a, fa.seq), ") and the ", who(b), "'s FIN (packet ", fb.frame, ", seq ", seq(b, fb.seq), ") crossed: ");
    if (const auto ack = ack_of(fb.frame, b))
        cat(out, "packet ", fb.frame, "'s ack ", *ack, " did not cover packet ", fa.frame,
            "'s FIN (which occupies seq ", seq(a, fa.seq), "): ");
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
        cat(out, "Each received the other's FIN in FIN_WAIT_1 and went to CLOSING (the ", who(closing[0]->endpoint),
            " at packet ", closing[0]->frame, ", the ", who(closing[1]->endpoint), " at packet ", closing[1]->frame,
            "), ");
    else if (n_closing == 1)
        cat(out, "Only the ", who(closing[0]->endpoint), " at packet ", closing[0]->frame,
            " is shown going through CLOSING, ");
    if (n_tw) {
        append(out, "then to TIME_WAIT on the ACK of its own FIN (");
        List list(out);
        for (std::size_t i = 0; i < n_tw; ++i)
            cat(list.next(), "the ", who(tw[i]->endpoint), " on packet ", tw[i]->cause_frame);
        append(out, ").");
    }
    if (n_tw == 2) append(out, " Both sides end in TIME_WAIT.");
}

void Narrator::close_reset(Buf& out) const {
    const ResetFacts& r = c.reset();
    const Side sender = r.sender, receiver = other(r.sender);
    cat(out, "Reset: the ", who(sender), " sent RST (packet ", r.frame, ") while in ", state_name(r.sender_state),
        "; the ", who(receiver), " was in ", state_name(r.receiver_state),
        ". An RST aborts both directions at once: both sides went to CLOSED with no "
        "TIME_WAIT, and anything still in flight is lost.");
    if (c.anomaly_count(Anomaly::rst_challenged) && c.final_state(receiver) != State::CLOSED)
        cat(out, " But the RST was not at the sequence number the ", who(receiver), " expected, and the ",
            who(receiver), " went on sending: it answered with a challenge ACK (RFC 5961) and stayed in ",
            state_name(c.final_state(receiver)), ".");
    for (Side x : {Side::client, Side::server})
        if (c.fin(x).sent && c.fin(x).frame < r.frame)
            cat(out, " The ", who(x), " had sent FIN before (packet ", c.fin(x).frame, ").");
}

void Narrator::close_half(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    cat(out, "Half-closed: the ", who(a), " closed its direction (FIN, packet ", fa.frame, ", seq ", seq(a, fa.seq));
    if (fa.acked) cat(out, ", acknowledged by packet ", fa.acked_by_frame);
    append(out, "); ");
    if (c.final_state(b) == State::CLOSE_WAIT)
        cat(out, "the ", who(b),
            " never sent FIN — it is still in CLOSE_WAIT: its application has not called close().");
    else
        cat(out, "the ", who(b), " never sent FIN; it ends in ", state_name(c.final_state(b)), ".");
    if (c.final_state(a) == State::FIN_WAIT_2)
        cat(out, " The ", who(a), " waits in FIN_WAIT_2 for a FIN that has not come.");
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
            cat(out, "No FIN, no RST: the connection was still open (client ", state_name(c.final_state(Side::client)),
                ", server ", state_name(c.final_state(Side::server)), ") when ",
                c.end_reason() == EndReason::idle ? "it went idle" : "the capture ended", ".");
            break;
        case CloseKind::none:
            return;
    }
    if (c.reset().ignored)
        cat(out, " ", plural(c.reset().ignored, "RST", "RSTs"), " outside the window ",
            c.reset().ignored == 1 ? "was" : "were", " ignored.");
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
    cat(out, "The ", who(side), " ends in ", state_name(st), " (");
    state_path(out, side);
    append(out, ").");
    const Transition* last = find_last(c, [&](const Transition& t) { return t.endpoint == side && t.delivery != Delivery::timer; });
    switch (st) {
        case State::TIME_WAIT: {
            const Transition* tw = find_last(c, [&](const Transition& t) {
                return t.endpoint == side && t.to == State::TIME_WAIT && t.delivery != Delivery::timer;
            });
            cat(out, " It waits 2*MSL = ", Duration{2 * o.msl}, " (MSL ", Duration{o.msl},
                ") so that, if its last ACK was lost, it can answer the peer's retransmitted "
                "FIN; the 4-tuple stays taken meanwhile.");
            if (const Transition* timer = find_first(c, [&](const Transition& t) {
                    return t.endpoint == side && t.delivery == Delivery::timer;
                }))
                cat(out, " That time passed within the capture: CLOSED at ", Utc{timer->ts}, " UTC.");
            else if (tw)
                cat(out, " It entered TIME_WAIT at packet ", tw->frame, ", so it waits until ", Utc{tw->ts + 2 * o.msl},
                    " UTC in capture time.");
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
                cat(out, " It closed second (passive close): the ACK of its FIN (packet ", last->cause_frame,
                    ") closed it fully, with no TIME_WAIT on this side.");
            break;
    }
    if (e.state_inferred)
        cat(out, " (Its initial state, ", state_name(e.initial_state),
            ", is assumed: the capture does not show the start.)");
}

// What crossed the cause segment on the wire: the receiver's own FIN when
// it lies between the cause and the proof and did not acknowledge it.
void put_crossing_segment(Buf& out, const Connection& c, const Transition& t, const NumberStyle& numbers) {
    const Crossing* x = c.crossing(t);
    const std::uint64_t crossed_frame = x ? x->crossed_frame : 0;
    if (crossed_frame != 0 && !x->crossed_flags.ack()) {
        cat(out, "the ", side_name(t.endpoint), "'s packet ", crossed_frame, " ([", x->crossed_flags.tcpdump(),
            "], acknowledging nothing yet)");
        return;
    }
    if (crossed_frame != 0 && !(c.fin(t.endpoint).sent && c.fin(t.endpoint).frame == crossed_frame)) {
        cat(out, "the ", side_name(t.endpoint), "'s packet ", crossed_frame, " (ack ",
            rel_seq(c, cause_sender(t), x->crossed_ack, numbers), ", not covering it)");
        return;
    }
    const FinFacts& own = c.fin(t.endpoint);
    if (own.sent && own.frame > t.cause_frame && own.frame <= t.frame && !(own.acked_peer_fin && t.flags.fin())) {
        cat(out, "the ", side_name(t.endpoint), "'s own FIN (packet ", own.frame, ")");
        return;
    }
    cat(out, "a segment of the ", side_name(t.endpoint), "'s");
}

void Narrator::delivery_note(Buf& out, const Transition& t) const {
    const Side sender = cause_sender(t);
    const Crossing* x = c.crossing(t);
    const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
    const auto what = [&] {
        cat(out, "the ", who(sender), "'s ", segment_kind(t.flags, payload_of(t)), " (packet ", t.cause_frame, ")");
    };
    switch (t.delivery) {
        case Delivery::acknowledged:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            cat(out, " on the wire: that segment did not yet acknowledge it; packet ", proof_frame,
                "'s ack covered it, so the ", who(t.endpoint), "'s ", state_name(t.to), " is placed at packet ",
                t.frame, ".");
            break;
        case Delivery::followed:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            cat(out, " on the wire; packet ", proof_frame, ", sent by the ", who(sender),
                " after it, shows it had arrived (one direction delivers in order), so the ", who(t.endpoint), "'s ",
                state_name(t.to), " is placed at packet ", t.frame, ".");
            break;
        case Delivery::end_of_capture:
            append(out, "Nothing in the capture confirms that ");
            what();
            cat(out, " arrived; it is assumed delivered: the ", who(t.endpoint), "'s ", state_name(t.to), " at packet ",
                t.frame, ".");
            break;
        case Delivery::silence:
            append(out, "No segment acknowledges ");
            what();
            cat(out, ", but nothing came back in the ", Duration{c.linger()}, " after it: had it been lost, the ",
                who(t.endpoint), " would have retransmitted. So it arrived: the ", who(t.endpoint), "'s ",
                state_name(t.to), " at packet ", t.frame, ".");
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
    std::uint32_t first[2] = {};   // the first of them, an index into transitions()
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
    // The row of `frame`, made on first use; the reference lasts until the
    // next call. The core's records come mostly in frame order: most rows
    // are the last one or go after it, and only the others are searched for.
    Row& row_at(std::uint64_t frame) {
        if (!rows_.empty() && rows_.back().frame == frame) return rows_.back();
        if (rows_.empty() || rows_.back().frame < frame) {
            rows_.emplace_back().frame = frame;
            return rows_.back();
        }
        return row_before_last(frame);
    }
    Row& row_before_last(std::uint64_t frame);
    void label(Buf& out, const Row& r) const;
    const Transition* placed(const Row& r, Side side, std::size_t i) const;
    void put_arrow(Line& line, const Row& r) const;
    void put_state(Line& line, const Transition* t, std::size_t width);
    void put_frame(Line& line, std::uint64_t frame) const;
    void put_no_frame(Line& line) const { line.blank(frame_width_ + 2); }
    void put_gap(Buf& b, std::string_view text, std::size_t text_columns) const;

    const Connection& c_;
    const TextOptions& o_;
    // Sorted by frame. Most ladders have a handful of rows: they live in
    // the Ladder itself, not in an allocation per connection.
    boost::container::small_vector<Row, 24> rows_;
    std::size_t frame_width_ = 1;
    Buf footnotes_;          // as printed, one line each
    std::size_t footnote_count_ = 0;
};

Row& Ladder::row_before_last(std::uint64_t frame) {
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
    const std::span<const Transition> transitions = c_.transitions();
    for (std::uint32_t k = 0; k < transitions.size(); ++k) {
        const Transition& t = transitions[k];
        if (t.delivery == Delivery::timer) continue;
        Row& cause = row_at(t.cause_frame);
        cause.sender = cause_sender(t);
        cause.full = true;
        cause.flags = t.flags;
        cause.seq = t.seq;
        cause.ack = t.ack;
        cause.payload = payload_of(t);
        Row& at = row_at(t.frame);  // `cause` is not used past here
        if (at.placed[static_cast<int>(t.endpoint)]++ == 0) at.first[static_cast<int>(t.endpoint)] = k;
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
    // The widest frame number is the last row's: rows are sorted by frame.
    if (!rows_.empty()) frame_width_ = fmt::format_int(rows_.back().frame).size();
}

void Ladder::label(Buf& out, const Row& r) const {
    if (r.full) {
        append_segment_label(out, c_, *r.sender, r.flags, r.seq, r.ack, r.payload, o_.numbers);
    } else if (r.numbers) {
        // No flags kept for it: named by its anomaly instead.
        cat(out, "(", r.tags.empty() ? "?" : anomaly_short(r.tags.front()), ") seq ",
            rel_seq(c_, *r.sender, r.seq, o_.numbers));
        if (r.ack.raw() != 0) cat(out, " ack ", rel_seq(c_, other(*r.sender), r.ack, o_.numbers));
    } else {
        append(out, "(segment not kept)");
    }
}

// The `i`th transition drawn on `r` for `side`, in the core's order.
const Transition* Ladder::placed(const Row& r, Side side, std::size_t i) const {
    if (i >= r.placed[static_cast<int>(side)]) return nullptr;
    const auto& all = c_.transitions();
    for (std::size_t k = r.first[static_cast<int>(side)]; k < all.size(); ++k) {
        const Transition& t = all[k];
        if (t.delivery != Delivery::timer && t.frame == r.frame && t.endpoint == side && i-- == 0) return &t;
    }
    return nullptr;
}

void Ladder::put_arrow(Line& line, const Row& r) const {
    Buf text;
    if (!r.sender) {
        // Direction unknown: the label alone, centred.
        append(text, "· ");
        label(text, r);
        append(text, " ·");
        put_centered(line, view(text), columns(view(text)), kArrowWidth);
        return;
    }
    // The arrow is assembled in one piece (head, label, rule, point) and
    // goes on the line as one.
    const std::string_view code = r.full && r.flags.rst() ? kRed : !r.full ? kYellow : std::string_view{};
    const bool painted = o_.color && !code.empty();
    if (painted) append(text, code);
    if (*r.sender == Side::client) append(text, "──");
    else append(text, "◀──");
    const std::size_t label_at = text.size();
    label(text, r);
    const std::size_t w = columns(view(text).substr(label_at));
    const std::size_t fill = kArrowWidth > w + 3 ? kArrowWidth - w - 3 : 1;
    append(text, rule(fill, *r.sender == Side::client));
    if (painted) append(text, kReset);
    line.text(view(text));
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
        cat(footnotes_, "  ", mark, " ", side_name(t->endpoint), " ", state_name(t->from), " → ", state_name(t->to),
            " at packet ", t->frame, ": packet ", t->cause_frame, " (", segment_kind(t->flags, payload_of(*t)),
            ") was still in flight; ");
        switch (t->delivery) {
            case Delivery::acknowledged: cat(footnotes_, "packet ", proof_frame, "'s ACK shows it arrived"); break;
            case Delivery::followed:
                cat(footnotes_, "packet ", proof_frame, ", sent after it, shows it arrived");
                break;
            case Delivery::end_of_capture: append(footnotes_, "assumed delivered at the end of the capture"); break;
            case Delivery::silence: append(footnotes_, "nothing came back after it, so it arrived"); break;
            default: append(footnotes_, delivery_name(t->delivery)); break;
        }
        footnotes_.push_back('\n');
    }
    put_state_cell(line, o_.color, t->to, width, mark);
}

void Ladder::put_frame(Line& line, std::uint64_t frame) const {
    const fmt::format_int digits(frame);
    line.blank(1 + (frame_width_ > digits.size() ? frame_width_ - digits.size() : 0));
    line.text({digits.data(), digits.size()});
    line.blank(1);
}

void Ladder::put_gap(Buf& b, std::string_view text, std::size_t text_columns) const {
    Line line(b);
    line.blank(2 + kStateWidth);
    put_no_frame(line);
    put_centered(line, text, text_columns, kArrowWidth);
    line.end();
}

void Ladder::write(Buf& b) {
    {
        Line line(b);
        line.blank(2);
        put_cell(line, false, "", "client", columns("client"), kStateWidth);
        put_no_frame(line);
        line.blank(kArrowWidth + 2);
        line.text("server");
        line.end();
    }
    {
        Line line(b);
        line.blank(2);
        put_state_cell(line, o_.color, c_.endpoint(Side::client).initial_state, kStateWidth);
        put_no_frame(line);
        line.blank(kArrowWidth + 2);
        put_state_cell(line, o_.color, c_.endpoint(Side::server).initial_state, 0);
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
        cat(gap_text, "··· ", plural(hidden, "more segment", "more segments"));
        if (bytes_known && all_bytes >= shown_bytes && all_bytes > shown_bytes)
            cat(gap_text, ", ", plural(all_bytes - shown_bytes, "byte of data", "bytes of data"));
        append(gap_text, " ···");
    } else {
        append(gap_text, "···");
    }
    // Every gap line of a ladder is the same: drawn once, then copied.
    Buf gap_line;
    if (hidden > 0) put_gap(gap_line, view(gap_text), columns(view(gap_text)));

    prev = 0;
    for (const Row& row : rows_) {
        if (hidden > 0 && gap_before(prev, row.frame)) append(b, view(gap_line));
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
    if (hidden > 0 && gap_at_end) append(b, view(gap_line));

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
        if (timer[0]) put_state_cell(line, o_.color, timer[0]->to, kStateWidth);
        else line.blank(kStateWidth);
        put_no_frame(line);
        Buf middle;
        cat(middle, "2*MSL later (", Utc{at}, " UTC)");
        put_centered(line, view(middle), columns(view(middle)), kArrowWidth);
        line.blank(2);
        if (timer[1]) put_state_cell(line, o_.color, timer[1]->to, 0);
        line.end();
    }

    if (hidden > 0 && gaps > 1) {
        cat(b, "  ··· ", plural(hidden, "segment", "segments"), " not drawn");
        if (bytes_known && all_bytes > shown_bytes)
            cat(b, " (", plural(all_bytes - shown_bytes, "byte", "bytes"), " of data)");
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
    cat(b, "Connection #", c.id(), "  ", Address{c.addr(Side::client)}, " (client) ⇄ ", Address{c.addr(Side::server)},
        " (server)");
    if (o.color) append(b, kReset);
    b.push_back('\n');
    cat(b, "  started ", Utc{c.first_ts()}, " UTC, lasted ", Duration{c.last_ts() - c.first_ts()}, ", packets ",
        c.first_frame(), "–", c.last_frame(), "; ended: ", end_words(c.end_reason()), "\n");
    cat(b, "  client → server: ", plural(cl.packets, "packet", "packets"), ", ",
        plural(cl.payload_bytes, "byte", "bytes"), " of payload\n");
    cat(b, "  server → client: ", plural(sv.packets, "packet", "packets"), ", ",
        plural(sv.payload_bytes, "byte", "bytes"), " of payload\n");
    if (c.roles_inferred()) {
        append(b, "  ");
        n.roles(b);
        b.push_back('\n');
    }
    cat(b, "  opening: ", handshake_words(s.handshake), "; closing: ", close_words(s.close), "\n");

    // 2. Narrative: each paragraph is assembled in `para`, then word-wrapped
    // into the output. `para` outlives the call (one per thread, cleared
    // before each paragraph): the opening paragraph of a full handshake is
    // longer than a buffer's inline 500 bytes, and growing a fresh buffer to
    // hold it, then freeing it, cost an allocation per connection.
    thread_local Buf para;
    const auto title = [&](std::string_view text) { cat(b, "\n  ", paint(o.color, kBold, text), "\n"); };
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
        cat(para, paint(o.color, kYellow, "•"), " ", count, " ", count == 1 ? words.one : words.many);
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
            cat(para, ": packet", frames == 1 ? "" : "s", " ");
            List list(para);
            for (const AnomalyEvent& ev : c.anomaly_events())
                if (ev.kind == a) cat(list.next(), ev.frame);
            if (frames < count) append(para, ", …");
        }
        if (a == Anomaly::unexpected_segment)
            for (const AnomalyEvent& ev : c.anomaly_events())
                if (ev.kind == a) cat(para, "; packet ", ev.frame, ": ", transition(ev.state, ev.input).why);
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
    // "#7    ": the id left-aligned in four columns.
    const fmt::format_int id(c.id());
    const std::string_view id_text(id.data(), id.size());
    cat(b, "#", id_text, std::string_view("    ").substr(std::min<std::size_t>(id_text.size(), 4)), " ",
        Address{c.addr(Side::client)}, " → ", Address{c.addr(Side::server)},
        c.roles_inferred() ? " (roles inferred)" : "", "  ", handshake_words(s.handshake), " · ", close_words(s.close));
    if (s.initiator == Initiator::client || s.initiator == Initiator::server)
        cat(b, ", ", initiator_name(s.initiator), " first");
    cat(b, " · client ", paint(o.color, kCyan, state_name(c.final_state(Side::client))), ", server ",
        paint(o.color, kCyan, state_name(c.final_state(Side::server))), " · ", cl.packets + sv.packets, " packets, ",
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
        cat(b, n, " ", words.substr(0, words.find(" (")));
    }
    if (any && o.color) append(b, kReset);
    b.push_back('\n');
}

}  // namespace tfe::analyzer
