// tfe_decode_loop FILE: our own capture layer alone. Reads FILE with
// capture::read_capture_file (the classic-pcap reader, or libpcap's loop for
// pcapng) and decodes every frame into a Segment, but hands the segments to
// a sink that only counts them: what the tool pays before any analysis,
// next to tfe_pcap_read_loop's bare libpcap floor.

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "capture/pcap_source.hpp"

namespace {

class CountingSink final : public tfe::capture::SegmentSink {
public:
    void on_segment(const tfe::Segment& s) override {
        ++segments;
        payload += s.payload_len;
    }
    std::uint64_t segments = 0, payload = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tfe_decode_loop FILE\n");
        return 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    CountingSink sink;
    std::uint64_t frames = 0;
    const tfe::capture::FileReport r = tfe::capture::read_capture_file(argv[1], {}, frames, sink);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.fatal_error) std::fprintf(stderr, "%s\n", r.fatal_error->c_str());
    std::printf("%llu frames, %llu TCP segments, %llu payload bytes, %.3f s, %.2f M frames/s\n",
                static_cast<unsigned long long>(frames), static_cast<unsigned long long>(sink.segments),
                static_cast<unsigned long long>(sink.payload), secs, static_cast<double>(frames) / secs / 1e6);
    return r.fatal_error ? 1 : 0;
}
