#include "capture/text_sequence.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace tfe::capture {

namespace {

// Below this, a number is taken as relative rather than as an initial
// sequence number (random over 2^32: a chance of 1 in 4096 per number).
constexpr std::uint32_t kSmall = 1u << 20;

std::uint64_t gap(SeqNum a, SeqNum b) {
    return static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(distance(a, b))));
}

std::string conversation_name(const Segment& s) {
    return fmt::format("{} > {}", to_string(HostPort{s.src, s.sport}), to_string(HostPort{s.dst, s.dport}));
}

}  // namespace

// The segment tcpdump remembers a conversation by: printed absolute. When
// its numbers are small, the paste began mid-stream after that segment,
// and its numbers are already relative to ones not in the paste.
void TextSequences::set_bases(Conversation& c, int dir, const Segment& seg, bool seq_printed, std::uint64_t line) {
    const bool small = (!seq_printed || seg.seq.raw() < kSmall) && seg.ack.raw() < kSmall;
    if (!c.based && !seg.flags.syn() && style_ != SeqStyle::absolute && small) {
        c.base[0] = c.base[1] = 0;
        excerpts_.push_back(fmt::format(
            "line {}: {} begins mid-stream with relative numbers (its first segments are not in the paste): "
            "absolute sequence numbers cannot be recovered; the numbers are taken as printed",
            line, conversation_name(seg)));
    } else {
        c.base[dir] = seq_printed ? seg.seq.raw() : (c.next_known[dir] ? c.next[dir].raw() : 0);
        c.base[1 - dir] = seg.ack.raw() - 1;
    }
    c.based = true;
}

// Relative or absolute, for the first segment that could be either: the
// reading whose numbers fall nearer where each side's numbers were.
SeqStyle TextSequences::decide(const Conversation& c, int dir, const Segment& seg, bool seq_printed) const {
    std::uint64_t relative = 0, absolute = 0;
    const auto weigh = [&](SeqNum printed, std::uint32_t base, SeqNum expected) {
        relative += gap(printed + base, expected);
        absolute += gap(printed, expected);
    };
    const int o = 1 - dir;
    weigh(seg.ack, c.base[o], c.next_known[o] ? c.next[o] : SeqNum(c.base[o] + 1));
    if (seq_printed) weigh(seg.seq, c.base[dir], c.next_known[dir] ? c.next[dir] : SeqNum(c.base[dir]));
    if (relative == absolute) return SeqStyle::undecided;  // bases of 0: either reading is the same
    return relative < absolute ? SeqStyle::relative : SeqStyle::absolute;
}

void TextSequences::restore(Segment& seg, bool seq_printed, std::uint64_t line) {
    bool forward = true;
    const FlowKey key = FlowKey::of(seg, forward);
    Conversation& c = conversations_[{key.a, key.b}];
    const int dir = forward ? 0 : 1;
    if (seg.flags.ack()) {
        if (!c.based || seg.flags.syn()) {
            set_bases(c, dir, seg, seq_printed, line);
        } else {
            if (style_ == SeqStyle::undecided) style_ = decide(c, dir, seg, seq_printed);
            if (style_ == SeqStyle::relative) {
                seg.ack = seg.ack + c.base[1 - dir];
                if (seq_printed) seg.seq = seg.seq + c.base[dir];
            }
        }
    }
    // A pure ACK prints no seq: it is the sender's next one, or, before the
    // sender has shown one, what its peer acknowledged.
    if (!seq_printed)
        seg.seq = c.next_known[dir] ? c.next[dir] : c.acked_known[dir] ? c.acked[dir] : SeqNum(c.base[dir]);
    if (seg.flags.ack()) {
        c.acked[1 - dir] = seg.ack;
        c.acked_known[1 - dir] = true;
    }
    // A SYN starts the sender's numbers afresh; a RST may lie anywhere (out
    // of the window, or seq 0 in answer to a SYN) and moves nothing.
    const SeqNum end = seg.seq_end();
    if (seq_printed && !seg.flags.rst() && (!c.next_known[dir] || seg.flags.syn() || after(end, c.next[dir]))) {
        c.next[dir] = end;
        c.next_known[dir] = true;
    }
}

}  // namespace tfe::capture
