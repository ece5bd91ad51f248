// The multi-threaded pipeline against one flow table: random segment
// streams (many 4-tuples, port reuse, time stamps that step back, ICMP
// errors, timers firing) give the same reports in the same order with the
// same numbers through 1, 2 and 3 workers, and a shard's reports are the
// one-thread shard's. A pipeline told to send segments to the wrong worker
// is caught by the workers' check, and its output differs.
#include <catch2/catch.hpp>

#include <random>

#include "analyzer/json_report.hpp"
#include "analyzer/summary.hpp"
#include "pipeline/pipeline.hpp"
#include "scenario.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

class Recorder : public ConnectionSink {
public:
    void on_connection(const Connection& c) override {
        fmt::memory_buffer b;
        analyzer::write_json(b, c, analyzer::summarize(c), analyzer::NumberStyle{});
        reports.emplace_back(b.data(), b.size());
    }
    std::vector<std::string> reports;
};

// An ICMP error quoting the client's segment `s` (routed to its flow).
IcmpError icmp_for(const Segment& s) {
    IcmpError e;
    e.frame = s.frame;
    e.ts = s.ts;
    e.router = IpAddr::v4(0x0a0000fe);
    e.type = 3;
    e.code = 1;
    e.quoted_src = s.src;
    e.quoted_dst = s.dst;
    e.quoted_sport = s.sport;
    e.quoted_dport = s.dport;
    e.quoted_seq = s.seq;
    return e;
}

// 20 000 random segments over 64 4-tuples; every 50th event also an ICMP
// error; now and then a time stamp from a moment ago (a second interface).
void random_stream(std::uint32_t seed, capture::SegmentSink& sink) {
    std::mt19937 rng(seed);
    double t = 0;
    for (std::uint64_t frame = 1; frame <= 20000; ++frame) {
        const RandomSegment d = random_segment(rng, 64, t);
        const double stamp = rng() % 40 == 0 ? t - 0.5 : t;
        const Segment s = d.replay.segment(d.step, frame, stamp);
        sink.on_segment(s);
        if (frame % 50 == 0) sink.on_icmp_error(icmp_for(s));
    }
}

FlowTableConfig stream_config(std::size_t max_unparked) {
    FlowTableConfig config = Replay{}.config;
    config.hash_seed = 7;
    config.tracker.msl = 1'000'000'000;           // short TIME_WAIT so timers fire too
    config.tracker.linger = 500'000'000;
    config.max_unparked = max_unparked;
    return config;
}

// One table, as the command line's single-threaded path drives it.
class OneTable final : public capture::SegmentSink {
public:
    OneTable(const FlowTableConfig& c, ConnectionSink& s) : table(c, s) {}
    void on_segment(const Segment& seg) override { table.on_segment(seg); }
    void on_icmp_error(const IcmpError& e) override { table.on_icmp_error(e); }
    FlowTable table;
};

std::vector<std::string> one_table(std::uint32_t seed, const FlowTableConfig& config,
                                   const std::optional<pipeline::ShardSpec>& shard = std::nullopt) {
    Recorder r;
    OneTable one(config, r);
    if (shard) {
        pipeline::ShardFilter only(*shard, one.table);
        random_stream(seed, only);
    } else {
        random_stream(seed, one);
    }
    one.table.flush();
    return r.reports;
}

std::vector<std::string> threaded(std::uint32_t seed, pipeline::PipelineConfig pc, std::uint64_t* misrouted = nullptr) {
    Recorder r;
    pipeline::Pipeline p(pc, r);
    random_stream(seed, p);
    p.finish();
    if (misrouted) *misrouted = p.misrouted();
    return r.reports;
}

}  // namespace

TEST_CASE("random streams: the pipeline's reports are one table's, in order and numbering", "[pipeline]") {
    const std::uint32_t seed = GENERATE(1u, 2u, 3u);
    const std::size_t unparked = GENERATE(std::size_t{16384}, std::size_t{0});
    const auto want = one_table(seed, stream_config(unparked));
    REQUIRE(want.size() > 100);
    for (std::uint32_t threads : {1u, 2u, 3u}) {
        pipeline::PipelineConfig pc;
        pc.threads = threads;
        pc.table = stream_config(unparked);
        pc.seed = seed * 31 + threads;
        std::uint64_t misrouted = 1;
        const auto got = threaded(seed, pc, &misrouted);
        INFO("seed " << seed << ", " << threads << " threads, max_unparked " << unparked);
        CHECK(misrouted == 0);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(got[i] == want[i]);
    }
}

TEST_CASE("random streams: a shard through the pipeline is the one-thread shard", "[pipeline][shard]") {
    const std::uint32_t seed = GENERATE(4u, 5u);
    std::size_t total = 0;
    for (std::uint32_t k = 0; k < 3; ++k) {
        const pipeline::ShardSpec shard{k, 3};
        const auto want = one_table(seed, stream_config(16384), shard);
        total += want.size();
        pipeline::PipelineConfig pc;
        pc.threads = 2;
        pc.table = stream_config(16384);
        pc.shard = shard;
        CHECK(threaded(seed, pc) == want);
    }
    CHECK(total == one_table(seed, stream_config(16384)).size());
}

TEST_CASE("a segment sent to the wrong worker is caught, and the output differs", "[pipeline]") {
    const auto want = one_table(6, stream_config(16384));
    pipeline::PipelineConfig pc;
    pc.threads = 2;
    pc.table = stream_config(16384);
    pc.misroute_every = 97;  // the test-only hook: breaks "one flow, one worker"
    std::uint64_t misrouted = 0;
    const auto got = threaded(6, pc, &misrouted);
    CHECK(misrouted > 0);
    CHECK(got != want);
}

TEST_CASE("shard K/N is parsed strictly", "[pipeline][shard]") {
    CHECK(pipeline::parse_shard("0/1").has_value());
    CHECK(pipeline::parse_shard("2/3")->index == 2);
    CHECK_FALSE(pipeline::parse_shard("3/3"));
    CHECK_FALSE(pipeline::parse_shard("0/0"));
    CHECK_FALSE(pipeline::parse_shard("1"));
    CHECK_FALSE(pipeline::parse_shard("a/2"));
    CHECK_FALSE(pipeline::parse_shard("1/2x"));
}
