// --summary-json FILE: the run summary as one JSON object beside the
// report, so a pipeline reading the JSON Lines on stdout still sees one
// connection per line.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_run.hpp"

using namespace tfe::test;
using json = nlohmann::ordered_json;

namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("the run summary goes to the --summary-json file, stdout stays one connection per line", "[cli][summary]") {
    const auto file = temp_file("summary.json");
    const Run r = run("--format json --summary-json " + file.string() + " " + sample("close-wait-pileup") +
                      " 2>/dev/null");
    REQUIRE(r.status == 0);
    std::istringstream lines(r.out);
    int connections = 0;
    for (std::string line; std::getline(lines, line);) {
        const json c = json::parse(line);
        CHECK(c.contains("id"));
        CHECK_FALSE(c.contains("pile_ups"));
        ++connections;
    }
    CHECK(connections == 3);
    const std::string text = read_all(file);
    REQUIRE(std::count(text.begin(), text.end(), '\n') == 1);
    const json summary = json::parse(text);
    CHECK(summary["summary"] == "run");
    CHECK(summary["connections"] == 3);
    CHECK(summary["pile_ups"][0]["kind"] == "close-wait");
    CHECK(summary["pile_ups"][0]["connections"] == 3);
    CHECK(summary["input_notes"].is_array());
    CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
    std::filesystem::remove(file);
}

TEST_CASE("the --summary-json file agrees with the text summary and names the input notes", "[cli][summary]") {
    const auto file = temp_file("truncated-summary.json");
    const std::string cut = temp_file("truncated.pcap").string();
    REQUIRE(run_command("head -c 1500 " + sample("close-wait-pileup") + " > " + cut).status == 0);
    const Run r = run("--summary-json " + file.string() + " " + cut);
    CHECK(r.status == 3);  // the input error outranks the summary
    const json summary = json::parse(read_all(file));
    INFO(r.out);
    const int n = summary["connections"].get<int>();
    CHECK(r.out.find("Summary: " + std::to_string(n) + (n == 1 ? " connection," : " connections,")) !=
          std::string::npos);
    REQUIRE(summary["input_notes"].size() >= 1);
    CHECK(r.out.find(summary["input_notes"][0].get<std::string>()) != std::string::npos);
    std::filesystem::remove(file);
    std::filesystem::remove(cut);
}

TEST_CASE("a --summary-json file in a directory that does not exist is a usage error naming it", "[cli][summary]") {
    const Run r = run("--summary-json /nonexistent/dir/s.json " + sample("close-wait-pileup"));
    CHECK(r.status == 2);
    CHECK(r.out.find("/nonexistent/dir/s.json.tmp: cannot write the summary") != std::string::npos);
}
