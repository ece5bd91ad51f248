#include "apps/live_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace tfe::app {

OpenCensus take_census(const FlowTable& table) {
    OpenCensus c;
    table.for_each_unparked([&c](const Connection& conn) {
        ++c.by_states[{conn.endpoint(Side::client).state, conn.endpoint(Side::server).state}];
    });
    const ParkedCensus& parked = table.parked_census();
    for (std::size_t a = 0; a < kStateCount; ++a)
        for (std::size_t b = 0; b < kStateCount; ++b)
            if (const std::uint64_t n = parked.in_states(static_cast<State>(a), static_cast<State>(b)))
                c.by_states[{static_cast<State>(a), static_cast<State>(b)}] += n;
    c.parked = table.parked_connections();
    return c;
}

std::string census_words(const OpenCensus& census, std::size_t most) {
    std::vector<std::pair<std::pair<State, State>, std::uint64_t>> rows(census.by_states.begin(),
                                                                        census.by_states.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> items;
    std::uint64_t more = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto [client, server] = rows[i].first;
        if (i >= most) {
            more += rows[i].second;
            continue;
        }
        items.push_back(client == server ? fmt::format("{} {}", state_name(client), rows[i].second)
                                         : fmt::format("{}/{} {}", state_name(client), state_name(server),
                                                       rows[i].second));
    }
    if (more) items.push_back(fmt::format("+{} more", more));
    std::string words = fmt::format("{}", fmt::join(items, " · "));
    if (census.parked) words += fmt::format(" ({} of them parked)", census.parked);
    return words;
}

std::string evictions_short(const EvictionCounts& evicted) {
    const std::uint64_t total = std::accumulate(evicted.begin(), evicted.end(), std::uint64_t{0});
    if (total == 0) return {};
    constexpr const char* kWords[kEvictionKinds] = {"SYN unanswered", "SYN+ACK unanswered", "idle"};
    std::vector<std::string> kinds;
    for (std::size_t k = 0; k < kEvictionKinds; ++k)
        if (evicted[k]) kinds.push_back(fmt::format("{} {}", evicted[k], kWords[k]));
    return fmt::format("evicted {} ({})", total, fmt::join(kinds, ", "));
}

std::string live_status_line(const capture::LiveStats& now, const FlowTable& table, double interval_s,
                             const capture::LiveStats& before) {
    const FlowTableStats st = table.stats();
    std::string line = fmt::format("tcpflow-explain: {} frames, {:.1f} MiB", now.frames,
                                   static_cast<double>(now.bytes) / 1048576.0);
    if (interval_s > 0)
        line += fmt::format(" ({:.0f} frames/s)", static_cast<double>(now.frames - before.frames) / interval_s);
    line += fmt::format("; connections: {} open", table.open_connections());
    if (table.open_connections()) line += fmt::format(" ({})", census_words(take_census(table), 4));
    const std::uint64_t reported = std::accumulate(std::begin(st.ended), std::end(st.ended), std::uint64_t{0});
    line += fmt::format(", {} reported", reported);
    if (const std::string ev = evictions_short(st.evicted); !ev.empty()) line += ", " + ev;
    line += fmt::format("; dropped: {} by the kernel, {} by the interface", now.dropped, now.if_dropped);
    return line;
}

}  // namespace tfe::app
