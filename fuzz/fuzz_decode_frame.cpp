// One frame at one link type through decode_frame. The first byte picks the
// link type and whether checksums are verified; the rest is the frame,
// in a buffer of exactly its size so that ASan sees any read past it.
#include <pcap/dlt.h>

#include <vector>

#include "capture/decoder.hpp"
#include "fuzz/fuzz_target.hpp"

namespace {

constexpr int kLinkTypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 101,
                              DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};
constexpr std::size_t kLinkTypeCount = sizeof kLinkTypes / sizeof kLinkTypes[0];

}  // namespace

TFE_FUZZ_TARGET(decode_frame) {
    if (size < 1) return 0;
    const int dlt = kLinkTypes[(data[0] & 0x0f) % kLinkTypeCount];
    const bool verify = (data[0] & 0x10) != 0;
    // Bits 5-7: how much longer the frame was on the wire (snaplen cut).
    const std::uint32_t cut_bytes = static_cast<std::uint32_t>(data[0] >> 5) * 97u;
    const std::vector<std::uint8_t> frame(data + 1, data + size);
    const auto wire_len = static_cast<std::uint32_t>(frame.size()) + cut_bytes;

    tfe::Segment seg;
    seg.frame = 7;
    seg.ts = 11;
    const tfe::capture::DecodeError e = tfe::capture::decode_frame(dlt, frame, wire_len, verify, seg);
    TFE_FUZZ_CHECK(e < tfe::capture::DecodeError::count);
    TFE_FUZZ_CHECK(tfe::capture::to_string(e) != nullptr);
    TFE_FUZZ_CHECK(seg.frame == 7 && seg.ts == 11);  // the caller's fields stay
    if (e != tfe::capture::DecodeError::ok) return 0;
    TFE_FUZZ_CHECK(seg.captured_len <= seg.payload_len);
    TFE_FUZZ_CHECK(seg.captured_len <= frame.size());
    TFE_FUZZ_CHECK(seg.wire_len == wire_len);
    TFE_FUZZ_CHECK(seg.src.version == 4 || seg.src.version == 6);
    TFE_FUZZ_CHECK(seg.src.version == seg.dst.version);
    TFE_FUZZ_CHECK(seg.options.wscale <= 14);
    TFE_FUZZ_CHECK(!seg.checksum_checked || verify);
    return 0;
}
