#include "core/remembered_tuples.hpp"

namespace tfe {

bool RememberedTuples::absorbs(std::uint64_t hash, const Segment& seg, TimeNs now) {
    // A SYN reuses the 4-tuple (RFC 9293 allows it in TIME_WAIT): a new
    // connection, whatever is remembered. Not looking saves a cache miss on
    // nearly every new connection; the stale entry is overwritten when the
    // new one is reported, or forgotten on time.
    if (empty() || (seg.flags.syn() && !seg.flags.ack())) return false;
    const TimeNs until = tuples_.find(hash);
    if (until == 0) return false;
    if (until <= now) {  // the memory has run out
        tuples_.erase(hash);
        return false;
    }
    late_segments_++;
    if (const std::uint64_t id = tuples_.mark(hash)) {
        ++late_connection_count_;
        late_connections_.add(id);
    }
    if (seg.flags.fin()) late_fins_++;
    return true;
}

}  // namespace tfe
