// A whole capture from memory through libpcap (pcap_fopen_offline on an
// fmemopen stream: classic pcap, nanosecond pcap and pcapng alike), every
// record decoded as the tool decodes it (process_frame) and fed to a
// FlowTable that parks eagerly, every connection it reports checked and
// written as text, brief and JSON (report_check.hpp).
#include <pcap/pcap.h>

#include <cstdio>

#include "capture/decoder.hpp"
#include "capture/frames.hpp"
#include "fuzz/fuzz_target.hpp"
#include "fuzz/report_check.hpp"

namespace {

using namespace tfe;

class ToTable final : public capture::SegmentSink {
public:
    explicit ToTable(FlowTable& table) : table_(table) {}
    void on_segment(const Segment& s) override { table_.on_segment(s); }
    void on_icmp_error(const IcmpError& e) override { table_.on_icmp_error(e); }

private:
    FlowTable& table_;
};

}  // namespace

TFE_FUZZ_TARGET(pcap_pipeline) {
    if (size == 0) return 0;  // fmemopen refuses an empty buffer
    std::FILE* in = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
    TFE_FUZZ_CHECK(in != nullptr);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
        std::fclose(in);
        return 0;
    }
    const int dlt = pcap_datalink(p);
    if (capture::linktype_supported(dlt)) {
        fuzz::CheckedReports reports(true);
        FlowTable table(fuzz::pipeline_config(), reports);
        ToTable sink(table);
        capture::DecodeStats stats;
        Segment segment;
        std::uint64_t frames = 0;
        pcap_pkthdr* header = nullptr;
        const u_char* bytes = nullptr;
        while (pcap_next_ex(p, &header, &bytes) == 1)
            capture::process_frame(dlt, *header, bytes, true, 1, frames, segment, stats, sink);
        table.flush();
        fuzz::check_all_reported(table, reports);
        TFE_FUZZ_CHECK(stats.frames_read == frames);
        TFE_FUZZ_CHECK(table.stats().segments == stats.segments_decoded);
    }
    pcap_close(p);  // closes `in`
    return 0;
}
