// The transition table, cell by cell, against a committed listing: any edit
// to a cell shows as a diff of tests/data/transition-table.txt, reviewed
// with the change. TFE_UPDATE_GOLDEN=1 rewrites the listing.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/state.hpp"

using namespace tfe;

namespace {

std::string_view outcome_name(Outcome o) {
    switch (o) {
        case Outcome::move: return "move";
        case Outcome::stay: return "stay";
        case Outcome::invalid: return "invalid";
    }
    return "?";
}

// One line per cell: "in FIN_WAIT_2, on snd_fin -> FIN_WAIT_2 invalid
// fin_wait_2_snd_fin: why".
std::string listing() {
    std::ostringstream out;
    for (std::size_t i = 0; i < kInputCount; ++i)
        for (std::size_t s = 0; s < kStateCount; ++s) {
            const auto st = static_cast<State>(s);
            const auto in = static_cast<Input>(i);
            const Cell c = transition(st, in);
            out << "in " << state_name(st) << ", on " << input_name(in) << " -> " << state_name(c.next) << ' '
                << outcome_name(c.outcome) << ' ' << refusal_name(st, in) << ": " << c.why << '\n';
        }
    return out.str();
}

}  // namespace

TEST_CASE("every cell of the transition table matches the committed listing", "[table]") {
    const std::string path = std::string(TFE_TEST_DATA_DIR) + "/transition-table.txt";
    const std::string now = listing();
    if (const char* update = std::getenv("TFE_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path) << now;
        WARN("rewrote " << path);
    }
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream golden;
    golden << in.rdbuf();
    std::istringstream a(golden.str()), b(now);
    std::string la, lb;
    std::size_t line = 0;
    while (true) {
        const bool more_a = static_cast<bool>(std::getline(a, la));
        const bool more_b = static_cast<bool>(std::getline(b, lb));
        if (!more_a && !more_b) break;
        ++line;
        INFO("line " << line << " of " << path);
        REQUIRE(la == lb);
    }
    CHECK(line == kStateCount * kInputCount);
}

TEST_CASE("each cell's machine name is unique and names it back", "[table]") {
    std::set<std::string> names;
    for (std::size_t s = 0; s < kStateCount; ++s)
        for (std::size_t i = 0; i < kInputCount; ++i) {
            const auto st = static_cast<State>(s);
            const auto in = static_cast<Input>(i);
            const std::string name = refusal_name(st, in);
            CHECK(names.insert(name).second);
            State back_st{};
            Input back_in{};
            REQUIRE(refusal_from_name(name, back_st, back_in));
            CHECK(back_st == st);
            CHECK(back_in == in);
        }
    State st{};
    Input in{};
    CHECK_FALSE(refusal_from_name("time_wait_snd_nothing", st, in));
}
