// Zeek's view of a TCP connection, kept beside ours: its endpoint states
// (TCP_INACTIVE ... TCP_RESET) and conn.log's `history` and `conn_state`,
// computed segment by segment with Zeek's own rules (TCPSessionAdapter,
// TCP_Endpoint, TCP_Reassembler and conn_state() of
// base/protocols/conn/main.zeek), so a team that uses Zeek can join our
// JSON with their conn.log. Never mixed with our RFC 9293 tracking: Zeek
// decides from flags in packet order where we place delivery from sequence
// numbers, and this says what Zeek would say, not what happened.
//
// What is not Zeek's to the letter (docs/json-schema.md, "zeek"): the
// content-gap letter `g` keeps one buffered range above the reassembled
// point where Zeek's reassembler keeps them all, and `c` (bad checksum)
// needs --verify-checksums: without it the history is `zeek -C`'s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/segment.hpp"
#include "core/seq.hpp"

namespace tfe {

enum class ZeekState : std::uint8_t { inactive, syn_sent, syn_ack_sent, partial, established, closed, reset };

class ZeekView {
public:
    // The connection's first segment, travelling a->b when `forward`:
    // Zeek's originator is its sender unless Zeek's port heuristic flips it.
    ZeekView(const Segment& first, bool forward);
    void on_segment(const Segment& seg, bool forward);

    const std::string& history() const { return history_; }
    std::string_view conn_state() const;
    // Zeek's originator is the flow key's `a` side.
    bool orig_is_a() const { return orig_is_a_; }
    ZeekState state(bool orig) const { return end(orig == orig_is_a_).state; }

    bool operator==(const ZeekView&) const = default;

private:
    // One endpoint, as TCP_Endpoint keeps it (and its reassembler's
    // reassembled point, absolute: Zeek's trim point never passes it).
    struct End {
        SeqNum start, last, ack;
        SeqNum reassembled, held_from, held_to;  // held: one range above reassembled
        std::uint32_t last_syn = 0, last_fin = 0, last_rst = 0;  // relative, for the repeat rule
        std::uint32_t fin_rel = 0;       // FIN_seq: relative sequence just past its FIN
        std::uint32_t events[4] = {};    // checksum, gap, retransmission, zero window
        ZeekState state = ZeekState::inactive, prev = ZeekState::inactive;
        bool fin_seen = false;
        bool operator==(const End&) const = default;
    };
    enum Event : std::uint8_t { kChecksum, kGap, kRetransmit, kZeroWindow };

    End& end(bool a) { return ends_[a ? 0 : 1]; }
    const End& end(bool a) const { return ends_[a ? 0 : 1]; }
    bool is_orig(const End& e) const { return (&e == &ends_[0]) == orig_is_a_; }

    void add(const End& e, char code);
    bool check(const End& e, std::uint32_t mask, char code);
    void scaled(End& e, Event ev, char code);
    static void set_state(End& e, ZeekState s);
    static void init_seqs(End& e, SeqNum start, SeqNum last);
    static std::uint64_t size(const End& e, const End& peer);

    void init_endpoint(End& e, TcpFlags f, SeqNum seq, SeqNum end_seq);
    void update_history(End& e, TcpFlags f, std::uint32_t rel, std::uint32_t len);
    void update_last_seq(End& e, SeqNum end_seq, TcpFlags f, std::uint32_t len);
    void note_ack(End& peer, const Segment& seg);
    void ack_received(End& e, SeqNum ack);
    static void data_sent(End& e, SeqNum seq, std::uint32_t len);
    static void absorb_held(End& e);

    void update_states(End& e, End& p, const Segment& seg);
    void inactive_state(End& e, End& p, const Segment& seg);
    void inactive_syn(End& e, End& p, const Segment& seg);
    static void syn_sent_state(End& e, TcpFlags f);
    static void established_state(End& e, End& p, TcpFlags f);
    static void closed_state(End& e, const End& p, TcpFlags f);

    End ends_[2];              // [0] is the flow key's a side
    std::string history_;
    std::uint32_t seen_ = 0;   // Zeek's hist_seen: orig's bits low, resp's << 16
    bool orig_is_a_ = true;
    bool partial_ = false;
    std::uint8_t first_seen_ = 0;  // bit 0: orig sent, bit 1: resp sent
};

// Zeek's likely_server_ports for TCP (the ports its base protocol scripts
// register), which its role heuristic reads.
bool zeek_likely_server_port(std::uint16_t port);

}  // namespace tfe
