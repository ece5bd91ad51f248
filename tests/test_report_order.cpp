// The bounded window that puts reports in the order their connections
// opened (apps/report_order.hpp), over ids alone.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "apps/report_order.hpp"

namespace {

struct Ended {
    std::uint64_t n;
    std::uint64_t id() const { return n; }
};

// The ids in the order they went out, for connections ending in `ends`.
std::vector<std::uint64_t> written(const std::vector<std::uint64_t>& ends, std::size_t window,
                                   std::uint64_t* out_of_order = nullptr) {
    tfe::app::ReportOrder<Ended> order(window);
    std::vector<std::uint64_t> out;
    const auto emit = [&](const Ended& e) { out.push_back(e.n); };
    for (const std::uint64_t id : ends) order.add(Ended{id}, emit);
    order.drain(emit);
    if (out_of_order) *out_of_order = order.out_of_order();
    return out;
}

}  // namespace

TEST_CASE("reports go out in the order their connections opened, within the window", "[order]") {
    struct Case {
        const char* what;
        std::vector<std::uint64_t> ends;
        std::size_t window;
        std::vector<std::uint64_t> out;
        std::uint64_t out_of_order;
    };
    const Case cases[] = {
        {"in order already", {1, 2, 3}, 4, {1, 2, 3}, 0},
        {"the first outlives the rest", {2, 3, 4, 1}, 4, {1, 2, 3, 4}, 0},
        {"two long ones", {3, 5, 1, 4, 2}, 4, {1, 2, 3, 4, 5}, 0},
        {"still open at the end: the rest in order", {2, 4, 3}, 4, {2, 3, 4}, 0},
        // Window 2: the third waiting report pushes the earliest out; #1,
        // still open then, comes after them.
        {"the window overflows", {2, 3, 4, 1, 5}, 2, {2, 3, 4, 1, 5}, 1},
        {"overflow skips to the earliest waiting", {3, 4, 5, 6, 1, 2}, 2, {3, 4, 5, 6, 1, 2}, 2},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        std::uint64_t late = 0;
        CHECK(written(c.ends, c.window, &late) == c.out);
        CHECK(late == c.out_of_order);
    }
}

TEST_CASE("a connection not asked for moves the order on and keeps no slot", "[order]") {
    tfe::app::ReportOrder<Ended> order(4);
    std::vector<std::uint64_t> out;
    const auto emit = [&](const Ended& e) { out.push_back(e.n); };
    order.add(Ended{3}, emit);
    order.skip(2, emit);
    CHECK(out.empty());  // #1 is still open
    order.add(Ended{1}, emit);
    CHECK(out == std::vector<std::uint64_t>{1, 3});
    order.skip(5, emit);
    order.add(Ended{4}, emit);
    order.drain(emit);
    CHECK(out == std::vector<std::uint64_t>{1, 3, 4});
    CHECK(order.out_of_order() == 0);
}
