#include "apps/live_table.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <numeric>

#include "analyzer/vocabulary.hpp"
#include "apps/live_stats.hpp"

namespace tfe::app {

namespace {

constexpr char kEnter[] = "\x1b[?1049h\x1b[?25l";  // alternate screen, cursor hidden
constexpr char kLeave[] = "\x1b[?25h\x1b[?1049l";
std::atomic<int> g_taken_fd{-1};

// Rows worth a look come first: a connection in any state but
// ESTABLISHED, then the most recently active.
int interest(const Connection& c) {
    const State a = c.endpoint(Side::client).state, b = c.endpoint(Side::server).state;
    return a == State::ESTABLISHED && b == State::ESTABLISHED ? 1 : 0;
}

std::string seconds(TimeNs ns) {
    const double s = static_cast<double>(std::max<TimeNs>(ns, 0)) / 1e9;
    return s < 100 ? fmt::format("{:.1f}s", s) : fmt::format("{:.0f}s", s);
}

std::string last_event(const Connection& c) {
    const auto ts = c.transitions();
    if (ts.empty()) return "-";
    const Transition& t = ts.back();
    return fmt::format("{} {}→{} ({})", side_name(t.endpoint), state_name(t.from), state_name(t.to),
                       input_name(t.input));
}

std::string row(const Connection& c, TimeNs now) {
    return fmt::format("{:<22} {:<22} {:<12} {:<12} {:>7} {:>7} {:>10} {:>10}  {}", to_string(c.addr(Side::client)),
                       to_string(c.addr(Side::server)), state_name(c.endpoint(Side::client).state),
                       state_name(c.endpoint(Side::server).state), seconds(now - c.first_ts()),
                       seconds(now - c.last_ts()), c.endpoint(Side::client).payload_bytes,
                       c.endpoint(Side::server).payload_bytes, last_event(c));
}

std::vector<std::string> header(const FlowTable& table, const analyzer::RunSummary& ended,
                                const capture::LiveStats& now, double packets_per_s) {
    std::vector<std::string> items;
    for (std::size_t k = 0; k < analyzer::kCloseKinds; ++k)
        if (const auto n = ended.closes(static_cast<analyzer::CloseKind>(k)))
            items.push_back(fmt::format("{} {}", n, analyzer::close_words(static_cast<analyzer::CloseKind>(k))));
    std::vector<std::string> lines;
    lines.push_back(fmt::format("tcpflow-explain --table · {:.0f} packets/s · {} frames · dropped {} by the kernel, "
                                "{} by the interface",
                                packets_per_s, now.frames, now.dropped, now.if_dropped));
    lines.push_back(fmt::format("open {}: {}", table.open_connections(), census_words(take_census(table), 6)));
    lines.push_back(fmt::format("ended {}: {}", ended.connections(), items.empty() ? "none" : fmt::format("{}", fmt::join(items, " · "))));
    if (const std::string ev = evictions_short(table.stats().evicted); !ev.empty()) lines.push_back(ev);
    return lines;
}

std::string peer_words(const ParkedCensus::Peer& p) {
    return p.server ? to_string(p.at) : "client " + to_string(p.at.ip);
}

// "pile-up: 20 connections with 127.0.0.1:8080 in CLOSE_WAIT", most first:
// servers by endpoint, clients by host (their ports are many), parked
// connections counted too.
std::vector<std::string> pile_ups(const FlowTable& table) {
    std::map<std::pair<std::string, State>, std::uint64_t> counts;
    table.for_each_unparked([&counts](const Connection& c) {
        for (const Side s : {Side::client, Side::server})
            if (ParkedCensus::waits_in(c.endpoint(s).state)) {
                const ParkedCensus::Peer p = ParkedCensus::peer_of(c, s);
                ++counts[{peer_words(p), p.state}];
            }
    });
    table.parked_census().for_each_waiting(
        [&counts](const ParkedCensus::Peer& p, std::uint64_t n) { counts[{peer_words(p), p.state}] += n; });
    std::vector<std::pair<std::uint64_t, std::string>> found;
    for (const auto& [key, n] : counts)
        if (n >= kPileUpMin)
            found.emplace_back(n, fmt::format("pile-up: {} connections with {} in {}", n, key.first,
                                              state_name(key.second)));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> lines;
    for (auto& f : found) lines.push_back(std::move(f.second));
    if (const std::uint64_t n = table.parked_census().untracked())
        lines.push_back(fmt::format("{} parked connections at peers beyond the first {} not tallied", n,
                                    ParkedCensus::kMaxPeers));
    return lines;
}

// Keeps the first `width` characters (UTF-8: a continuation byte is no
// new column).
void cut_to_columns(std::string& l, std::size_t width) {
    std::size_t columns = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
        if ((static_cast<unsigned char>(l[i]) & 0xc0) == 0x80) continue;
        if (++columns > width) {
            l.resize(i);
            return;
        }
    }
}

}  // namespace

