// Facts the narrative and the ladder look up in the core's records: who
// sent a transition's cause, what a segment was, which transition a frame
// caused. Lookups only: no state is worked out here.
#pragma once

#include <cstdint>
#include <string_view>

#include "analyzer/text/buffer.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::text {

inline std::string_view who(Side s) { return side_name(s); }

// Upper-cases a paragraph's first letter.
inline void capitalise(Buf& b) {
    if (b.size() != 0 && b[0] >= 'a' && b[0] <= 'z') b[0] = static_cast<char>(b[0] - 'a' + 'A');
}

inline std::uint32_t payload_of(const Transition& t) {
    const std::uint32_t control = (t.flags.syn() ? 1u : 0u) + (t.flags.fin() ? 1u : 0u);
    return t.seq_len >= control ? t.seq_len - control : 0;
}

// What a segment is, in a word.
inline std::string_view segment_kind(TcpFlags f, std::uint32_t payload) {
    if (f.rst()) return "RST";
    if (f.syn()) return f.ack() ? "SYN+ACK" : "SYN";
    if (f.fin()) return payload ? "data+FIN" : "FIN";
    return payload ? "data segment" : "ACK";
}

// The first transition caused by `frame` (all of them share its numbers).
inline const Transition* caused_by(const Connection& c, std::uint64_t frame) {
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

}  // namespace tfe::analyzer::text
