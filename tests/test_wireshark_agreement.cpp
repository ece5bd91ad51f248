// Agreement with Wireshark's per-frame TCP analysis (tcp.analysis.*) over
// every sample: the frames each family flags must be the frames ours
// flags, except where our sequence-aware verdict differs on purpose, each
// listed below with why (docs/json-schema.md, "Wireshark's analysis").
// tshark's output is saved in tests/data/tshark-analysis/ by
// tests/data/make_tshark_analysis.sh, so tshark is not needed here.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sample_pipeline.hpp"

using namespace tfe::test;
using json = nlohmann::ordered_json;

namespace {

const std::filesystem::path kSamples = TFE_SAMPLES_DIR;
const std::filesystem::path kSaved = std::filesystem::path(TFE_TEST_DATA_DIR) / "tshark-analysis";

struct Family {
    const char* name;
    std::vector<std::string> ours;  // our anomaly names
    std::vector<int> columns;       // the saved file's flag columns (0: the first flag)
};

// Columns: retransmission, fast_retransmission, spurious_retransmission,
// keep_alive, out_of_order, lost_segment, ack_lost_segment, zero_window,
// duplicate_ack, window_update, window_full, keep_alive_ack,
// zero_window_probe.
const std::vector<Family> kFamilies = {
    {"retransmission", {"retransmission", "syn_retransmission", "synack_retransmission", "fin_retransmission"}, {0, 1, 2}},
    {"keep-alive", {"keep_alive"}, {3}},
    {"out-of-order", {"out_of_order"}, {4}},
    {"previous segment not captured", {"previous_segment_not_captured"}, {5}},
    {"ACKed unseen segment", {"acked_unseen_segment"}, {6}},
    {"zero window", {"zero_window"}, {7}},
    {"duplicate ACK", {"duplicate_ack"}, {8}},
    {"window update", {"window_update"}, {9}},
    {"window full", {"window_full"}, {10}},
    {"keep-alive ACK", {"keep_alive_ack"}, {11}},
    {"zero-window probe", {"zero_window_probe"}, {12}},
};

// Where we differ from Wireshark on purpose: sample, family, frame, and
// whether only Wireshark (true) or only we (false) flag it.
struct Deviation {
    const char* sample;
    const char* family;
    std::uint64_t frame;
    bool wireshark_only;
    const char* why;
};
const std::vector<Deviation> kDeviations = {
    {"crafted-refused-retried", "retransmission", 3, true, "the same SYN after an RST refused it is a new try (syn_after_refusal)"},
    {"crafted-refused-retried", "retransmission", 5, true, "the same SYN after an RST refused it is a new try (syn_after_refusal)"},
    {"crafted-simultaneous-open", "retransmission", 3, true, "a simultaneous open's SYN+ACK answers the peer's SYN; it shares its own SYN's number"},
    {"crafted-simultaneous-open", "retransmission", 4, true, "a simultaneous open's SYN+ACK answers the peer's SYN; it shares its own SYN's number"},
    {"crafted-rst-out-of-window", "retransmission", 11, true, "Wireshark moves its next sequence number to the ignored RST's; an RST occupies none"},
    {"crafted-rst-out-of-window", "retransmission", 15, true, "Wireshark moves its next sequence number to the ignored RST's; an RST occupies none"},
    {"crafted-fin-retrans-after-linger", "retransmission", 20, true, "the FIN comes after the connection was reported (--linger): counted among the late segments under Input"},
    {"crafted-fin-retrans-after-linger", "duplicate ACK", 21, true, "the ACK comes after the connection was reported (--linger): counted among the late segments under Input"},
    {"failure-backlog-abort", "retransmission", 5, true, "identical to packet 3 in every field, IP ID included: read as the same frame twice (duplicate_frame)"},
    {"failure-backlog-full", "retransmission", 5, true, "identical to packet 3 in every field, IP ID included: read as the same frame twice (duplicate_frame)"},
    {"crafted-reordered-capture", "ACKed unseen segment", 10, true, "the segment it acknowledges was captured after it (captured_after_its_ack)"},
    {"crafted-uncaptured-answer", "ACKed unseen segment", 7, true, "the ACK proves a segment the capture missed, named as such (synack_not_captured...)"},
    {"crafted-uncaptured-gap", "ACKed unseen segment", 7, true, "the ACK proves a segment the capture missed, named as such (fin_not_captured...)"},
    {"failure-time-wait-collision", "ACKed unseen segment", 617, true, "the ACK is the previous connection's, from TIME_WAIT (time_wait_ack)"},
    {"failure-time-wait-reset", "ACKed unseen segment", 596, true, "the ACK is the previous connection's, from TIME_WAIT (time_wait_ack)"},
    {"failure-time-wait-reset", "ACKed unseen segment", 600, true, "Wireshark took the old ACK's numbers for this stream's"},
    {"failure-time-wait-reset", "previous segment not captured", 599, true, "Wireshark took the old ACK's numbers for this stream's"},
};

// Connections whose initial RTT Wireshark takes from a segment that is not
// the handshake's ACK (sample, connection id).
const std::set<std::pair<std::string, int>> kIrttDeviations = {
    {"crafted-rst-in-syn-sent-bad-ack", 1},  // the ignored RST+ACK that does not acknowledge the SYN
    {"crafted-simultaneous-open", 1},        // the crossing SYN+ACK, before the handshake completed
    {"failure-time-wait-collision", 2},      // the previous connection's ACK from TIME_WAIT
    {"failure-time-wait-reset", 2},          // the same, before the RST ended TIME_WAIT
};

struct Saved {
    std::map<std::uint64_t, int> stream_of;                 // every frame listed
    std::map<std::uint64_t, int> stream_starts;             // first frame -> stream
    std::map<std::string, std::set<std::uint64_t>> frames;  // family -> frames
    std::map<int, double> initial_rtt;                      // stream -> seconds
};

Saved read_saved(const std::filesystem::path& file) {
    Saved s;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        std::vector<std::string> cols;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
        if (cols[0] == "#irtt") s.initial_rtt[std::stoi(cols.at(1))] = std::stod(cols.at(2));
        if (line[0] == '#') continue;
        cols.resize(15);
        const std::uint64_t frame = std::stoull(cols[0]);
        const int stream = std::stoi(cols[1]);
        if (!s.stream_starts.count(frame) && std::none_of(s.stream_of.begin(), s.stream_of.end(), [&](const auto& p) {
                return p.second == stream;
            }))
            s.stream_starts[frame] = stream;
        s.stream_of[frame] = stream;
        for (const Family& f : kFamilies)
            for (int col : f.columns)
                if (cols[2 + col] == "1") s.frames[f.name].insert(frame);
    }
    return s;
}

