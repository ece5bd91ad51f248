#include "apps/live.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>

#include "apps/exit_codes.hpp"

namespace tfe::app {

namespace asio = boost::asio;

namespace {

TimeNs wall_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class LiveLoop {
public:
    LiveLoop(capture::LiveCapture& cap, FlowTable& table, ReportSink& sink, double seconds)
        : cap_(cap), table_(table), sink_(sink), fd_(io_, ::dup(cap.selectable_fd())),
          tick_(io_), signals_(io_, SIGINT, SIGTERM), deadline_(io_), seconds_(seconds) {}

    int run() {
        signals_.async_wait([this](const boost::system::error_code&, int sig) {
            spdlog::info("signal {}: stopping", sig);
            io_.stop();
        });
        if (seconds_ > 0) {
            deadline_.expires_after(std::chrono::milliseconds(static_cast<long>(seconds_ * 1000)));
            deadline_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) io_.stop();
            });
        }
        wait_for_frames();
        schedule_tick();
        io_.run();
        return status_;
    }

private:
    void wait_for_frames() {
        fd_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
            if (ec) return;
            try {
                cap_.dispatch(sink_, frames_);
            } catch (const std::exception& e) {
                spdlog::error("{}", e.what());
                status_ = kInputError;
                io_.stop();
                return;
            }
            sink_.flush();
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
            if (st.dropped != last_dropped_) {
                spdlog::warn("kernel dropped {} frames so far (capture buffer full)", st.dropped);
                last_dropped_ = st.dropped;
            }
            schedule_tick();
        });
    }

    capture::LiveCapture& cap_;
    FlowTable& table_;
    ReportSink& sink_;
    asio::io_context io_;
    asio::posix::stream_descriptor fd_;
    asio::steady_timer tick_;
    asio::signal_set signals_;
    asio::steady_timer deadline_;
    double seconds_;
    std::uint64_t frames_ = 0;
    std::uint64_t last_dropped_ = 0;
    int status_ = kOk;
};

}  // namespace

int run_live(const capture::LiveOptions& opts, FlowTable& table, ReportSink& sink, double seconds) {
    capture::LiveCapture cap(opts);
    if (!cap.warning().empty()) spdlog::warn("{}: {}", opts.interface, cap.warning());
    spdlog::info("listening on {} (filter: {})", opts.interface, opts.bpf_filter.empty() ? "none" : opts.bpf_filter);
    LiveLoop loop(cap, table, sink, seconds);
    const int status = loop.run();
    const auto st = cap.stats();
    spdlog::info("{} frames received, {} dropped by the kernel, {} by the interface", st.received, st.dropped,
                 st.if_dropped);
    return status;
}

}  // namespace tfe::app
