// Zeek's conn_state and history over real captures (samples/, made by the
// Linux stack in the labs): each row is what Zeek's rules give for that
// capture, derived by hand from its packets, and, where our verdict is
// sharper than Zeek's, the row says so (docs/json-schema.md, "zeek").
#include <catch2/catch.hpp>

#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

struct SampleRow {
    const char* sample;
    std::vector<std::string> expected;  // "conn_state history orig", per connection in report order
};

const std::vector<SampleRow> kRows = {
    {"seed-1-merged-close", {"SF ShADadFf client"}},
    {"seed-2-server-first-merged", {"SF ShADadfF client"}},  // the server's FIN first: f before F
    {"seed-4-simultaneous-close", {"SF ^fFaA client"}},       // starts at the FINs: flipped by port
    {"refused", {"REJ Sr client"}},
    {"crafted-refused-retried", {"REJ Sr client"}},  // each SYN with the same ISN: one S
    {"failure-no-answer", {"S0 S client"}},
    {"failure-host-unreachable", {"S0 S client"}},  // Zeek's conn.log has no ICMP verdict
    {"failure-backlog-full", {"S1 ShADT client"}},  // Zeek: established; the server never took the ACK
    {"failure-backlog-abort", {"RSTR ShAr client"}},
    {"failure-time-wait-collision", {"SF ShADaGGTfF client", "RSTOS0 SaR client"}},  // 96-byte snaplen: gaps
    {"abort-client", {"RSTO ShADadR client"}},
    {"abort-server", {"RSTR ShADadr client"}},
    {"half-close", {"S2 ShADaFd client"}},
    {"crafted-syn-then-client-reset", {"RSTOS0 SR client"}},
    {"crafted-server-side-only", {"SHR ^hadf client"}},
    {"crafted-client-side-only", {"SH SADF client"}},
    {"fast-open", {"SF ShDadFfA client", "SF SThAdFaf client"}},  // data on the SYN is Zeek's `T`
};

std::string zeek_of(const nlohmann::ordered_json& c) {
    const auto& z = c["zeek"];
    return z["conn_state"].get<std::string>() + " " + z["history"].get<std::string>() + " " +
           z["orig"].get<std::string>();
}

}  // namespace

TEST_CASE("Zeek's conn_state and history over the lab's real captures", "[zeek][samples]") {
    for (const SampleRow& row : kRows) {
        INFO(row.sample);
        const std::string capture = capture_in(std::filesystem::path(TFE_SAMPLES_DIR) / row.sample);
        REQUIRE(!capture.empty());
        std::vector<std::string> got;
        for (const auto& c : run_pipeline(capture).connections) got.push_back(zeek_of(c));
        CHECK(got == row.expected);
    }
}