bool deviates(const std::string& sample, const std::string& family, std::uint64_t frame, bool wireshark_only) {
    return std::any_of(kDeviations.begin(), kDeviations.end(), [&](const Deviation& d) {
        return d.sample == sample && d.family == family && d.frame == frame && d.wireshark_only == wireshark_only;
    });
}

// One family over one connection: events when all were kept, else counts.
void compare(const std::string& sample, const Family& f, const json& c, const Saved& ws, int stream, int& deviations) {
    std::set<std::uint64_t> ours;
    std::uint64_t count = 0;
    for (const std::string& name : f.ours) count += c["anomalies"].value(name, 0u);
    for (const json& ev : c["anomaly_events"])
        if (std::find(f.ours.begin(), f.ours.end(), ev["name"].get<std::string>()) != f.ours.end())
            ours.insert(ev["packet"].get<std::uint64_t>());
    std::set<std::uint64_t> theirs;
    for (std::uint64_t frame : ws.frames.count(f.name) ? ws.frames.at(f.name) : std::set<std::uint64_t>{})
        if (ws.stream_of.at(frame) == stream) theirs.insert(frame);
    INFO(sample << ", connection " << c["id"] << ", " << f.name);
    std::uint64_t expected_count = theirs.size();
    for (std::uint64_t frame : theirs)
        if (!ours.count(frame)) {
            const bool known = deviates(sample, f.name, frame, true);
            if (known) ++deviations, --expected_count;
            else if (ours.size() == count) FAIL_CHECK("only Wireshark flags packet " << frame);
        }
    for (std::uint64_t frame : ours)
        if (!theirs.count(frame)) {
            CHECK(deviates(sample, f.name, frame, false));
            ++deviations, ++expected_count;
        }
    // Events beyond the kept ones: the counts must agree.
    if (ours.size() < count) CHECK(count == expected_count);
}

}  // namespace

TEST_CASE("the initial RTT is Wireshark's, over every sample", "[wireshark][golden]") {
    int measured = 0, deviations = 0;
    for (const auto& dir : sample_dirs(kSamples.string())) {
        const Saved ws = read_saved(kSaved / (dir.filename().string() + ".tsv"));
        for (const json& c : run_pipeline(capture_in(dir)).connections) {
            const auto start = ws.stream_starts.find(c["first_packet"].get<std::uint64_t>());
            REQUIRE(start != ws.stream_starts.end());
            const json& ours = c["handshake_rtt_ms"]["initial"];
            const auto theirs = ws.initial_rtt.find(start->second);
            INFO(dir.filename().string() << ", connection " << c["id"] << ": ours " << ours.dump());
            // Wireshark stops at the first segment with an ACK flag after the
            // SYN; ours at the handshake's ACK.
            const std::string sample = dir.filename().string();
            if (c["handshake"] == "refused" && ours.is_null()) continue;  // SYN to the refusing RST+ACK
            if (kIrttDeviations.count({sample, c["id"].get<int>()})) {
                ++deviations;
                continue;
            }
            REQUIRE(ours.is_null() == (theirs == ws.initial_rtt.end()));
            if (ours.is_null()) continue;
            CHECK(ours.get<double>() == Approx(theirs->second * 1e3).margin(0.0006));
            ++measured;
        }
    }
    CHECK(measured >= 30);
    CHECK(deviations == static_cast<int>(kIrttDeviations.size()));
}

TEST_CASE("Wireshark's analysis flags the frames ours does, but where we differ on purpose", "[wireshark][golden]") {
    int samples = 0, deviations = 0;
    for (const auto& dir : sample_dirs(kSamples.string())) {
        const std::string sample = dir.filename().string();
        const auto saved = kSaved / (sample + ".tsv");
        INFO("sample " << sample << " (tests/data/make_tshark_analysis.sh saves " << saved.string() << ")");
        REQUIRE(std::filesystem::exists(saved));
        const Saved ws = read_saved(saved);
        const PipelineResult r = run_pipeline(capture_in(dir));
        for (const json& c : r.connections) {
            const auto start = ws.stream_starts.find(c["first_packet"].get<std::uint64_t>());
            INFO("connection " << c["id"] << " starts at packet " << c["first_packet"]);
            REQUIRE(start != ws.stream_starts.end());
            for (const Family& f : kFamilies) compare(sample, f, c, ws, start->second, deviations);
        }
        ++samples;
    }
    CHECK(samples >= 40);
    CHECK(deviations == static_cast<int>(kDeviations.size()));  // none listed that no longer happens
}
