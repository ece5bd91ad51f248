// Runs a capture file through the real pipeline (capture -> core ->
// analyzer) in-process, for the golden and kernel-truth tests.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/json_report.hpp"
#include "analyzer/run_summary.hpp"
#include "analyzer/text_report.hpp"
#include "analyzer/summary.hpp"
#include "capture/pcap_source.hpp"
#include "capture/tcpdump_text.hpp"
#include "core/flow_table.hpp"

namespace tfe::test {

struct PipelineResult {
    std::vector<nlohmann::ordered_json> connections;  // JSON objects, in report order
    std::string text;                                   // the text report
    std::string summary_json;                           // RunSummary::json()
    capture::FileReport report;
    FlowTableStats stats;
};

struct PipelineOptions {
    std::size_t max_unparked = FlowTableConfig{}.max_unparked;
    bool keep_segments = false;
    TimeNs idle_timeout = 0;
    bool tcpdump_text = false;  // the file is tcpdump's text output
    bool libpcap_record_loop = false;  // ReadOptions::libpcap_record_loop
};

class JsonCollector final : public ConnectionSink, public capture::SegmentSink {
public:
    explicit JsonCollector(FlowTable*& table) : table_(table) {}
    void on_segment(const Segment& s) override { table_->on_segment(s); }
    void on_icmp_error(const IcmpError& e) override { table_->on_icmp_error(e); }
    void on_connection(const Connection& c) override {
        const analyzer::Summary s = analyzer::summarize(c);
        fmt::memory_buffer b;
        analyzer::write_json(b, c, s, analyzer::NumberStyle{});
        out.push_back(nlohmann::ordered_json::parse(b.begin(), b.end()));
        // The text exactly as `tcpflow-explain --color never` prints it.
        analyzer::write_text(text, c, s, analyzer::TextOptions{});
        summary.add(c, s);
    }
    std::vector<nlohmann::ordered_json> out;
    fmt::memory_buffer text;
    analyzer::RunSummary summary;

private:
    FlowTable*& table_;
};

inline PipelineResult run_pipeline(const std::string& path, const PipelineOptions& options = {}) {
    FlowTable* table = nullptr;
    JsonCollector sink(table);
    FlowTableConfig config;
    config.hash_seed = 1;
    config.max_unparked = options.max_unparked;
    config.tracker.keep_segments = options.keep_segments;
    config.tracker.zeek_view = true;  // the JSON is compared with `--format json`'s
    config.idle_timeout = options.idle_timeout;
    FlowTable t(config, sink);
    table = &t;
    std::uint64_t frames = 0;
    PipelineResult r;
    capture::ReadOptions read_options;
    read_options.libpcap_record_loop = options.libpcap_record_loop;
    r.report = options.tcpdump_text ? capture::read_tcpdump_text_file(path, false, frames, sink)
                                    : capture::read_capture_file(path, read_options, frames, sink);
    t.flush();
    r.stats = t.stats();
    r.connections = std::move(sink.out);
    sink.summary.write(sink.text, false);
    r.text = fmt::to_string(sink.text);
    r.summary_json = sink.summary.json();
    return r;
}

// The capture in a sample directory (capture.pcap or capture.pcapng).
inline std::string capture_in(const std::filesystem::path& dir) {
    for (const char* name : {"capture.pcap", "capture.pcapng"})
        if (std::filesystem::exists(dir / name)) return (dir / name).string();
    return {};
}

inline std::vector<std::filesystem::path> sample_dirs(const std::string& root) {
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(root))
        if (e.is_directory() && !capture_in(e.path()).empty()) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

}  // namespace tfe::test
