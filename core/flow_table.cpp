#include "core/flow_table.hpp"

#include <algorithm>
#include <new>
#include <random>

namespace tfe {

namespace {
std::uint64_t pick_seed(std::uint64_t configured) {
    if (configured != 0) return configured;
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}
}  // namespace

FlowTable::FlowTable(const FlowTableConfig& config, ConnectionSink& sink)
    : config_(config), sink_(sink), hasher_(pick_seed(config.hash_seed)) {
    slots_.resize(1024);
    mask_ = slots_.size() - 1;
}

FlowTable::~FlowTable() {
    for (Entry& e : slab_)
        if (e.conn) e.conn->~Connection();
}

void* FlowTable::storage_of(std::uint32_t idx) {
    if (idx / kPoolChunk >= pool_.size())
        pool_.push_back(std::make_unique_for_overwrite<ConnectionStorage[]>(kPoolChunk));
    return pool_[idx / kPoolChunk][idx % kPoolChunk].bytes;
}

std::uint32_t FlowTable::find(const FlowKey& key, std::uint64_t hash) const {
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
        const Slot& s = slots_[i];
        if (s.conn == kNone) return kNone;
        if (s.tag == tag && slab_[s.conn].conn->key() == key) return s.conn;
    }
}

void FlowTable::insert_index(std::uint32_t conn, std::uint64_t hash) {
    if ((live_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
        if (slots_[i].conn == kNone) {
            slots_[i] = {conn, static_cast<std::uint32_t>(hash >> 32)};
            return;
        }
    }
}

void FlowTable::erase_index(const FlowKey& key, std::uint64_t hash) {
    std::size_t i = hash & mask_;
    while (slab_[slots_[i].conn].conn->key() != key) i = (i + 1) & mask_;
    // Backward-shift deletion keeps probe chains intact without tombstones.
    for (std::size_t j = (i + 1) & mask_; slots_[j].conn != kNone; j = (j + 1) & mask_) {
        const std::uint64_t h = hasher_(slab_[slots_[j].conn].conn->key());
        const std::size_t home = h & mask_;
        // Move j into the hole at i unless its home lies cyclically in (i, j].
        const bool home_between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            slots_[i] = slots_[j];
            i = j;
        }
    }
    slots_[i] = Slot{};
}

void FlowTable::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
        if (s.conn == kNone) continue;
        const std::uint64_t h = hasher_(slab_[s.conn].conn->key());
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (slots_[i].conn == kNone) {
                slots_[i] = s;
                break;
            }
        }
    }
}

std::uint32_t FlowTable::create(const FlowKey& key, const Segment& seg, bool forward) {
    std::uint32_t idx;
    if (!free_.empty()) {
        idx = free_.back();
        free_.pop_back();
    } else {
        idx = static_cast<std::uint32_t>(slab_.size());
        slab_.emplace_back();
    }
    slab_[idx].conn = new (storage_of(idx)) Connection(next_id_++, key, seg, forward, &config_.tracker);
    slab_[idx].deadline = 0;
    insert_index(idx, hasher_(key));
    lru_push_back(idx);
    ++live_;
    stats_.connections++;
    stats_.peak_open = std::max<std::uint64_t>(stats_.peak_open, live_);
    return idx;
}

void FlowTable::end(std::uint32_t idx, EndReason why) {
    Entry& e = slab_[idx];
    e.conn->finish(why, now_);
    stats_.ended[static_cast<int>(why)]++;
    sink_.on_connection(*e.conn);
    erase_index(e.conn->key(), hasher_(e.conn->key()));
    lru_unlink(idx);
    e.conn->~Connection();
    e.conn = nullptr;
    e.generation++;
    e.deadline = 0;
    free_.push_back(idx);
    --live_;
}

// The LRU list only serves idle expiry: without an idle timeout it is not
// kept (two fewer random slab accesses per segment).
void FlowTable::lru_unlink(std::uint32_t idx) {
    if (config_.idle_timeout <= 0) return;
    Entry& e = slab_[idx];
    (e.lru_prev == kNone ? lru_head_ : slab_[e.lru_prev].lru_next) = e.lru_next;
    (e.lru_next == kNone ? lru_tail_ : slab_[e.lru_next].lru_prev) = e.lru_prev;
    e.lru_prev = e.lru_next = kNone;
}

void FlowTable::lru_push_back(std::uint32_t idx) {
    if (config_.idle_timeout <= 0) return;
    Entry& e = slab_[idx];
    e.lru_prev = lru_tail_;
    e.lru_next = kNone;
    (lru_tail_ == kNone ? lru_head_ : slab_[lru_tail_].lru_next) = idx;
    lru_tail_ = idx;
}

// The next moment this connection should be looked at without a segment:
// TIME_WAIT's 2*MSL, or the linger after both sides closed.
void FlowTable::schedule(std::uint32_t idx) {
    Entry& e = slab_[idx];
    const Connection& c = *e.conn;
    TimeNs at = 0;
    if (c.fully_closed()) at = c.last_ts() + config_.closed_linger;
    if (c.time_wait_deadline() != 0) at = at == 0 ? c.time_wait_deadline() : std::min(at, c.time_wait_deadline());
    if (at != 0 && at != e.deadline) {
        e.deadline = at;
        deadlines_.push({at, idx, e.generation});
    }
}

void FlowTable::advance(TimeNs now) {
    now_ = std::max(now_, now);
    while (!deadlines_.empty() && deadlines_.top().at <= now_) {
        const Deadline d = deadlines_.top();
        deadlines_.pop();
        Entry& e = slab_[d.conn];
        if (!e.conn || e.generation != d.generation || e.deadline != d.at) continue;  // stale
        const Connection& c = *e.conn;
        const bool tw = c.time_wait_deadline() != 0 && c.time_wait_deadline() <= now_;
        end(d.conn, c.fully_closed() && !tw ? EndReason::closed : EndReason::time_wait_expired);
    }
    if (config_.idle_timeout > 0) {
        while (lru_head_ != kNone && slab_[lru_head_].conn->last_ts() + config_.idle_timeout <= now_)
            end(lru_head_, EndReason::idle);
    }
}

void FlowTable::on_segment(const Segment& seg) {
    stats_.segments++;
    advance(seg.ts);
    bool forward = true;
    const FlowKey key = FlowKey::of(seg, forward);
    const std::uint64_t h = hasher_(key);
    std::uint32_t idx = find(key, h);
    if (idx != kNone && slab_[idx].conn->is_new_connection(seg, forward)) {
        end(idx, EndReason::superseded);
        idx = kNone;
    }
    if (idx == kNone) {
        idx = create(key, seg, forward);
    } else if (lru_tail_ != idx) {
        lru_unlink(idx);
        lru_push_back(idx);
    }
    slab_[idx].conn->on_segment(seg, forward);
    schedule(idx);
}

void FlowTable::flush() {
    std::vector<std::uint32_t> open;
    for (std::uint32_t i = 0; i < slab_.size(); ++i)
        if (slab_[i].conn) open.push_back(i);
    std::sort(open.begin(), open.end(), [this](std::uint32_t a, std::uint32_t b) {
        return slab_[a].conn->id() < slab_[b].conn->id();
    });
    for (std::uint32_t i : open) end(i, EndReason::capture_end);
}

}  // namespace tfe
