// A pipe's clock while it is quiet (tcpdump -U -w - | tcpflow-explain -):
// the capture's time stands still between packets, so connections whose
// TIME_WAIT or linger has run out in wall-clock time would wait for the
// next packet, or the pipe's end, to be reported. Each quiet tick moves the
// table to the last packet's time plus the silence since, as live mode's
// wall-clock tick does. `Clocked`: one FlowTable, or a threaded run's
// pipeline::Pipeline (now() and advance(TimeNs) alike).
#pragma once

#include <chrono>

#include "core/flow_table.hpp"

namespace tfe::app {

template <class Clocked>
class StreamClock {
public:
    explicit StreamClock(Clocked& table) : table_(table) {}

    void on_quiet(std::chrono::nanoseconds silent) {
        if (table_.now() != moved_to_) base_ = table_.now();  // packets came since the last tick
        table_.advance(base_ + static_cast<TimeNs>(silent.count()));
        moved_to_ = table_.now();
    }

private:
    Clocked& table_;
    TimeNs base_ = 0;
    TimeNs moved_to_ = -1;
};

}  // namespace tfe::app
