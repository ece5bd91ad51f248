#include "analyzer/run_summary.hpp"
#include "analyzer/vocabulary.hpp"

#include <iterator>
#include <string>
#include <vector>

#include "analyzer/text/layout.hpp"
#include "analyzer/text_report.hpp"

namespace tfe::analyzer {

std::string id_list(const SmallestIds& ids) {
    std::string s;
    for (std::uint64_t id : ids.ids)
        if (id) s += fmt::format("{}#{}", s.empty() ? "" : ", ", id);
    return s;
}

std::string Tally::examples() const { return " (" + id_list(ids) + (n > SmallestIds::kCount ? ", …)" : ")"); }

void RunSummary::add(const Connection& c, const Summary& s) {
    ++connections_;
    const std::uint64_t id = c.id();
    for (Side side : {Side::client, Side::server}) {
        const Endpoint& e = c.endpoint(side);
        packets_ += e.packets;
        payload_bytes_ += e.payload_bytes;
        final_states_[static_cast<std::size_t>(side)][static_cast<std::size_t>(c.final_state(side))].add(id);
    }
    if (c.roles_inferred()) ++roles_inferred_;
    handshakes_[static_cast<std::size_t>(s.handshake)].add(id);
    closes_[static_cast<std::size_t>(s.close)].add(id);
    initiators_[static_cast<std::size_t>(s.initiator)].add(id);
    for (std::size_t i = 0; i < kAnomalyCount; ++i)
        if (const std::uint32_t n = c.anomaly_count(static_cast<Anomaly>(i))) {
            anomalies_[i] += n;
            anomalous_[i].add(id);
        }
    floods_.add(c, s);
    pile_ups_.add(c, s);
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

// "  heading         value": in a set width, a longer value wraps under
// itself.
void put_row(fmt::memory_buffer& b, std::string_view heading, std::string_view value, std::size_t width) {
    put(b, "  {:<16}", heading);
    if (width == 0 || 18 + text::columns(value) <= width) put(b, "{}\n", value);
    else text::put_paragraph_at(b, value, 18, 18, true);
}

void put_list(fmt::memory_buffer& b, std::size_t width, std::string_view heading, const std::vector<std::string>& items) {
    if (items.empty()) return;
    put_row(b, heading, fmt::format("{}", fmt::join(items, " · ")), width);
}

}  // namespace

void RunSummary::write(fmt::memory_buffer& b, bool color, std::size_t width) const {
    put(b, "{}\n", title(color, fmt::format("Summary: {} connection{}, {} packets, {} bytes of payload", connections_,
                                            connections_ == 1 ? "" : "s", packets_, payload_bytes_)));
    if (connections_ == 0) return;
    // With one connection every count is #1: no examples.
    const auto ex = [this](const Tally& t) { return connections_ > 1 ? t.examples() : std::string(); };

    std::vector<std::string> items;
    for (std::size_t i = 0; i < kHandshakeKinds; ++i)
        if (const Tally& t = handshakes_[i]; t.n)
            items.push_back(fmt::format("{} {}{}", t.n, handshake_words(static_cast<HandshakeKind>(i)), ex(t)));
    put_list(b, width, "opened", items);

    items.clear();
    for (std::size_t i = 0; i < kCloseKinds; ++i)
        if (const Tally& t = closes_[i]; t.n)
            items.push_back(fmt::format("{} {}{}", t.n, close_words(static_cast<CloseKind>(i)), ex(t)));
    put_list(b, width, "closed", items);

    items.clear();
    for (Initiator who : {Initiator::client, Initiator::server, Initiator::both})
        if (const Tally& t = initiators_[static_cast<std::size_t>(who)]; t.n)
            items.push_back(fmt::format("{} {}{}", who == Initiator::both ? "both at once" : initiator_name(who), t.n,
                                        ex(t)));
    put_list(b, width, "closed first", items);

    for (Side side : {Side::client, Side::server}) {
        items.clear();
        for (std::size_t st = 0; st < kStateCount; ++st)
            if (const Tally& t = final_states_[static_cast<std::size_t>(side)][st]; t.n) {
                const std::string name(state_name(static_cast<State>(st)));
                items.push_back(fmt::format("{} {}{}", color ? fmt::format("\x1b[36m{}\x1b[0m", name) : name, t.n,
                                            ex(t)));
            }
        put_list(b, width, fmt::format("{} ends in", side_name(side)), items);
    }

    if (roles_inferred_) put(b, "  {:<16}{} connection{} (no SYN seen)\n", "roles inferred", roles_inferred_,
                             roles_inferred_ == 1 ? "" : "s");

    for (const std::string& line : floods_.lines()) put(b, "  {}\n", line);
    const std::vector<std::string> piles = pile_ups_.lines();
    for (std::size_t i = 0; i < piles.size(); ++i) put_row(b, i == 0 ? "pile-ups" : "", piles[i], width);
    if (const std::string line = eviction_line(evicted_, max_connections_); !line.empty())
        put(b, "  {:<16}{}\n", "evicted", line);

    items.clear();
    for (std::size_t i = 0; i < kAnomalyCount; ++i)
        if (anomalies_[i]) {
            const std::string text = anomaly_phrase(static_cast<Anomaly>(i), anomalies_[i]) + ex(anomalous_[i]);
            items.push_back(color ? fmt::format("\x1b[33m{}\x1b[0m", text) : text);
        }
    if (items.empty()) put(b, "  {:<16}none\n", "anomalies");
    else
        for (std::size_t i = 0; i < items.size(); ++i) put_row(b, i == 0 ? "anomalies" : "", items[i], width);
}

}  // namespace tfe::analyzer
