#include "analyzer/run_summary.hpp"
#include "analyzer/vocabulary.hpp"

#include <iterator>
#include <string>
#include <vector>

#include "analyzer/text_report.hpp"

namespace tfe::analyzer {

void RunSummary::add(const Connection& c, const Summary& s) {
    ++connections_;
    for (Side side : {Side::client, Side::server}) {
        const Endpoint& e = c.endpoint(side);
        packets_ += e.packets;
        payload_bytes_ += e.payload_bytes;
        ++final_states_[static_cast<std::size_t>(side)][static_cast<std::size_t>(c.final_state(side))];
    }
    if (c.roles_inferred()) ++roles_inferred_;
    ++handshakes_[static_cast<std::size_t>(s.handshake)];
    ++closes_[static_cast<std::size_t>(s.close)];
    ++initiators_[static_cast<std::size_t>(s.initiator)];
    for (std::size_t i = 0; i < kAnomalyCount; ++i) anomalies_[i] += c.anomaly_count(static_cast<Anomaly>(i));
    floods_.add(c, s);
}

std::string eviction_line(const EvictionCounts& evicted, std::size_t max_connections) {
    std::uint64_t total = 0;
    std::vector<std::string> kinds;
    for (std::size_t k = 0; k < kEvictionKinds; ++k) {
        total += evicted[k];
        if (evicted[k]) kinds.push_back(fmt::format("{} {}", evicted[k], eviction_kind_words(static_cast<EvictionKind>(k))));
    }
    if (total == 0) return {};
    return fmt::format("{} connection{} evicted (the table was full at --max-connections {}): {}", total,
                       total == 1 ? "" : "s", max_connections, fmt::join(kinds, " · "));
}

namespace {

template <typename... Args>
void put(fmt::memory_buffer& b, fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
}

std::string title(bool color, std::string_view t) {
    return color ? fmt::format("\x1b[1m{}\x1b[0m", t) : std::string(t);
}

void put_list(fmt::memory_buffer& b, bool color, std::string_view heading, const std::vector<std::string>& items) {
    if (items.empty()) return;
    put(b, "  {:<16}{}\n", heading, fmt::join(items, " · "));
    (void)color;
}

}  // namespace

void RunSummary::write(fmt::memory_buffer& b, bool color) const {
    put(b, "{}\n", title(color, fmt::format("Summary: {} connection{}, {} packets, {} bytes of payload", connections_,
                                            connections_ == 1 ? "" : "s", packets_, payload_bytes_)));
    if (connections_ == 0) return;

    std::vector<std::string> items;
    for (std::size_t i = 0; i < kHandshakeKinds; ++i)
        if (handshakes_[i]) items.push_back(fmt::format("{} {}", handshakes_[i], handshake_words(static_cast<HandshakeKind>(i))));
    put_list(b, color, "opened", items);

    items.clear();
    for (std::size_t i = 0; i < kCloseKinds; ++i)
        if (closes_[i]) items.push_back(fmt::format("{} {}", closes_[i], close_words(static_cast<CloseKind>(i))));
    put_list(b, color, "closed", items);

    items.clear();
    for (Initiator who : {Initiator::client, Initiator::server, Initiator::both})
        if (const auto n = initiators_[static_cast<std::size_t>(who)])
            items.push_back(fmt::format("{} {}", who == Initiator::both ? "both at once" : initiator_name(who), n));
    put_list(b, color, "closed first", items);

    for (Side side : {Side::client, Side::server}) {
        items.clear();
        for (std::size_t st = 0; st < kStateCount; ++st)
            if (const auto n = final_states_[static_cast<std::size_t>(side)][st]) {
                const std::string name(state_name(static_cast<State>(st)));
                items.push_back(fmt::format("{} {}", color ? fmt::format("\x1b[36m{}\x1b[0m", name) : name, n));
            }
        put_list(b, color, fmt::format("{} ends in", side_name(side)), items);
    }

    if (roles_inferred_) put(b, "  {:<16}{} connection{} (no SYN seen)\n", "roles inferred", roles_inferred_,
                             roles_inferred_ == 1 ? "" : "s");

    for (const std::string& line : floods_.lines()) put(b, "  {}\n", line);
    if (const std::string line = eviction_line(evicted_, max_connections_); !line.empty())
        put(b, "  {:<16}{}\n", "evicted", line);

    items.clear();
    for (std::size_t i = 0; i < kAnomalyCount; ++i)
        if (anomalies_[i]) {
            const std::string text = anomaly_phrase(static_cast<Anomaly>(i), anomalies_[i]);
            items.push_back(color ? fmt::format("\x1b[33m{}\x1b[0m", text) : text);
        }
    if (items.empty()) put(b, "  {:<16}none\n", "anomalies");
    else
        for (std::size_t i = 0; i < items.size(); ++i) put(b, "  {:<16}{}\n", i == 0 ? "anomalies" : "", items[i]);
}

}  // namespace tfe::analyzer
