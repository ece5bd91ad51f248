// Every input a fuzz target ever failed on (tests/data/fuzz-regressions/
// <target>/*), replayed through the same entry point the fuzzer called
// (fuzz/fuzz_<target>.cpp, compiled here without libFuzzer): a broken
// invariant aborts, a memory error shows under build-asan. The samples'
// captures go through the file targets too, so the harnesses themselves
// are exercised in the normal build.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.hpp"
#include "sample_pipeline.hpp"

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

// Directory name -> entry point. A directory with no entry fails the test.
const std::map<std::string, Target> kTargets = {
    {"decode_frame", tfe::fuzz::decode_frame},
    {"capture_file", tfe::fuzz::capture_file},
    {"pcap_pipeline", tfe::fuzz::pcap_pipeline},
    {"flow_table", tfe::fuzz::flow_table},
    {"tcpdump_text", tfe::fuzz::tcpdump_text},
    {"pcapng", tfe::fuzz::pcapng},
};

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replay(Target target, const std::filesystem::path& file) {
    const std::vector<std::uint8_t> input = bytes_of(file);
    CHECK(target(input.data(), input.size()) == 0);
}

}  // namespace

TEST_CASE("Every kept fuzz finding replays cleanly through its target", "[fuzz][regression]") {
    const std::filesystem::path root = std::string(TFE_TEST_DATA_DIR) + "/fuzz-regressions";
    std::size_t replayed = 0;
    for (const auto& dir : std::filesystem::directory_iterator(root)) {
        if (!dir.is_directory()) continue;
        const std::string name = dir.path().filename().string();
        INFO("target " << name);
        const auto target = kTargets.find(name);
        REQUIRE(target != kTargets.end());
        for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
            INFO(file.path().string());
            replay(target->second, file.path());
            ++replayed;
        }
    }
    CHECK(replayed > 0);
}

TEST_CASE("The samples' captures pass the file fuzz targets", "[fuzz][regression]") {
    for (const auto& dir : tfe::test::sample_dirs(TFE_SAMPLES_DIR)) {
        const std::string capture = tfe::test::capture_in(dir);
        INFO(capture);
        replay(tfe::fuzz::capture_file, capture);
        replay(tfe::fuzz::pcap_pipeline, capture);
        replay(tfe::fuzz::pcapng, capture);
    }
}

TEST_CASE("The seed texts pass the tcpdump text fuzz target", "[fuzz][regression]") {
    std::size_t replayed = 0;
    for (const auto& f : std::filesystem::directory_iterator(std::string(TFE_TEST_DATA_DIR) + "/tcpdump-text")) {
        INFO(f.path().string());
        replay(tfe::fuzz::tcpdump_text, f.path());
        ++replayed;
    }
    CHECK(replayed == 5);
}

TEST_CASE("The crafted pcapng files pass the pcapng fuzz target", "[fuzz][regression]") {
    std::size_t replayed = 0;
    for (const auto& file : std::filesystem::directory_iterator(std::string(TFE_TEST_DATA_DIR) + "/pcapng")) {
        if (file.path().extension() != ".pcapng") continue;
        INFO(file.path().string());
        replay(tfe::fuzz::pcapng, file.path());
        replay(tfe::fuzz::capture_file, file.path());
        ++replayed;
    }
    CHECK(replayed >= 8);
}