std::vector<std::string> table_screen(const FlowTable& table, const analyzer::RunSummary& ended,
                                      const capture::LiveStats& now, double packets_per_s, std::size_t width,
                                      std::size_t height) {
    std::vector<std::string> lines = header(table, ended, now, packets_per_s);
    for (std::string& p : pile_ups(table)) lines.push_back(std::move(p));
    lines.push_back(fmt::format("{:<22} {:<22} {:<12} {:<12} {:>7} {:>7} {:>10} {:>10}  {}", "client", "server",
                                "client state", "server state", "age", "idle", "bytes c→s", "bytes s→c", "last event"));
    std::vector<const Connection*> open;
    table.for_each_unparked([&open](const Connection& c) { open.push_back(&c); });
    const std::size_t room = height > lines.size() ? height - lines.size() : 0;
    const std::size_t shown = std::min(room, open.size());
    std::partial_sort(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(shown), open.end(),
                      [](const Connection* a, const Connection* b) {
                          if (interest(*a) != interest(*b)) return interest(*a) < interest(*b);
                          return a->last_ts() > b->last_ts();
                      });
    const TimeNs at = table.now();
    for (std::size_t i = 0; i < shown; ++i) lines.push_back(row(*open[i], at));
    if (const std::size_t parked = table.parked_connections(); shown < open.size() || parked > 0) {
        const bool replace = shown > 0 && shown == room;  // no row left for the line
        const std::size_t listed = replace ? shown - 1 : shown;
        std::string more = fmt::format("… {} more open connections not shown", open.size() - listed + parked);
        if (parked) more += fmt::format(" ({} parked: idle, counted above, not unpacked to list)", parked);
        if (replace) lines.back() = std::move(more);
        else if (room > shown) lines.push_back(std::move(more));
    }
    for (std::string& l : lines) cut_to_columns(l, width);
    if (lines.size() > height) lines.resize(height);
    return lines;
}

LiveTableView::LiveTableView(std::FILE* out) : out_(out), terminal_(::isatty(::fileno(out)) != 0) {
    if (!terminal_) return;
    std::fputs(kEnter, out_);
    std::fflush(out_);
    g_taken_fd = ::fileno(out_);
}

LiveTableView::~LiveTableView() {
    if (!terminal_) return;
    std::fputs(kLeave, out_);
    std::fflush(out_);
    g_taken_fd = -1;
}

void LiveTableView::draw(const FlowTable& table, const analyzer::RunSummary& ended, const capture::LiveStats& now,
                         double interval_s) {
    const double rate = interval_s > 0 ? static_cast<double>(now.frames - last_.frames) / interval_s : 0;
    last_ = now;
    winsize ws{};
    const bool sized = terminal_ && ::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0;
    const std::size_t width = sized ? ws.ws_col : 200, height = sized ? ws.ws_row : 1000;
    const std::vector<std::string> lines = table_screen(table, ended, now, rate, width, height);
    std::string screen = terminal_ ? "\x1b[H" : "\n";
    for (const std::string& l : lines) screen += l + (terminal_ ? "\x1b[K\n" : "\n");
    if (terminal_) {
        if (!screen.empty() && lines.size() >= height) screen.pop_back();  // no scroll on the last row
        screen += "\x1b[J";
    }
    std::fwrite(screen.data(), 1, screen.size(), out_);
    std::fflush(out_);
}

void restore_terminal_now() {
    if (const int fd = g_taken_fd.load(); fd >= 0) {
        [[maybe_unused]] const ssize_t n = ::write(fd, kLeave, sizeof kLeave - 1);
    }
}

}  // namespace tfe::app
