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
    explicit ReportOrder(std::size_t window) : slots_(window), kind_(window, kEmpty) {}

    // `c` has ended: emit(c) now, or once those opened before it are out.
    template <class Emit>
    void add(const Report& c, Emit&& emit) { place(c.id(), &c, emit); }
    // Connection `id` ended and is not reported (--id): the order moves past
    // it, nothing is kept.
    template <class Emit>
    void skip(std::uint64_t id, Emit&& emit) { place(id, nullptr, emit); }

    // The end of the input: every waiting report, in order.
    template <class Emit>
    void drain(Emit&& emit) {
        while (next_ <= last_) pass(emit);
    }

    // Reports written after one of a connection opened later.
    std::uint64_t out_of_order() const { return out_of_order_; }
    std::size_t window() const { return slots_.size(); }

private:
    enum : std::uint8_t { kEmpty, kWaiting, kSkipped };

    template <class Emit>
    void place(std::uint64_t id, const Report* c, Emit&& emit) {
        if (id < next_) {  // the window stopped waiting for it
            if (c == nullptr) return;
            if (id < top_) ++out_of_order_;
            return emit(*c);
        }
        while (id - next_ >= slots_.size()) pass(emit);  // no room before it: the earliest go
        const std::size_t at = id % slots_.size();
        if (c == nullptr) {
            kind_[at] = kSkipped;
        } else if (id == next_) {
            emit(*c);
            top_ = std::max(top_, id);
            kind_[at] = kSkipped;  // written: passed below like a skipped one
        } else {
            if (slots_[at]) *slots_[at] = *c;
            else slots_[at].emplace(*c);
            kind_[at] = kWaiting;
        }
        last_ = std::max(last_, id);
        while (next_ <= last_ && kind_[next_ % slots_.size()] != kEmpty) pass(emit);
    }

    // The output moves past id next_: its report if it waits (else, still
    // open, it will come late).
    template <class Emit>
    void pass(Emit&& emit) {
        const std::size_t at = next_ % slots_.size();
        if (kind_[at] == kWaiting) {
            emit(*slots_[at]);
            top_ = std::max(top_, next_);
        }
        kind_[at] = kEmpty;
        ++next_;
    }

    std::vector<std::optional<Report>> slots_;  // by id modulo the window
    std::vector<std::uint8_t> kind_;             // each slot: empty, waiting, or passable
    std::uint64_t next_ = 1;  // the id the output waits for
    std::uint64_t last_ = 0;  // the largest id placed
    std::uint64_t top_ = 0;   // the largest id written
    std::uint64_t out_of_order_ = 0;
};

}  // namespace tfe::app
