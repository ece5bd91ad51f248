// The narrative: each part appends its sentences about one connection to
// the paragraph being assembled. It reads the core's recorded facts and
// transitions only; every state it names comes from a Transition.
#pragma once

#include <cstdint>
#include <optional>

#include "analyzer/summary.hpp"
#include "analyzer/text/buffer.hpp"
#include "analyzer/text/facts.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::text {

// The narrative. Each part appends its sentences to `out`, the paragraph
// being assembled.
struct Narrator {
    const Connection& c;
    const Summary& s;
    const TextOptions& o;
    // The notes earlier connections of the report gave (within one, a note
    // is given wherever it applies: both sides in TIME_WAIT).
    const TextbookNotes given_before = o.textbook ? *o.textbook : TextbookNotes{};

    std::uint32_t seq(Side sender, SeqNum x) const { return rel_seq(c, sender, x, o.numbers); }
    // False when an earlier connection of the report gave this note
    // (always true without a TextbookNotes to remember it).
    bool first_time(bool TextbookNotes::*note) const {
        if (o.textbook == nullptr) return true;
        o.textbook->*note = true;
        return !(given_before.*note);
    }

    // "ack 144" of the segment at `frame` sent by `sender`, if the core kept it.
    std::optional<std::uint32_t> ack_of(std::uint64_t frame, Side sender) const {
        const Transition* t = caused_by(c, frame);
        if (!t || cause_sender(*t) != sender || !t->flags.ack()) return std::nullopt;
        return seq(other(sender), t->ack);
    }

    void roles(Buf& out) const;
    void opening(Buf& out) const;
    void opening_three_way(Buf& out) const;
    void opening_incomplete(Buf& out) const;
    void opening_unanswered(Buf& out) const;
    void opening_refused(Buf& out) const;
    // ", after 2 SYN retransmissions (sent 3 times)", or nothing
    void retransmitted(Buf& out, std::uint32_t n, std::string_view what) const;
    void options(Buf& out) const;  // " Options offered: ...", or nothing
    void timing(Buf& out) const;   // " Handshake timing ...", or nothing
    void data(Buf& out) const;
    void uncaptured_data(Buf& out, Side side) const;
    void ignored_resets(Buf& out) const;
    void closing(Buf& out) const;  // nothing when it never opened
    void close_four_way(Buf& out, Side a) const;
    void close_three_way(Buf& out, Side a) const;
    void close_simultaneous(Buf& out) const;
    void close_reset(Buf& out) const;
    void close_half(Buf& out, Side a) const;
    void state_path(Buf& out, Side side) const;
    void final_state(Buf& out, Side side) const;
    void time_wait_note(Buf& out, Side side) const;
    void opening_after_time_wait(Buf& out) const;  // final_state's TIME_WAIT sentences
    void closed_note(Buf& out, const Transition* last) const;
    void reset_reason_note(Buf& out) const;
    void delivery_note(Buf& out, const Transition& t) const;
    // The last state `side` entered on the segment at `cause_frame`, as
    // the core recorded it; null when that segment moved nothing of it.
    const Transition* entered(Side side, std::uint64_t cause_frame) const;
    // `lead` and that state's name ("took it to FIN_WAIT_1"), or nothing.
    void took_to(Buf& out, Side side, std::uint64_t cause_frame, std::string_view lead) const;
    void fin_took_to(Buf& out, Side side, std::string_view lead) const;
    void fin_place(Buf& out, Side side) const;
    void first_fin(Buf& out, CloseKind kind, Side a) const;
};

// The transitions that get an "On the wire" note: placed by what the
// capture showed after their cause.
inline bool noted_on_the_wire(const Transition& t) {
    return t.delivery == Delivery::acknowledged || t.delivery == Delivery::followed ||
           t.delivery == Delivery::end_of_capture || t.delivery == Delivery::silence;
}

}  // namespace tfe::analyzer::text
