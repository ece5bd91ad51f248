#include "analyzer/vocabulary.hpp"

#include <fmt/format.h>

namespace tfe::analyzer {

namespace {

using A = Anomaly;

// In the enum's order (checked below). The ladder's tag of the capture
// artefacts (bad_checksum, truncated_payload) is never drawn: they get no
// ladder line.
constexpr std::array<AnomalyTerms, kAnomalyCount> kAnomalies{{
    {A::retransmission, "retransmission", "retransmission (data sent again)", "retransmissions (data sent again)",
     "retransmission"},
    {A::syn_retransmission, "syn_retransmission", "SYN retransmission", "SYN retransmissions", "SYN again"},
    {A::synack_retransmission, "synack_retransmission", "SYN+ACK retransmission", "SYN+ACK retransmissions",
     "SYN+ACK again"},
    {A::fin_retransmission, "fin_retransmission", "FIN retransmission", "FIN retransmissions", "FIN again"},
    {A::keep_alive, "keep_alive", "keep-alive probe (seq = next - 1; it lets a side find a dead peer)",
     "keep-alive probes (seq = next - 1; they let a side find a dead peer)", "keep-alive"},
    {A::out_of_order, "out_of_order", "out-of-order segment", "out-of-order segments", "out of order"},
    {A::previous_segment_not_captured, "previous_segment_not_captured", "gap: a previous segment was not captured",
     "gaps: previous segments were not captured", "after a gap", AnomalyValue::bytes_missing},
    {A::acked_unseen_segment, "acked_unseen_segment", "ACK of data the capture did not see",
     "ACKs of data the capture did not see", "acks unseen data", AnomalyValue::peer_sent_up_to},
    {A::duplicate_frame, "duplicate_frame",
     "duplicate frame (the same packet captured twice, as with -i any; not a retransmission)",
     "duplicate frames (the same packet captured twice, as with -i any; not retransmissions)", "duplicate frame"},
    {A::data_after_fin, "data_after_fin", "segment with data after its sender's FIN",
     "segments with data after their sender's FIN", "data after FIN", AnomalyValue::fin_seq},
    {A::data_after_reset, "data_after_reset",
     "segment with data after the connection was reset (lost: the RST had closed it)",
     "segments with data after the connection was reset (lost: the RST had closed it)", "data after RST",
     AnomalyValue::reset_packet},
    {A::syn_after_refusal, "syn_after_refusal",
     "SYN sent again after an RST refused it (the stack retried a refused connect())",
     "SYNs sent again after an RST refused them (the stack retried a refused connect())", "SYN tried again after RST",
     AnomalyValue::reset_packet},
    {A::data_before_established, "data_before_established", "segment with data before the handshake completed",
     "segments with data before the handshake completed", "early data"},
    {A::rst_out_of_window, "rst_out_of_window", "RST outside the receive window, ignored (RFC 5961)",
     "RSTs outside the receive window, ignored (RFC 5961)", "RST out of window, ignored", AnomalyValue::expected_seq},
    {A::rst_not_acking_syn, "rst_not_acking_syn", "RST in SYN_SENT that did not acknowledge the SYN, ignored",
     "RSTs in SYN_SENT that did not acknowledge the SYN, ignored", "RST not acking SYN, ignored",
     AnomalyValue::expected_ack},
    {A::rst_challenged, "rst_challenged",
     "RST in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)",
     "RSTs in the window but not at the expected sequence number: the receiver went on (RFC 5961 challenge ACK)",
     "RST challenged"},
    {A::unexpected_segment, "unexpected_segment", "segment a stack would not accept in its state",
     "segments a stack would not accept in their state", "unexpected"},
    {A::ack_lost_after_capture, "ack_lost_after_capture",
     "ACK lost after the capture point (the peer sent again what it acknowledged)",
     "ACKs lost after the capture point (the peer sent again what they acknowledged)", "ACK lost later"},
    {A::odd_flags, "odd_flags", "segment with an odd flag combination", "segments with odd flag combinations",
     "odd flags"},
    {A::bad_checksum, "bad_checksum",
     "bad checksum (normal for packets captured on the sending host with checksum offload; analysed anyway)",
     "bad checksums (normal for packets captured on the sending host with checksum offload; analysed anyway)",
     "bad_checksum"},
    {A::truncated_payload, "truncated_payload", "segment truncated by the snapshot length",
     "segments truncated by the snapshot length", "truncated_payload", AnomalyValue::bytes_not_captured},
    {A::zero_window, "zero_window", "zero-window advertisement (the receiver's buffer was full)",
     "zero-window advertisements (the receiver's buffer was full)", "zero window"},
    {A::icmp_error, "icmp_error", "ICMP error about a segment it sent (a router or host would not carry it)",
     "ICMP errors about segments it sent (a router or host would not carry them)", "ICMP error"},
    {A::handshake_ack_not_captured, "handshake_ack_not_captured",
     "handshake ACK not captured (the peer's ACK of its data proves it was sent)",
     "handshake ACKs not captured (the peer's ACKs of its data prove them)", "proves an uncaptured ACK"},
    {A::fin_not_captured, "fin_not_captured", "FIN not captured (the peer's ACK, one past its data, proves it was sent)",
     "FINs not captured (the peer's ACKs, one past its data, prove them)", "proves an uncaptured FIN"},
    {A::synack_not_captured, "synack_not_captured",
     "SYN+ACK not captured (the client's ACK of it proves it was sent)",
     "SYN+ACKs not captured (the client's ACKs of them prove them)", "proves an uncaptured SYN+ACK"},
    {A::captured_after_its_ack, "captured_after_its_ack",
     "segment captured after the ACK that answers it (the capture's order is not the wire's)",
     "segments captured after the ACKs that answer them (the capture's order is not the wire's)",
     "captured after its ACK", AnomalyValue::acked_by_packet},
    {A::time_wait_ack, "time_wait_ack",
     "ACK of the previous connection from TIME_WAIT (answering a SYN it may not take)",
     "ACKs of the previous connection from TIME_WAIT (answering SYNs it may not take)", "old ACK from TIME_WAIT"},
    {A::time_wait_reset_reply, "time_wait_reset_reply",
     "RST answering an ACK from TIME_WAIT (RFC 9293 3.10.7.3; its sender stays in SYN_SENT)",
     "RSTs answering ACKs from TIME_WAIT (RFC 9293 3.10.7.3; their sender stays in SYN_SENT)",
     "RST reply, still SYN_SENT"},
    {A::duplicate_ack, "duplicate_ack", "duplicate ACK (the same ACK and window again: a segment after a gap arrived)",
     "duplicate ACKs (the same ACK and window again: segments after a gap arrived)", "dup ACK"},
    {A::window_update, "window_update", "window update (no data, only a new window)",
     "window updates (no data, only a new window)", "window update"},
    {A::window_full, "window_full", "segment that fills the peer's window to its edge",
     "segments that fill the peer's window to its edge", "window full"},
    {A::keep_alive_ack, "keep_alive_ack", "keep-alive ACK (the answer to a keep-alive probe)",
     "keep-alive ACKs (answers to keep-alive probes)", "keep-alive ACK"},
    {A::zero_window_probe, "zero_window_probe", "zero-window probe (one byte into the peer's zero window)",
     "zero-window probes (one byte into the peer's zero window)", "zero-window probe"},
}};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kAnomalies.size(); ++i)
        if (static_cast<std::size_t>(kAnomalies[i].kind) != i) return false;
    return true;
}
static_assert(in_enum_order(), "kAnomalies must list every anomaly in the enum's order");

