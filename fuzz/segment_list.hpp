// A SegmentSink that keeps what each delivered segment says, comparable
// field by field (Segment itself has padding and no operator==).
#pragma once

#include <tuple>
#include <vector>

#include "capture/frames.hpp"

namespace tfe::fuzz {

class SegmentList final : public capture::SegmentSink {
public:
    using Facts = std::tuple<std::uint64_t, TimeNs, IpAddr, IpAddr, std::uint16_t, std::uint16_t,
                             std::uint32_t, std::uint32_t, std::uint8_t, std::uint16_t, std::uint32_t,
                             std::uint32_t, std::uint32_t>;
    void on_segment(const Segment& s) override {
        segments.emplace_back(s.frame, s.ts, s.src, s.dst, s.sport, s.dport, s.seq.raw(), s.ack.raw(),
                              s.flags.bits, s.window, s.payload_len, s.captured_len, s.wire_len);
    }
    std::vector<Facts> segments;
};

}  // namespace tfe::fuzz
