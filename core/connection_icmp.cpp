// ICMP errors noted on the connection whose segment they quote.
#include "core/connection.hpp"

namespace tfe {

void Connection::on_icmp_error(const IcmpError& error, bool forward) {
    const Side about = sender_of(forward);
    const Endpoint& e = ep(about);
    IcmpFact f;
    f.frame = error.frame;
    f.ts = error.ts;
    f.router = error.router;
    f.version = error.version;
    f.type = error.type;
    f.code = error.code;
    f.about = about;
    f.quoted_seq = error.quoted_seq;
    f.quoted_flags = error.quoted_flags;
    f.flags_quoted = error.flags_quoted;
    // Its ISN, while the SYN is all it sent: the quote can only be the SYN.
    f.quotes_syn = e.syn_sent && e.isn_known && error.quoted_seq == e.isn &&
                   (!error.flags_quoted || error.quoted_flags.syn());
    f.about_state = e.state;
    ConnectionExtras& x = extras();
    if (x.icmp_errors.size() < config_->max_anomaly_events) x.icmp_errors.push_back(f);
    // Whether the stack acted on it shows only later: a SYN sent again
    // means it did not (Linux keeps a soft error while connect() holds the
    // socket); nothing more from the endpoint means it did.
    if (f.quotes_syn && e.state == State::SYN_SENT && ends_connection_attempt(error)) x.icmp_pending = f;
    AnomalyEvent ev;
    ev.ts = error.ts;
    ev.frame = error.frame;
    ev.seq = error.quoted_seq;
    ev.value = std::uint32_t{error.type} << 8 | error.code;
    ev.flags = error.quoted_flags;
    ev.sender = about;
    ev.kind = Anomaly::icmp_error;
    ev.state = e.state;
    note(ev);
}

// The endpoint sent again: the pending error did not end its attempt.
void Connection::outlive_icmp_error(Side sender) {
    if (extras_ && extras_->icmp_pending && extras_->icmp_pending->about == sender) extras_->icmp_pending.reset();
}

// At the end, an error the endpoint outlived no segment of: through the
// table, placed at the ICMP's frame.
void Connection::apply_pending_icmp_error() {
    if (!extras_ || !extras_->icmp_pending) return;
    const IcmpFact f = *extras_->icmp_pending;
    extras_->icmp_pending.reset();
    InFlight cause;
    cause.frame = f.frame;
    cause.ts = f.ts;
    cause.seq = f.quoted_seq;
    cause.seq_len = 1;
    cause.flags = f.flags_quoted ? f.quoted_flags : TcpFlags{TcpFlags::SYN};
    apply(f.about, Input::rcv_icmp_error, cause, Delivery::icmp_error, {f.frame, f.ts, nullptr});
}

}  // namespace tfe
