#include "apps/interrupt.hpp"

#include <csignal>
#include <cstdlib>

namespace tfe::app {

namespace {

std::atomic<bool> g_stopped{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "touched from a signal handler");

void on_signal(int sig) {
    if (g_stopped.exchange(true)) std::_Exit(130);
    g_signal.store(sig);
}

}  // namespace

void stop_reading_on_signal() {
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>& reading_stopped() { return g_stopped; }

int stopping_signal() { return g_signal.load(); }

}  // namespace tfe::app
