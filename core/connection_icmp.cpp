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

}  // namespace tfe
