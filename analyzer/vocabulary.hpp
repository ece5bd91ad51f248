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

struct AnomalyTerms {
    Anomaly kind;
    std::string_view name;      // stable: "syn_retransmission"
    std::string_view one, many; // the narrative: "SYN retransmission", "SYN retransmissions"
    std::string_view tag;       // the ladder: "SYN again"
};

struct KindTerms {
    std::string_view name;   // stable: "three-way", "half-closed"
    std::string_view words;  // the narrative: "three-way handshake"
};

const AnomalyTerms& terms(Anomaly a);
const KindTerms& terms(HandshakeKind k);
const KindTerms& terms(CloseKind k);

std::string_view anomaly_name(Anomaly a);          // "syn_retransmission"
std::string_view handshake_name(HandshakeKind k);  // "three-way", "not-seen", ...
std::string_view close_name(CloseKind k);          // "four-way", "half-closed", ...
// "three-wave close (FIN, FIN+ACK, ACK)", "four-way close (four waves: ...)".
std::string_view close_words(CloseKind k);
// "three-way handshake", "refused (RST to the SYN)", ...
std::string_view handshake_words(HandshakeKind k);
// "both sides closed", "idle timeout", ...
std::string_view end_words(EndReason r);
// "3 retransmissions", "1 bad checksum (normal for packets captured on ...)".
std::string anomaly_phrase(Anomaly a, std::uint64_t n);

}  // namespace tfe::analyzer
