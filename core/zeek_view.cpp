// Zeek's per-packet TCP rules (zeek_view.hpp), in the order Zeek applies
// them to one packet: history, zero window, FIN, ACK, last sequence, state
// machine, the ACK's content gap, then the data.
#include "core/zeek_view.hpp"

#include <algorithm>
#include <cctype>

namespace tfe {

namespace {

constexpr std::int32_t kTooLargeSeqDelta = 1048576;  // Zeek's TOO_LARGE_SEQ_DELTA
// Zeek's hist_seen bits (TCP_Endpoint::HIST_*), the originator's.
constexpr std::uint32_t kSynPkt = 0x1, kFinPkt = 0x2, kRstPkt = 0x4, kFinRstPkt = 0x8, kDataPkt = 0x10,
                        kAckPkt = 0x20, kMultiFlagPkt = 0x40;

bool power_of_ten(std::uint32_t n) {
    while (n >= 10 && n % 10 == 0) n /= 10;
    return n == 1;
}

}  // namespace

bool zeek_likely_server_port(std::uint16_t port) {
    // Zeek 7's base/protocols/*/main.zeek `likely_server_ports` for TCP.
    static constexpr std::uint16_t kPorts[] = {
        21,   22,   25,   53,   80,   81,   88,   110,  135,  139,  143,  389,  443,  445,  502,
        563,  585,  587,  614,  631,  636,  989,  990,  992,  993,  995,  1080, 1883, 2811, 3128,
        3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
    };
    return std::binary_search(std::begin(kPorts), std::end(kPorts), port);
}

ZeekView::ZeekView(const Segment& first, bool forward) {
    orig_is_a_ = forward;
    const TcpFlags f = first.flags;
    // TCPAnalyzer::WantConnection: a connection that starts without a SYN
    // or with a SYN+ACK is partial; guess the responder by its port.
    if (!f.syn() || f.ack()) {
        bool flip = false;
        if (zeek_likely_server_port(first.sport)) {
            flip = zeek_likely_server_port(first.dport) ? !f.syn() && first.sport < first.dport : true;
        }
        if (flip) {
            orig_is_a_ = !forward;
            history_ += '^';
        }
    }
}

void ZeekView::add(const End& e, char code) {
    history_ += is_orig(e) ? code : static_cast<char>(std::tolower(static_cast<unsigned char>(code)));
}

// Connection::CheckHistory: the first time, the letter; true after that.
bool ZeekView::check(const End& e, std::uint32_t mask, char code) {
    if (!is_orig(e)) mask <<= 16;
    if ((seen_ & mask) == 0) {
        seen_ |= mask;
        add(e, code);
        return false;
    }
    return true;
}

// Connection::ScaledHistoryEntry: the letter at the 1st, 10th, 100th... event.
void ZeekView::scaled(End& e, Event ev, char code) {
    if (power_of_ten(++e.events[ev])) add(e, code);
}

void ZeekView::set_state(End& e, ZeekState s) {
    if (s == e.state) return;
    e.prev = e.state;
    e.state = s;
}

void ZeekView::init_seqs(End& e, SeqNum start, SeqNum last) {
    e.start = e.ack = start;
    e.last = last;
    // The reassembler counts from relative 1, the first data byte.
    e.reassembled = e.held_from = e.held_to = start + 1;
}

void ZeekView::on_segment(const Segment& seg, bool forward) {
    End& e = end(forward);
    End& p = end(!forward);
    if (seg.checksum_checked && !seg.checksum_ok) {
        scaled(e, kChecksum, 'C');
        return;  // Zeek goes no further with a corrupt packet
    }
    const TcpFlags f = seg.flags;
    const bool orig = is_orig(e);
    const std::uint8_t bit = orig ? 1 : 2;
    if (!(first_seen_ & bit)) {  // TCPSessionAdapter::SetPartialStatus
        if (orig) partial_ = !f.syn() || f.ack();
        else if (!partial_) partial_ = !f.syn();
    }
    const std::uint32_t len = seg.payload_len;
    const std::uint32_t seg_len = (f.rst() ? 0 : len) + (f.syn() ? 1 : 0) + (f.fin() ? 1 : 0);
    const SeqNum end_seq = seg.seq + seg_len;
    init_endpoint(e, f, seg.seq, end_seq);
    const bool underflow = before(seg.seq, e.start);
    const std::uint32_t rel = offset_from(e.start, seg.seq);
    update_history(e, f, rel, len);
    if (seg.window == 0 && !f.rst() && p.state != ZeekState::closed && e.state != ZeekState::reset)
        scaled(e, kZeroWindow, 'W');
    if (f.fin()) {
        e.fin_seen = true;
        e.fin_rel = rel + seg_len;
    }
    if (f.ack()) note_ack(p, seg);
    update_last_seq(e, end_seq, f, len);
    update_states(e, p, seg);
    if (f.ack()) ack_received(p, seg.ack);  // a first ACK set p.start to ack - 1: nothing to trim
    if (len > 0 && seg.captured_len >= len && !f.rst() && !underflow)
        data_sent(e, f.syn() ? seg.seq + 1 : seg.seq, len);
    first_seen_ = static_cast<std::uint8_t>(first_seen_ | (is_orig(e) ? 1 : 2));
}

// init_endpoint(): the sequence numbers an endpoint's first segment (or a
// SYN that restarts it) sets.
void ZeekView::init_endpoint(End& e, TcpFlags f, SeqNum seq, SeqNum end_seq) {
    switch (e.state) {
        case ZeekState::inactive:
            if (f.syn()) init_seqs(e, seq, end_seq);
            else init_seqs(e, seq - 1, seq);  // as though a SYN came before
            break;
        case ZeekState::syn_sent:
        case ZeekState::syn_ack_sent:
            if (f.syn() && !(seq == e.start)) init_seqs(e, seq, end_seq);
            break;
        case ZeekState::established:
        case ZeekState::partial:
            if (f.syn()) init_seqs(e, seq, end_seq);
            break;
        case ZeekState::reset:
            if (f.syn() && e.prev == ZeekState::inactive) init_seqs(e, seq, end_seq);
            break;
        case ZeekState::closed:
            break;
    }
}

// update_history(): one letter per kind and direction, SYN, FIN and RST
// again when their sequence number changed.
void ZeekView::update_history(End& e, TcpFlags f, std::uint32_t rel, std::uint32_t len) {
    const int bits = (f.syn() ? 1 : 0) + (f.fin() ? 1 : 0) + (f.rst() ? 1 : 0);
    if (bits > 1) {
        if (f.fin() && f.rst()) check(e, kFinRstPkt, 'I');
        else check(e, kMultiFlagPkt, 'Q');
        return;
    }
    if (bits == 0) {
        if (len) check(e, kDataPkt, 'D');
        else if (f.ack()) check(e, kAckPkt, 'A');
        return;
    }
    if (f.syn()) {
        const char code = f.ack() ? 'H' : 'S';
        if (check(e, kSynPkt, code) && rel != e.last_syn) add(e, code);
        e.last_syn = rel;
    }
    if (f.fin()) {  // a FIN's number is taken past its data
        if (check(e, kFinPkt, 'F') && rel + len != e.last_fin) add(e, 'F');
        e.last_fin = rel + len;
    }
    if (f.rst()) {
        if (check(e, kRstPkt, 'R') && rel != e.last_rst) add(e, 'R');
        e.last_rst = rel;
    }
}

// The ACK's part before the state machine: the peer's numbers start at it
// (init_peer) or its acknowledged point moves (update_ack_seq).
void ZeekView::note_ack(End& p, const Segment& seg) {
    if (p.state == ZeekState::inactive) {
        init_seqs(p, seg.ack - 1, seg.ack - 1);
        return;
    }
    if (before(seg.ack, p.start) || seg.flags.rst()) return;  // underflow; RST acks untrusted
    const std::int32_t d = distance(p.ack, seg.ack);
    if (seg.ack.raw() == 0 && d > kTooLargeSeqDelta) return;  // a broken ack
    if (d > 0) p.ack = seg.ack;
}

// update_last_seq(): data that does not move the sender's highest
// sequence number is a retransmission (`t`).
void ZeekView::update_last_seq(End& e, SeqNum end_seq, TcpFlags f, std::uint32_t len) {
    const std::int32_t d = distance(e.last, end_seq);
    if ((f.syn() || f.rst()) && (d > kTooLargeSeqDelta || d < -kTooLargeSeqDelta)) return;
    if (f.fin() && e.last == e.start + 1) e.last = end_seq;
    else if (e.state == ZeekState::reset) return;  // its numbers are not trusted after a RST
    else if (d > 0) e.last = end_seq;
    else if (len > 0) scaled(e, kRetransmit, 'T');
}

// TCP_Reassembler::AckReceived(): an ACK past bytes of e's stream never
// seen is a content gap (`g`), reported while both sides are established
// or closing cleanly.
void ZeekView::ack_received(End& e, SeqNum ack) {
    if (e.fin_seen && after_eq(ack, e.start + e.fin_rel)) ack = e.start + e.fin_rel - 1;
    // At or below the reassembled point: trimmed already (Zeek's trim_seq
    // never passes it), nothing undelivered.
    if (!before(e.reassembled, ack)) return;
    const SeqNum up_to = e.held_from == e.held_to || after(e.held_from, ack) ? ack : e.held_from;
    const End& p = &e == &ends_[0] ? ends_[1] : ends_[0];
    auto clean = [](const End& x) {
        return x.state == ZeekState::established ||
               (x.state == ZeekState::closed && x.prev == ZeekState::established);
    };
    const bool partial_start = partial_ && offset_from(e.start, up_to) <= 2;
    if (!partial_start && clean(e) && clean(p)) scaled(e, kGap, 'G');
    e.reassembled = ack;
    absorb_held(e);
}

// The buffered range, once the reassembled point reaches it, joins it.
void ZeekView::absorb_held(End& e) {
    if (e.held_from == e.held_to || after(e.held_from, e.reassembled)) return;
    e.reassembled = max_seq(e.reassembled, e.held_to);
    e.held_from = e.held_to = e.reassembled;
}

// TCP_Reassembler::DataSent(), as far as gaps need it.
void ZeekView::data_sent(End& e, SeqNum seq, std::uint32_t len) {
    const SeqNum to = seq + len;
    if (!after(seq, e.reassembled)) {  // old bytes change nothing here
        e.reassembled = max_seq(e.reassembled, to);
        absorb_held(e);
    } else if (e.held_from == e.held_to) {
        e.held_from = seq;
        e.held_to = to;
    } else {
        if (before(seq, e.held_from)) e.held_from = seq;
        e.held_to = max_seq(e.held_to, to);
    }
}

}  // namespace tfe
