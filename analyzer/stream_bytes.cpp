#include "analyzer/stream_bytes.hpp"

#include <algorithm>

namespace tfe::analyzer {

StreamBytes stream_bytes(const Connection& c, Side side) {
    const Endpoint& e = c.endpoint(side);
    const Endpoint& peer = c.endpoint(other(side));
    if (!e.isn_known && !e.isn_inferred) return {};
    const SeqNum first = e.isn + 1;
    const SeqNum seen_top = e.seq_known ? max_seq(e.snd_nxt, first) : first;
    const bool acked_beyond = peer.ack_sent && after(peer.max_ack, seen_top);
    const SeqNum top = acked_beyond ? peer.max_ack : seen_top;
    std::uint64_t sent = span(first, top);
    if (e.fin_sent && after(top, e.fin_seq) && sent > 0) --sent;
    const std::uint64_t tail = acked_beyond ? span(seen_top, top) : 0;
    return {sent, std::min(sent, e.bytes_skipped + tail)};
}

}  // namespace tfe::analyzer
