#include "analyzer/pile_ups.hpp"

#include <algorithm>

#include "analyzer/run_summary.hpp"

namespace tfe::analyzer {

std::string_view pile_up_name(PileUpKind k) {
    switch (k) {
        case PileUpKind::close_wait: return "close-wait";
        case PileUpKind::fin_wait_2: return "fin-wait-2";
        case PileUpKind::half_open: return "half-open";
        case PileUpKind::failed: return "failed";
        case PileUpKind::reset: return "reset";
        case PileUpKind::time_wait: return "time-wait";
    }
    return "?";
}

std::size_t PileUps::PeerHash::operator()(const Peer& p) const { return hash_host_port(p.at, p.server); }

// The peer a side stands for: a server by its endpoint, a client by its
// host (its ephemeral ports are many and say nothing).
PileUp* PileUps::slot(const Connection& c, Side side, PileUpKind kind) {
    Peer peer{c.addr(side), side == Side::server};
    if (!peer.server) peer.at.port = 0;
    auto it = peers_.find(peer);
    if (it == peers_.end()) {
        if (peers_.size() >= kMaxPeers) {
            ++untracked_;
            return nullptr;
        }
        it = peers_.emplace(peer, Slots{}).first;
    }
    std::uint32_t& at = it->second.at[static_cast<std::size_t>(kind)];
    if (at == 0) {
        PileUp& made = pile_ups_.emplace_back();
        made.peer = peer;
        made.kind = kind;
        at = static_cast<std::uint32_t>(pile_ups_.size());
    }
    PileUp& p = pile_ups_[at - 1];
    ++p.connections;
    p.ids.add(c.id());
    return &p;
}

namespace {

bool leaves_half_open(FailureKind k) {
    return k == FailureKind::no_answer || k == FailureKind::synack_unacknowledged ||
           k == FailureKind::backlog_full || k == FailureKind::incomplete;
}

}  // namespace

void PileUps::add(const Connection& c, const Summary& s) {
    const TimeWaitCollision& tw = c.time_wait_collision();
    for (Side side : {Side::client, Side::server}) {
        const State st = c.final_state(side);
        // The previous connection's TIME_WAIT, counted there already.
        if (st == State::TIME_WAIT && tw.seen && side == tw.holder && !tw.released_frame) continue;
        if (st == State::CLOSE_WAIT) slot(c, side, PileUpKind::close_wait);
        if (st == State::FIN_WAIT_2) slot(c, side, PileUpKind::fin_wait_2);
        if (st == State::TIME_WAIT) slot(c, side, PileUpKind::time_wait);
    }
    const Failure f = diagnose_failure(c);
    if (f.kind != FailureKind::none) {
        // Attempts are counted at the service they tried to reach.
        const PileUpKind kind = leaves_half_open(f.kind) ? PileUpKind::half_open : PileUpKind::failed;
        if (PileUp* p = slot(c, Side::server, kind)) ++p->failures[static_cast<std::size_t>(f.kind)];
        return;
    }
    if (s.close == CloseKind::reset && c.reset().seen)
        if (PileUp* p = slot(c, c.reset().sender, PileUpKind::reset))
            ++p->resets[static_cast<std::size_t>(reset_reason(c))];
}

std::vector<PileUp> PileUps::sorted() const {
    std::vector<PileUp> all = pile_ups_;
    std::sort(all.begin(), all.end(), [](const PileUp& a, const PileUp& b) {
        if (a.kind != b.kind) return a.kind < b.kind;
        if (a.connections != b.connections) return a.connections > b.connections;
        if (a.peer.server != b.peer.server) return a.peer.server;
        return a.peer.at < b.peer.at;
    });
    return all;
}

std::vector<std::string> PileUps::lines() const {
    std::vector<std::string> out;
    std::size_t more = 0;
    for (const PileUp& p : sorted()) {
        if (p.connections < kTextMin) continue;
        if (out.size() < kTextLines) out.push_back(pile_up_sentence(p));
        else ++more;
    }
    if (more) out.push_back(fmt::format("… and {} more (--summary-json lists every one)", more));
    if (untracked_)
        out.push_back(fmt::format("{} more connection{} at peers beyond the first {} not tallied", untracked_,
                                  untracked_ == 1 ? "" : "s", kMaxPeers));
    return out;
}

namespace {

// "38 refused, 2 no-answer", most first.
template <std::size_t N, typename Name>
std::string breakdown(const std::array<std::uint32_t, N>& counts, Name name) {
    std::vector<std::pair<std::uint32_t, std::size_t>> parts;
    for (std::size_t i = 0; i < N; ++i)
        if (counts[i]) parts.emplace_back(counts[i], i);
    std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string s;
    for (const auto& [n, i] : parts) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n, name(i));
    return s;
}

std::string peer_words(const Peer& p) {
    return p.server ? to_string(p.at) : "client " + to_string(p.at.ip);
}

}  // namespace

std::string_view failure_breakdown_name(std::size_t i) { return failure_name(static_cast<FailureKind>(i)); }

std::string_view reset_breakdown_name(std::size_t i) {
    const auto r = static_cast<ResetReason>(i);
    return r == ResetReason::none ? std::string_view("other") : reset_reason_name(r);
}

std::string pile_up_sentence(const PileUp& p) {
    const std::string who = peer_words(p.peer);
    const bool one = p.connections == 1;
    const std::string n = fmt::format("{} connection{}", p.connections, one ? "" : "s");
    const std::string peers = p.peer.server ? (one ? "client's" : "clients'") : (one ? "server's" : "servers'");
    const std::string ex = " (" + id_list(p.ids) + (p.connections > SmallestIds::kCount ? ", …)" : ")");
    switch (p.kind) {
        case PileUpKind::close_wait:
            return fmt::format("{} left {} in CLOSE_WAIT: it received the {} FIN{} and never closed{}", who, n,
                               peers, one ? "" : "s", ex);
        case PileUpKind::fin_wait_2:
            return fmt::format("{} left {} in FIN_WAIT_2: it closed, and the {} acknowledged its FIN but never "
                               "sent {}{}",
                               who, n, p.peer.server ? (one ? "client" : "clients") : (one ? "server" : "servers"),
                               one ? "its own" : "theirs", ex);
        case PileUpKind::time_wait:
            return fmt::format("{} left {} in TIME_WAIT: it closed first, and each holds its 4-tuple for 2*MSL{}",
                               who, n, ex);
        case PileUpKind::half_open:
            return fmt::format("{} left {} half-open ({}){}", who, n, breakdown(p.failures, failure_breakdown_name), ex);
        case PileUpKind::failed:
            return fmt::format("{}: {} failed to open ({}){}", who, n, breakdown(p.failures, failure_breakdown_name), ex);
        case PileUpKind::reset:
            return fmt::format("{} reset {} ({}){}", who, n, breakdown(p.resets, reset_breakdown_name), ex);
    }
    return {};
}

}  // namespace tfe::analyzer
