// ICMP errors routed by the 4-tuple they quote: the quoted packet is one an
// endpoint of the connection sent, so its source is that endpoint.
#include "core/flow_table.hpp"

namespace tfe {

void FlowTable::on_icmp_error(const IcmpError& error) {
    stats_.icmp_errors++;
    advance(error.ts);
    const HostPort src{error.quoted_src, error.quoted_sport}, dst{error.quoted_dst, error.quoted_dport};
    const bool forward = !(dst < src);
    const FlowKey key = forward ? FlowKey{src, dst} : FlowKey{dst, src};
    const std::uint64_t h = hasher_(key);
    const Ref found(index_.find(key, h));
    if (found.none()) {
        stats_.icmp_unmatched++;
        return;
    }
    const std::uint32_t idx = found.is_parked() ? unpark(found.handle(), h) : found.slot();
    slots_.at(idx).on_icmp_error(error, forward);
}

}  // namespace tfe
