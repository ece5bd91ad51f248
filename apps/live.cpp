#include "apps/live.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "apps/exit_codes.hpp"
#include "apps/live_stats.hpp"
#include "apps/live_table.hpp"

namespace tfe::app {

namespace asio = boost::asio;

namespace {

TimeNs wall_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::chrono::milliseconds millis(double seconds) {
    return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

class LiveLoop {
public:
    LiveLoop(capture::LiveCapture& cap, FlowTable& table, ReportSink& sink, const LiveLimits& limits)
        : cap_(cap), table_(table), sink_(sink), limits_(limits), fd_(io_, ::dup(cap.selectable_fd())),
          tick_(io_), stats_tick_(io_), table_tick_(io_), signals_(io_, SIGINT, SIGTERM), deadline_(io_) {}

    int run() {
        wait_for_signal();
        if (limits_.duration > 0) {
            deadline_.expires_after(millis(limits_.duration));
            deadline_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) io_.stop();
            });
        }
        wait_for_frames();
        schedule_tick();
        if (limits_.stats_interval > 0) schedule_stats();
        std::optional<LiveTableView> view;
        if (limits_.table) {
            view.emplace(stdout);
            view_ = &*view;
            view_->draw(table_, sink_.summary(), cap_.stats(), 0);
            schedule_table();
        }
        io_.run();
        view_ = nullptr;
        return status_;
    }

private:
    // The first signal stops capturing and reports what is open; a second
    // one, while that report is still being written, exits at once.
    void wait_for_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            spdlog::info("signal {}: stopping (again to exit at once)", sig);
            io_.stop();
            std::signal(sig, [](int) {
                restore_terminal_now();
                std::_Exit(130);
            });
        });
    }

    void wait_for_frames() {
        fd_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
            if (ec) return;
            try {
                const std::uint64_t left = limits_.count ? limits_.count - frames_ : 0;
                cap_.dispatch(sink_, frames_, left);
            } catch (const std::exception& e) {
                spdlog::error("{}", e.what());
                status_ = kInputError;
                io_.stop();
                return;
            }
            sink_.flush();
            if (limits_.count && frames_ >= limits_.count) return io_.stop();
            wait_for_frames();
        });
    }

    // Expiry runs on capture time; with no traffic, wall time stands in.
    void schedule_tick() {
        tick_.expires_after(std::chrono::seconds(1));
        tick_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            table_.advance(wall_now());
            sink_.flush();
            const auto st = cap_.stats();
            if (st.dropped != last_dropped_ && limits_.stats_interval <= 0) {
                spdlog::warn("kernel dropped {} frames so far (capture buffer full)", st.dropped);
            }
            last_dropped_ = st.dropped;
            note_first_eviction();
            schedule_tick();
        });
    }

    // Said once, when the table first fills: from then on each new
    // connection ends another (counted in the status line and at exit).
    void note_first_eviction() {
        if (full_noted_) return;
        const EvictionCounts ev = table_.stats().evicted;
        if (ev[0] + ev[1] + ev[2] == 0) return;
        full_noted_ = true;
        spdlog::warn("the connection table is full (--max-connections {}): new connections end the oldest half-open "
                     "ones, then the oldest idle ones (reported as evicted)",
                     table_.config().max_connections);
    }

    void schedule_table() {
        table_tick_.expires_after(std::chrono::seconds(1));
        table_tick_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || view_ == nullptr) return;
            view_->draw(table_, sink_.summary(), cap_.stats(), 1.0);
            schedule_table();
        });
    }

    void schedule_stats() {
        stats_tick_.expires_after(millis(limits_.stats_interval));
        stats_tick_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            std::fprintf(stderr, "%s\n", live_status_line(cap_.stats(), table_, limits_.stats_interval, last_).c_str());
            last_ = cap_.stats();
            schedule_stats();
        });
    }

    capture::LiveCapture& cap_;
    FlowTable& table_;
    ReportSink& sink_;
    LiveLimits limits_;
    asio::io_context io_;
    asio::posix::stream_descriptor fd_;
    asio::steady_timer tick_, stats_tick_, table_tick_;
    LiveTableView* view_ = nullptr;
    asio::signal_set signals_;
    asio::steady_timer deadline_;
    std::uint64_t frames_ = 0;
    std::uint64_t last_dropped_ = 0;
    bool full_noted_ = false;
    capture::LiveStats last_;
    int status_ = kOk;
};

}  // namespace

int run_live(const capture::LiveOptions& opts, const LiveLimits& limits, FlowTable& table, ReportSink& sink) {
    capture::LiveCapture cap(opts);
    if (!cap.warning().empty()) spdlog::warn("{}: {}", opts.interface, cap.warning());
    // As tcpdump says it: which interface, which link type, how much of each frame.
    spdlog::info("listening on {}, link-type {}, snapshot length {} bytes (filter: {}){}", opts.interface,
                 capture::linktype_name(cap.link_type()), opts.snaplen,
                 opts.bpf_filter.empty() ? "none" : opts.bpf_filter,
                 opts.save_file.empty() ? "" : "; saving frames to " + opts.save_file);
    LiveLoop loop(cap, table, sink, limits);
    const int status = loop.run();
    const auto st = cap.stats();
    if (limits.stats_interval > 0) std::fprintf(stderr, "%s\n", live_status_line(st, table, 0, st).c_str());
    spdlog::info("{} frames received, {} dropped by the kernel, {} by the interface", st.received, st.dropped,
                 st.if_dropped);
    if (st.dropped || st.if_dropped)
        spdlog::warn("{} frames were dropped by the kernel and {} by the interface: connections they belong to may be "
                     "explained from incomplete evidence (a larger --buffer-size helps)",
                     st.dropped, st.if_dropped);
    return status;
}

}  // namespace tfe::app
