// What is left of reported connections: their 4-tuples (by keyed 64-bit
// hash) until the network can no longer deliver their segments, so that a
// late segment is counted against its connection instead of opening a
// bogus mid-stream one. A false match needs two 4-tuples with equal keyed
// 64-bit hashes within a minute: about n/2^64, and not something traffic
// can aim at.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/connection.hpp"
#include "core/flow_index.hpp"
#include "core/smallest_ids.hpp"

namespace tfe {

class RememberedTuples {
public:
    // Remembers `c`'s 4-tuple until TIME_WAIT's own deadline, or 2*MSL
    // after its last segment when both sides are CLOSED (an RST).
    void remember(const Connection& c, std::uint64_t hash, TimeNs now, TimeNs msl) {
        const TimeNs until = std::max(c.time_wait_deadline(), c.last_ts() + 2 * msl);
        if (until <= now) return;
        tuples_.put(hash, until, now, c.id());
        peak_ = std::max<std::uint64_t>(peak_, tuples_.size());
    }
    // An older connection's memory must not outlive a newer one's report.
    void forget(std::uint64_t hash) {
        if (tuples_.size() != 0) tuples_.erase(hash);
    }
    bool remembers(std::uint64_t hash, TimeNs now) const { return tuples_.find(hash) > now; }

    // True when `seg` belongs to a reported connection; it is counted.
    bool absorbs(std::uint64_t hash, const Segment& seg, TimeNs now);

    bool empty() const { return tuples_.size() == 0; }
    void prefetch(std::uint64_t hash) const { tuples_.prefetch(hash); }

    std::uint64_t late_segments() const { return late_segments_; }
    std::uint64_t late_fins() const { return late_fins_; }
    // How many reported connections they came for, and the smallest ids.
    std::uint64_t late_connection_count() const { return late_connection_count_; }
    const SmallestIds& late_connections() const { return late_connections_; }
    // The most entries held: expired ones count until a sweep drops them
    // (HashDeadlines), so an upper bound on how many were remembered.
    std::uint64_t peak() const { return peak_; }

private:
    HashDeadlines tuples_;
    std::uint64_t late_segments_ = 0, late_fins_ = 0, peak_ = 0;
    std::uint64_t late_connection_count_ = 0;
    SmallestIds late_connections_;
};

}  // namespace tfe
