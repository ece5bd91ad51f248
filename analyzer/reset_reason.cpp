#include "analyzer/reset_reason.hpp"

#include "analyzer/failure.hpp"

namespace tfe::analyzer {

namespace {

bool synchronized(State s) {
    return s == State::ESTABLISHED || s == State::FIN_WAIT_1 || s == State::FIN_WAIT_2 || s == State::CLOSE_WAIT ||
           s == State::CLOSING || s == State::LAST_ACK;
}

}  // namespace

// In this order: a foreign TTL says nothing else about the RST is the
// endpoint's; an answer to data after the sender's FIN is Linux's RST for
// data reaching a closed socket (RFC 9293 3.10.7.1); a long silence before
// it points at an idle timer (an application's, a NAT's, a firewall's);
// any other RST from a synchronized endpoint is an abort: right after its
// own FIN, or instead of one (close() with data unread, RFC 2525 2.17, or
// SO_LINGER 0). RSTs in the handshake are the failure's business.
ResetReason reset_reason(const Connection& c) {
    const ResetFacts& r = c.reset();
    if (!r.seen) return ResetReason::none;
    if (r.ttl_unlike) return ResetReason::injected;
    // A connection that failed to open: `failure` says why (backlog-reset...).
    if (!synchronized(r.sender_state) || diagnose_failure(c).kind != FailureKind::none) return ResetReason::none;
    const FinFacts& own = c.fin(r.sender);
    const bool fin_before = own.sent && own.frame < r.frame;
    if (fin_before && r.answered_peer_data) return ResetReason::data_after_close;
    if (r.quiet_before >= kIdleBeforeReset) return ResetReason::after_idle;
    // ABORT (RFC 9293 3.10.5): instead of a FIN, or right after its own.
    return ResetReason::abortive_close;
}

std::string_view reset_reason_name(ResetReason r) {
    switch (r) {
        case ResetReason::none: return "null";
        case ResetReason::injected: return "injected";
        case ResetReason::data_after_close: return "data-after-close";
        case ResetReason::after_idle: return "after-idle";
        case ResetReason::abortive_close: return "abortive-close";
    }
    return "?";
}

}  // namespace tfe::analyzer
