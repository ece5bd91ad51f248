// When the flow table is full (--max-connections): which connection ends
// to make room. Half-open connections go first, oldest first: a SYN that
// had no answer, or a SYN+ACK that had no final ACK. A SYN flood is made
// of exactly these, and ending one loses least (nothing was said on it).
// Then the oldest idle ones (the flow table takes those from its parking
// order and LRU list). Each ends with EndReason::evicted and is counted
// here by kind.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "core/connection.hpp"

namespace tfe {

enum class EvictionKind : std::uint8_t {
    syn_unanswered,     // half-open: the client's SYN had no answer
    synack_unanswered,  // half-open: the server's SYN+ACK had no final ACK
    idle,               // the oldest idle connection, any state
};
inline constexpr std::size_t kEvictionKinds = 3;
// "syn_unanswered", "synack_unanswered", "idle".
std::string_view eviction_kind_name(EvictionKind k);
// "half-open, SYN unanswered", ...: the words for a person.
std::string_view eviction_kind_words(EvictionKind k);

using EvictionCounts = std::array<std::uint64_t, kEvictionKinds>;

// Which half-open kind a connection is in now, from its recorded
// handshake facts (the same the summary's handshake kinds read: SYNs and
// nothing from the server; a SYN+ACK and no ACK of it; neither refused nor
// reset), or nullopt when it is not half-open. Not from the states: a
// final ACK is held in flight until a later segment shows it arrived.
std::optional<EvictionKind> half_open_kind(const Connection& c);

// Connections that began with a SYN, oldest first, as (4-tuple hash, id):
// the candidates for the first kind of eviction. An entry goes stale when
// its connection ends or completes its handshake; stale entries are
// skipped when popped, and dropped in one pass when the queue outgrows the
// table, so the queue stays within one and a half times the open
// connections (16 bytes each) on a week-long run.
class HalfOpenQueue {
public:
    struct Entry {
        std::uint64_t hash;
        std::uint64_t id;
    };

    void push(std::uint64_t hash, std::uint64_t id) { entries_.push_back({hash, id}); }
    std::optional<Entry> pop() {
        if (entries_.empty()) return std::nullopt;
        const Entry e = entries_.front();
        entries_.pop_front();
        return e;
    }
    // When the queue holds more than half again as many entries as there
    // are `open` connections: keeps only those `current(entry)` accepts.
    template <class Current>
    void compact(std::size_t open, Current&& current) {
        if (entries_.size() <= open + open / 2 + 1024) return;
        std::erase_if(entries_, [&](const Entry& e) { return !current(e); });
    }
    std::size_t size() const { return entries_.size(); }

private:
    std::deque<Entry> entries_;
};

}  // namespace tfe