constexpr std::array<KindTerms, kHandshakeKinds> kHandshakes{{
    {"three-way", "three-way handshake", "three-way handshake"},
    {"simultaneous-open", "simultaneous open", "simultaneous open"},
    {"refused", "refused (RST to the SYN)", "refused (RST)"},
    {"unanswered", "unanswered SYN", "unanswered SYN"},
    {"incomplete", "incomplete handshake", "handshake incomplete"},
    {"not-seen", "handshake not captured", "no handshake captured"},
    {"partly-seen", "three-way handshake, partly captured", "handshake partly captured"},
}};

constexpr std::array<KindTerms, kCloseKinds> kCloses{{
    {"four-way", "four-way close (four waves: FIN, ACK, FIN, ACK)", "four waves"},
    {"three-way", "three-wave close (FIN, FIN+ACK, ACK)", "three waves (FIN+ACK merged)"},
    {"simultaneous", "simultaneous close (both FINs crossed; both sides went through CLOSING)", "simultaneous close"},
    {"reset", "reset (RST)", "reset (RST)"},
    {"half-closed", "half-closed (one FIN only)", "half-closed (one FIN only)"},
    {"open", "still open (no FIN, no RST)", "still open"},
    {"none", "never opened", "never opened"},
}};

// The entry of a kind in its table; `unknown` for a value outside the enum.
template <typename Kind, typename Terms, std::size_t N>
const Terms& lookup(const std::array<Terms, N>& table, Kind k, const Terms& unknown) {
    const auto i = static_cast<std::size_t>(k);
    return i < N ? table[i] : unknown;
}

