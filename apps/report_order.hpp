// Reports in the order of their connections' first packets (their ids),
// as far as a bounded window allows: a connection that ends while one
// opened before it is still open waits, copied, until that one is
// reported. A report waits while fewer than `window` connections have
// opened after the one it waits for; the next one to open pushes the
// earliest waiting out, and the connections still open before it then
// come out of order, counted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace tfe::app {

// Report: a Connection (or, in tests, anything with an id()).
template <class Report>
class ReportOrder {
public:
    // The slots are made once: a copy into a used slot reuses its vectors'
    // memory, so a waiting report costs no allocation once the run is warm.
    explicit ReportOrder(std::size_t window) : slots_(window), filled_(window, false) {}

    // `c` has ended: emit(c) now, or once those opened before it are out.
    template <class Emit>
    void add(const Report& c, Emit&& emit) {
        const std::uint64_t id = c.id();
        if (id < next_) {  // the window stopped waiting for it
            if (id < top_) ++out_of_order_;
            return emit(c);
        }
        while (id - next_ >= slots_.size()) pass(emit);  // no room before it: the earliest go
        if (id == next_) {
            emit(c);
            top_ = std::max(top_, id);
            ++next_;
        } else {
            std::optional<Report>& slot = slots_[id % slots_.size()];
            if (slot) *slot = c;
            else slot.emplace(c);
            filled_[id % slots_.size()] = true;
            last_ = std::max(last_, id);
        }
        while (next_ <= last_ && filled_[next_ % slots_.size()]) pass(emit);
    }

    // The end of the input: every waiting report, in order.
    template <class Emit>
    void drain(Emit&& emit) {
        while (next_ <= last_) pass(emit);
    }

    // Reports written after one of a connection opened later.
    std::uint64_t out_of_order() const { return out_of_order_; }
    std::size_t window() const { return slots_.size(); }

private:
    // The output moves past id next_: its report if it waits (else, still
    // open, it will come late).
    template <class Emit>
    void pass(Emit&& emit) {
        const std::size_t at = next_ % slots_.size();
        if (filled_[at]) {
            emit(*slots_[at]);
            top_ = std::max(top_, next_);
        }
        filled_[at] = false;
        ++next_;
    }

    std::vector<std::optional<Report>> slots_;  // by id modulo the window
    std::vector<bool> filled_;
    std::uint64_t next_ = 1;  // the id the output waits for
    std::uint64_t last_ = 0;  // the largest id waiting, or passed
    std::uint64_t top_ = 0;   // the largest id written
    std::uint64_t out_of_order_ = 0;
};

}  // namespace tfe::app
