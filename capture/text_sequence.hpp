// tcpdump's relative sequence numbers made absolute again. Without -S,
// tcpdump prints a conversation's first segment with an ACK (the SYN+ACK,
// or the first segment it saw mid-stream) in absolute numbers, remembers
// them, and prints every later segment with an ACK relative to them (a
// SYN+ACK starts over). Segments without an ACK stay absolute. Whether -S
// was used is not written anywhere: the first segment that could be either
// decides, by which reading lands nearer where the sender's numbers were.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/flow_key.hpp"
#include "core/segment.hpp"

namespace tfe::capture {

enum class SeqStyle : std::uint8_t { undecided, relative, absolute };

class TextSequences {
public:
    // Turns the numbers `seg` carries as printed into absolute ones (and
    // fills in the seq a pure ACK does not print); `seq_printed` says
    // whether the line had one. `line` names the line in notes.
    void restore(Segment& seg, bool seq_printed, std::uint64_t line);

    SeqStyle style() const { return style_; }
    // Conversations whose paste began after their start with numbers
    // already relative: the absolute numbers are lost, taken as printed.
    const std::vector<std::string>& excerpts() const { return excerpts_; }

private:
    struct Conversation {
        bool based = false;
        std::uint32_t base[2] = {0, 0};   // per direction (0 = a -> b of the key)
        bool next_known[2] = {false, false};
        SeqNum next[2];                   // each sender's next sequence number
        bool acked_known[2] = {false, false};
        SeqNum acked[2];                  // what the peer last acknowledged of each sender
    };
    void set_bases(Conversation& c, int dir, const Segment& seg, bool seq_printed, std::uint64_t line);
    SeqStyle decide(const Conversation& c, int dir, const Segment& seg, bool seq_printed) const;

    std::map<std::pair<HostPort, HostPort>, Conversation> conversations_;
    SeqStyle style_ = SeqStyle::undecided;
    std::vector<std::string> excerpts_;
};

}  // namespace tfe::capture
