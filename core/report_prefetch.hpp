// The next connection to expire was last touched seconds of capture time
// ago: none of it is in the cache any more, and its report reads nearly
// all of it. Asking for its slot's every line as soon as it is next in
// line lets them arrive while the segments before its deadline are
// processed (about a dozen on a busy capture), instead of the report
// waiting for each line in turn. What the slot points to (its rare facts,
// a spilled transition log) is asked for a segment later, once the
// pointers themselves have arrived. Only hints: nothing depends on them.
#pragma once

#include "core/connection_slots.hpp"
#include "core/expiry.hpp"

namespace tfe {

class ReportPrefetch {
public:
    // After each expiry pass; `expired`: it ended a connection.
    void after_expiry(const Expiry& expiry, const ConnectionSlots& slots, bool expired) {
        if (!expired && !rare_facts_pending_) return;  // most segments
        const auto next = expiry.next();
        if (!next) return;
        if (expired) {
            expiry.prefetch(next->slot);
            slots.prefetch(next->slot);
            rare_facts_pending_ = true;
        } else if (rare_facts_pending_) {
            rare_facts_pending_ = false;
            if (expiry.current(*next)) rare_facts(slots.at(next->slot));
        }
    }

private:
    static void rare_facts(const Connection& c) {
        c.log_.prefetch();
        if (!c.extras_) return;
        const auto* p = reinterpret_cast<const char*>(&*c.extras_);
        for (std::size_t off = 0; off < sizeof(ConnectionExtras); off += 64) __builtin_prefetch(p + off);
    }

    bool rare_facts_pending_ = false;
};

}  // namespace tfe
