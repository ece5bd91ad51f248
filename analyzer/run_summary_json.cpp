// The run summary as one JSON object (--summary-json): the counts the text
// summary prints, with every pile-up rather than the first ten. Kept out
// of the per-connection JSON Lines so a consumer of those sees only
// connection objects.
#include <nlohmann/json.hpp>

#include "analyzer/run_summary.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer {

namespace {

using nlohmann::ordered_json;

ordered_json ids_json(const SmallestIds& ids) {
    ordered_json a = ordered_json::array();
    for (std::uint64_t id : ids.ids)
        if (id) a.push_back(id);
    return a;
}

ordered_json tally_json(const Tally& t) { return {{"connections", t.n}, {"examples", ids_json(t.ids)}}; }

ordered_json peer_json(const Peer& p) {
    ordered_json port = p.server ? ordered_json(p.at.port) : ordered_json(nullptr);
    return {{"ip", to_string(p.at.ip)}, {"port", port}};
}

template <std::size_t N, typename Name>
ordered_json breakdown_json(const std::array<std::uint32_t, N>& counts, Name name) {
    ordered_json o = ordered_json::object();
    for (std::size_t i = 0; i < N; ++i)
        if (counts[i]) o[std::string(name(i))] = counts[i];
    return o;
}

ordered_json pile_up_json(const PileUp& p) {
    ordered_json o = {{"peer", peer_json(p.peer)},
                      {"role", p.peer.server ? "server" : "client"},
                      {"kind", pile_up_name(p.kind)},
                      {"connections", p.connections},
                      {"examples", ids_json(p.ids)}};
    if (p.kind == PileUpKind::half_open || p.kind == PileUpKind::failed)
        o["failures"] = breakdown_json(p.failures, failure_breakdown_name);
    if (p.kind == PileUpKind::reset) o["reset_reasons"] = breakdown_json(p.resets, reset_breakdown_name);
    return o;
}

ordered_json floods_json(const FloodTally& floods) {
    ordered_json a = ordered_json::array();
    for (const Flood& f : floods.floods())
        a.push_back({{"port", f.port},
                     {"half_open", f.half_open},
                     {"connections", f.connections},
                     {"sources", f.sources},
                     {"sources_exact", f.sources_exact}});
    return a;
}

}  // namespace

std::string RunSummary::json(const std::vector<std::string>& input_notes) const {
    ordered_json o = {{"summary", "run"}, {"connections", connections_}, {"packets", packets_},
                      {"payload_bytes", payload_bytes_}, {"roles_inferred", roles_inferred_}};
    ordered_json& opened = o["handshakes"] = ordered_json::object();
    for (std::size_t i = 0; i < kHandshakeKinds; ++i)
        if (handshakes_[i].n) opened[std::string(handshake_name(static_cast<HandshakeKind>(i)))] = tally_json(handshakes_[i]);
    ordered_json& closed = o["closes"] = ordered_json::object();
    for (std::size_t i = 0; i < kCloseKinds; ++i)
        if (closes_[i].n) closed[std::string(close_name(static_cast<CloseKind>(i)))] = tally_json(closes_[i]);
    ordered_json& first = o["close_initiators"] = ordered_json::object();
    for (Initiator who : {Initiator::client, Initiator::server, Initiator::both})
        if (const Tally& t = initiators_[static_cast<std::size_t>(who)]; t.n)
            first[std::string(initiator_name(who))] = tally_json(t);
    ordered_json& ends = o["final_states"] = ordered_json::object();
    for (Side side : {Side::client, Side::server}) {
        ordered_json& states = ends[std::string(side_name(side))] = ordered_json::object();
        for (std::size_t st = 0; st < kStateCount; ++st)
            if (const Tally& t = final_states_[static_cast<std::size_t>(side)][st]; t.n)
                states[std::string(state_name(static_cast<State>(st)))] = tally_json(t);
    }
    ordered_json& anomalies = o["anomalies"] = ordered_json::object();
    for (std::size_t i = 0; i < kAnomalyCount; ++i)
        if (anomalies_[i])
            anomalies[std::string(anomaly_name(static_cast<Anomaly>(i)))] = {
                {"events", anomalies_[i]}, {"connections", anomalous_[i].n}, {"examples", ids_json(anomalous_[i].ids)}};
    o["floods"] = floods_json(floods_);
    ordered_json& evicted = o["evicted"] = ordered_json::object();
    for (std::size_t k = 0; k < kEvictionKinds; ++k)
        evicted[std::string(eviction_kind_name(static_cast<EvictionKind>(k)))] = evicted_[k];
    ordered_json& piles = o["pile_ups"] = ordered_json::array();
    for (const PileUp& p : pile_ups_.sorted()) piles.push_back(pile_up_json(p));
    o["pile_ups_untracked"] = pile_ups_.untracked();
    o["input_notes"] = input_notes;
    return o.dump() + "\n";
}

}  // namespace tfe::analyzer
