// Arbitrary segment sequences on four 4-tuples through two FlowTables, one
// parking every connection it can (max_unparked 0 or 1) and one never
// parking: both must report the same connections, byte for byte (parking
// round-trips exactly), every connection exactly once, each with coherent
// records (report_check.hpp).
//
// Input: two bytes of configuration, then eight bytes per segment:
//   0  bits 0-1 the 4-tuple, bit 2 direction (a->b or b->a),
//      bits 3-7 the time step (0: same time, 1-27: ms, 28: 1 s, 29: 3 s,
//      30: 100 s, 31: 2 s backwards)
//   1  TCP flags (all eight bits)
//   2-3 sequence number, relative to the sender's ISN (signed)
//   4-5 acknowledgment number, relative to the receiver's ISN (signed)
//   6  payload length; 7 window and ISN choice
#include <vector>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/report_check.hpp"

namespace {

using namespace tfe;

constexpr std::size_t kRecord = 8;

FlowTableConfig config_from(std::uint8_t a, std::uint8_t b, bool park) {
    FlowTableConfig config;
    config.hash_seed = 1 + (b & 0x0f);
    config.tracker.zeek_view = (b & 0x10) != 0;  // and parking must keep it
    if (const unsigned cap = (b >> 5) & 3) config.max_connections = 1 + cap;  // eviction, parked or not
    config.tracker.msl = (a & 1) ? 1'000'000'000 : 30'000'000'000;  // 2*MSL timers fire too
    config.tracker.linger = (a & 2) ? 0 : 2'000'000'000;
    config.tracker.keep_segments = (a & 4) != 0;
    config.tracker.max_anomaly_events = (a & 8) ? 2 : 16;
    config.idle_timeout = (a & 16) ? 2'000'000'000 : 0;
    config.max_unparked = park ? ((a >> 5) & 1) : 1u << 20;
    return config;
}

TimeNs time_step(std::uint8_t code) {
    if (code == 0) return 0;
    if (code < 28) return code * TimeNs{1'000'000};
    if (code == 28) return 1'000'000'000;
    if (code == 29) return 3'000'000'000;
    if (code == 30) return 100'000'000'000;
    return -2'000'000'000;
}

Segment segment_from(const std::uint8_t* r, std::uint64_t frame, TimeNs ts) {
    const unsigned tuple = r[0] & 3;
    const bool forward = (r[0] & 4) == 0;
    const std::uint32_t isn_a = (r[7] & 0x80) ? 0xfffffff0u : 1000u * (tuple + 1);
    const std::uint32_t isn_b = (r[7] & 0x40) ? 0x7ffffff8u : 0xfffff000u + tuple;
    Segment s;
    s.frame = frame;
    s.ts = ts;
    const IpAddr a = IpAddr::v4(0x0a000001), b = IpAddr::v4(0x0a000002 + (tuple >> 1));
    const std::uint16_t port_a = static_cast<std::uint16_t>(40000 + (tuple & 1)), port_b = 80;
    s.src = forward ? a : b;
    s.dst = forward ? b : a;
    s.sport = forward ? port_a : port_b;
    s.dport = forward ? port_b : port_a;
    s.flags = TcpFlags(r[1]);
    const auto rel_seq = static_cast<std::int16_t>(r[2] << 8 | r[3]);
    const auto rel_ack = static_cast<std::int16_t>(r[4] << 8 | r[5]);
    s.seq = SeqNum((forward ? isn_a : isn_b) + static_cast<std::uint32_t>(rel_seq));
    s.ack = SeqNum((forward ? isn_b : isn_a) + static_cast<std::uint32_t>(rel_ack));
    s.payload_len = r[6];
    s.captured_len = (r[7] & 0x20) ? r[6] / 2u : r[6];
    s.wire_len = 54 + s.captured_len;
    s.window = static_cast<std::uint16_t>((r[7] & 0x1f) * 1000);
    s.ip_ttl = 64;
    s.ip_id = static_cast<std::uint16_t>(frame);
    return s;
}

}  // namespace

TFE_FUZZ_TARGET(flow_table) {
    if (size < 2) return 0;
    const bool all_segments = (data[0] & 4) != 0;
    fuzz::CheckedReports plain_reports(all_segments), parked_reports(all_segments);
    FlowTable plain(config_from(data[0], data[1], false), plain_reports);
    FlowTable parked(config_from(data[0], data[1], true), parked_reports);
    TimeNs ts = 1'600'000'000'000'000'000;
    std::uint64_t frame = 0;
    for (std::size_t at = 2; at + kRecord <= size; at += kRecord) {
        ts += time_step(data[at] >> 3);
        const Segment s = segment_from(data + at, ++frame, ts);
        plain.on_segment(s);
        parked.on_segment(s);
    }
    plain.flush();
    parked.flush();
    fuzz::check_all_reported(plain, plain_reports);
    fuzz::check_all_reported(parked, parked_reports);
    TFE_FUZZ_CHECK(parked.stats().unparks == parked.stats().parks);
    TFE_FUZZ_CHECK(parked_reports.reports == plain_reports.reports);
    return 0;
}
