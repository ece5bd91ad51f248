#include "core/expiry.hpp"

namespace tfe {

void Expiry::track(std::uint32_t idx) {
    if (idx >= entries_.size()) entries_.resize(idx + 1);
    entries_[idx].deadline = 0;
    if (keep_lru_) lru_push_back(idx);
}

void Expiry::forget(std::uint32_t idx) {
    Entry& e = entries_[idx];
    if (e.in_lru) lru_unlink(idx);
    e.generation++;
    e.deadline = 0;
}

void Expiry::schedule(std::uint32_t idx, TimeNs at) {
    Entry& e = entries_[idx];
    if (at == e.deadline) return;
    e.deadline = at;
    deadlines_.push({at, idx, e.generation});
}

std::uint32_t Expiry::pop_due_slow(TimeNs now) {
    while (!deadlines_.empty() && deadlines_.top().at <= now) {
        const Deadline d = deadlines_.top();
        deadlines_.pop();
        Entry& e = entries_[d.slot];
        if (e.generation == d.generation && e.deadline == d.at) {
            e.deadline = 0;  // popped: an older entry of the same deadline is stale now
            return d.slot;
        }
    }
    return kNone;
}

void Expiry::lru_unlink(std::uint32_t idx) {
    Entry& e = entries_[idx];
    (e.lru_prev == kNone ? lru_head_ : entries_[e.lru_prev].lru_next) = e.lru_next;
    (e.lru_next == kNone ? lru_tail_ : entries_[e.lru_next].lru_prev) = e.lru_prev;
    e.lru_prev = e.lru_next = kNone;
    e.in_lru = false;
}

void Expiry::lru_push_back(std::uint32_t idx) {
    Entry& e = entries_[idx];
    e.lru_prev = lru_tail_;
    e.lru_next = kNone;
    e.in_lru = true;
    (lru_tail_ == kNone ? lru_head_ : entries_[lru_tail_].lru_next) = idx;
    lru_tail_ = idx;
}

}  // namespace tfe
