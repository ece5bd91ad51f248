#include "core/eviction.hpp"

namespace tfe {

std::string_view eviction_kind_name(EvictionKind k) {
    switch (k) {
        case EvictionKind::syn_unanswered: return "syn_unanswered";
        case EvictionKind::synack_unanswered: return "synack_unanswered";
        case EvictionKind::idle: return "idle";
    }
    return "?";
}

std::string_view eviction_kind_words(EvictionKind k) {
    switch (k) {
        case EvictionKind::syn_unanswered: return "half-open, SYN unanswered";
        case EvictionKind::synack_unanswered: return "half-open, SYN+ACK unanswered";
        case EvictionKind::idle: return "oldest idle";
    }
    return "?";
}

std::optional<EvictionKind> half_open_kind(const Connection& c) {
    const HandshakeFacts& h = c.handshake();
    if (h.syn_frame == 0 && h.synack_frame == 0) return std::nullopt;  // begun mid-stream
    if (h.refused || h.simultaneous_open || c.reset().seen) return std::nullopt;
    if (h.synack_frame == 0 && !h.synack_proven)
        return c.endpoint(Side::server).packets == 0 ? std::optional(EvictionKind::syn_unanswered) : std::nullopt;
    return h.ack_frame == 0 ? std::optional(EvictionKind::synack_unanswered) : std::nullopt;
}

}  // namespace tfe
