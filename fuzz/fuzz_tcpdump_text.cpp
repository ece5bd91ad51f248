// Any bytes as tcpdump text (capture/tcpdump_text.hpp): every line is
// either a segment, a counted skip or a counted malformed line; frame
// numbers only move forward; the segments go through a FlowTable whose
// every report is checked and written (report_check.hpp).
#include <sstream>
#include <string>

#include "capture/tcpdump_text.hpp"
#include "fuzz/fuzz_target.hpp"
#include "fuzz/report_check.hpp"
#include "fuzz/segment_list.hpp"

namespace {

using namespace tfe;

// Keeps each segment's facts and hands it on to the table.
class ListAndTable final : public capture::SegmentSink {
public:
    explicit ListAndTable(FlowTable& table) : table_(table) {}
    void on_segment(const Segment& s) override {
        list.on_segment(s);
        table_.on_segment(s);
    }
    fuzz::SegmentList list;

private:
    FlowTable& table_;
};

}  // namespace

TFE_FUZZ_TARGET(tcpdump_text) {
    fuzz::CheckedReports reports(true);
    FlowTable table(fuzz::pipeline_config(), reports);
    ListAndTable sink(table);
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    std::uint64_t frames = 0;
    const capture::FileReport r = capture::read_tcpdump_text(in, "fuzz", true, frames, sink);
    table.flush();
    fuzz::check_all_reported(table, reports);

    TFE_FUZZ_CHECK(r.is_text);
    // The one fatal error text can have: nothing in it read as a packet.
    TFE_FUZZ_CHECK(!r.fatal_error || r.frames_read == 0);
    TFE_FUZZ_CHECK(r.frames_read == r.segments_decoded + r.skipped_non_tcp + r.malformed);
    TFE_FUZZ_CHECK(r.segments_decoded == sink.list.segments.size());
    TFE_FUZZ_CHECK(table.stats().segments == r.segments_decoded);
    TFE_FUZZ_CHECK(r.last_frame == frames);
    TFE_FUZZ_CHECK(r.frames_read == 0 || r.first_frame >= 1);
    std::uint64_t previous = 0;
    for (const auto& s : sink.list.segments) {
        const std::uint64_t frame = std::get<0>(s);
        TFE_FUZZ_CHECK(frame > previous && frame >= r.first_frame && frame <= r.last_frame);
        previous = frame;
        TFE_FUZZ_CHECK(std::get<11>(s) == std::get<10>(s));  // captured whole: no snaplen note
    }
    // A malformed line is named (the first 20 one by one, then a count).
    if (r.malformed) TFE_FUZZ_CHECK(!r.text_warnings.empty());
    for (const std::string& w : r.text_warnings) TFE_FUZZ_CHECK(w.rfind("fuzz: ", 0) == 0);
    return 0;
}