const KindTerms kUnknownKind{"?", "?", "?"};
const AnomalyTerms kUnknownAnomaly{Anomaly::count_, "?", "?", "?", "?"};

}  // namespace

const AnomalyTerms& terms(Anomaly a) { return lookup(kAnomalies, a, kUnknownAnomaly); }
const KindTerms& terms(HandshakeKind k) { return lookup(kHandshakes, k, kUnknownKind); }
const KindTerms& terms(CloseKind k) { return lookup(kCloses, k, kUnknownKind); }

std::string_view anomaly_name(Anomaly a) { return terms(a).name; }
std::string_view handshake_name(HandshakeKind k) { return terms(k).name; }
std::string_view close_name(CloseKind k) { return terms(k).name; }
std::string_view close_words(CloseKind k) { return terms(k).words; }
std::string_view handshake_words(HandshakeKind k) { return terms(k).words; }
std::string_view close_brief(CloseKind k) { return terms(k).brief; }
std::string_view handshake_brief(HandshakeKind k) { return terms(k).brief; }

std::string_view value_name(AnomalyValue v) {
    switch (v) {
        case AnomalyValue::none: return "";
        case AnomalyValue::bytes_not_captured: return "bytes_not_captured";
        case AnomalyValue::bytes_missing: return "bytes_missing";
        case AnomalyValue::fin_seq: return "fin_seq";
        case AnomalyValue::peer_sent_up_to: return "peer_sent_up_to";
        case AnomalyValue::expected_seq: return "expected_seq";
        case AnomalyValue::expected_ack: return "expected_ack";
        case AnomalyValue::reset_packet: return "reset_packet";
        case AnomalyValue::acked_by_packet: return "acked_by_packet";
    }
    return "?";
}

std::string_view end_words(EndReason r) {
    switch (r) {
        case EndReason::closed: return "both sides closed";
        case EndReason::time_wait_expired: return "TIME_WAIT expired";
        case EndReason::idle: return "idle timeout";
        case EndReason::superseded: return "a new SYN reused the ports";
        case EndReason::capture_end: return "end of capture";
        case EndReason::time_wait: return "settled, reported during TIME_WAIT";
        case EndReason::evicted: return "evicted: the connection table was full (--max-connections)";
    }
    return "?";
}

std::string anomaly_phrase(Anomaly a, std::uint64_t n) {
    const AnomalyTerms& t = terms(a);
    return fmt::format("{} {}", n, n == 1 ? t.one : t.many);
}

}  // namespace tfe::analyzer
