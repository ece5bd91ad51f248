// Every word the reports use for a kind, in one place: an anomaly's stable
// machine name (JSON, --fail-on, --expect) and its words in the narrative,
// the brief line and the ladder; each handshake and close kind's stable
// name and words. Text, brief, run summary and JSON all read these tables.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "analyzer/summary.hpp"
#include "core/connection.hpp"
#include "core/events.hpp"

namespace tfe::analyzer {

// What an anomaly event's number (AnomalyEvent::value) is, by kind. The
// stable name is the JSON key it is written under.
enum class AnomalyValue : std::uint8_t {
    none,
    bytes_not_captured,  // a count: what the snapshot length cut off
    bytes_missing,       // a count: the gap before the segment
    fin_seq,             // the sender's FIN, in the sender's numbers
    peer_sent_up_to,     // the peer's highest sequence end seen, in the peer's numbers
    expected_seq,        // what the receiver acknowledged, in the sender's numbers (0: nothing yet)
    expected_ack,        // what the receiver's SYN needs acknowledged, in the receiver's numbers
    reset_packet,        // the packet number of the accepted RST (or of the one that refused the SYN before)
    acked_by_packet,     // the packet number of the ACK that proved the segment before it was captured
};
std::string_view value_name(AnomalyValue v);

struct AnomalyTerms {
    Anomaly kind;
    std::string_view name;      // stable: "syn_retransmission"
    std::string_view one, many; // the narrative: "SYN retransmission", "SYN retransmissions"
    std::string_view tag;       // the ladder: "SYN again"
    AnomalyValue value = AnomalyValue::none;
};

struct KindTerms {
    std::string_view name;   // stable: "three-way", "half-closed"
    std::string_view words;  // the narrative: "three-way handshake"
    std::string_view brief;  // --brief's line, short: "three waves"
};

const AnomalyTerms& terms(Anomaly a);
const KindTerms& terms(HandshakeKind k);
const KindTerms& terms(CloseKind k);

std::string_view anomaly_name(Anomaly a);          // "syn_retransmission"
std::string_view handshake_name(HandshakeKind k);  // "three-way", "not-seen", ...
std::string_view close_name(CloseKind k);          // "four-way", "half-closed", ...
// "three-wave close (FIN, FIN+ACK, ACK)", "four-way close (four waves: ...)".
std::string_view close_words(CloseKind k);
std::string_view close_brief(CloseKind k);
// "three-way handshake", "refused (RST to the SYN)", ...
std::string_view handshake_words(HandshakeKind k);
std::string_view handshake_brief(HandshakeKind k);
// "both sides closed", "idle timeout", ...
std::string_view end_words(EndReason r);
// "3 retransmissions", "1 bad checksum (normal for packets captured on ...)".
std::string anomaly_phrase(Anomaly a, std::uint64_t n);

}  // namespace tfe::analyzer
