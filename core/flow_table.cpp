#include "core/flow_table.hpp"

#include <algorithm>
#include <cstring>
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

bool FlowTable::ConnectionKey::operator()(std::uint32_t slot, const FlowKey& key) const {
    if (is_parked(slot)) return Connection::parked_key_is(table->parked_bytes(slot), key);
    return table->live_at(slot).key() == key;
}

FlowTable::FlowTable(const FlowTableConfig& config, ConnectionSink& sink)
    : config_(config),
      sink_(sink),
      hasher_(pick_seed(config.hash_seed)),
      index_(ConnectionKey{this}) {}

FlowTable::~FlowTable() {
    for (Entry& e : slab_)
        if (e.conn) e.conn->~Connection();
    if (parked_ == 0) return;
    // Without a flush: what parked connections own on the heap is freed
    // by unpacking and destroying them.
    alignas(Connection) std::byte scratch[sizeof(Connection)];
    index_.for_each_slot([&](std::uint32_t slot) {
        if (!is_parked(slot)) return;
        std::size_t length;
        Connection::unpark(scratch, parked_bytes(slot), &config_.tracker, length)->~Connection();
    });
}

void FlowTable::FreeChunk::operator()(ConnectionStorage* p) const { free_table_memory(p); }

std::uint32_t FlowTable::take_slot() {
    std::uint32_t idx;
    if (!free_.empty()) {
        idx = free_.back();
        free_.pop_back();
    } else {
        idx = static_cast<std::uint32_t>(slab_.size());
        slab_.emplace_back();
        if (idx / kPoolChunk >= pool_.size()) {  // a new slot may need a new chunk
            pool_.emplace_back(static_cast<ConnectionStorage*>(allocate_table_memory(kChunkBytes)));
        }
    }
    return idx;
}

std::uint32_t FlowTable::create(const FlowKey& key, std::uint64_t hash, const Segment& seg, bool forward) {
    const std::uint32_t idx = take_slot();
    slab_[idx].conn = new (slot_at(idx).bytes) Connection(next_id_++, key, seg, forward, &config_.tracker);
    slab_[idx].deadline = 0;
    index_.insert(idx, hash);
    lru_push_back(idx);
    ++live_;
    stats_.connections++;
    stats_.peak_open = std::max<std::uint64_t>(stats_.peak_open, live_);
    return idx;
}

void FlowTable::end(std::uint32_t idx, EndReason why, bool unindex) {
    Entry& e = slab_[idx];
    Connection& c = *e.conn;
    const bool remembers = why == EndReason::closed || why == EndReason::time_wait;
    const bool rehash = unindex || remembers || remembered_.size() != 0;
    const std::uint64_t hash = rehash ? hasher_(c.key()) : 0;
    if (rehash) {
        // The report takes microseconds: ask now for the lines of the index
        // and of the remembered 4-tuples that are updated after it, rather
        // than wait for them then (a cache miss each on a busy capture).
        index_.prefetch(hash);
        remembered_.prefetch(hash);
    }
    c.finish(why, now_);
    stats_.ended[static_cast<int>(why)]++;
    sink_.on_connection(c);
    if (rehash) {
        if (unindex) index_.erase(idx, hash);
        if (remembers) remember(c, hash);
        else if (remembered_.size() != 0) remembered_.erase(hash);  // an older connection's memory must not outlive this one
    }
    lru_unlink(idx);
    c.~Connection();
    e.conn = nullptr;
    e.generation++;
    e.deadline = 0;
    free_.push_back(idx);
    --live_;
}

// ---------------------------------------------------------------------------
// Parking
// ---------------------------------------------------------------------------

// Parks connections that no segment has touched during the last
// max_unparked frames (at least that many others are unpacked, so one is
// found in a few steps) and that have nothing scheduled (a settled
// connection is about to be reported anyway).
//
// Without an idle timeout a clock hand walks the slots. With one, the
// least recently used connection is parked, so that the parked ones, in
// the order they were parked, all come before every unpacked one in the
// LRU order idle expiry follows (advance). Either walk is bounded: when
// what it meets is busy, the table stays above the limit for a while.
void FlowTable::park_some(std::uint64_t frame) {
    const std::uint64_t recent = config_.max_unparked;
    for (int steps = 0; steps < 16 && live_ - parked_ > config_.max_unparked; ++steps) {
        std::uint32_t i;
        if (config_.idle_timeout > 0) {
            i = lru_head_;
        } else {
            if (clock_hand_ >= slab_.size()) clock_hand_ = 0;
            i = clock_hand_++;
        }
        const Entry& e = slab_[i];
        const bool parkable = e.conn && e.deadline == 0 && e.conn->last_frame() + recent <= frame;
        if (parkable) park(i);
        else if (config_.idle_timeout > 0) return;  // the LRU head must go first
    }
}

void FlowTable::park(std::uint32_t idx) {
    Entry& e = slab_[idx];
    Connection& c = *e.conn;
    const std::uint64_t hash = hasher_(c.key());
    static_assert(kParkPrefix + Connection::kMaxParkedBytes <= ParkedStore::kMaxBytes);
    std::uint8_t bytes[kParkPrefix + Connection::kMaxParkedBytes];
    const TimeNs last_ts = c.last_ts();
    const std::size_t prefix = park_prefix();
    std::uint32_t serial = 0;
    if (prefix) {
        if (next_park_serial_ == 0) next_park_serial_ = 1;  // 0 marks an unparked string
        serial = next_park_serial_++;
        std::memcpy(bytes, &serial, sizeof serial);
    }
    const std::size_t n = prefix + c.park(bytes + prefix);
    const std::uint32_t handle = parked_store_.put(bytes, n);
    if (handle == ParkedStore::kNone) {  // the store is full: it stays unpacked
        std::size_t length;
        c.~Connection();
        Connection::unpark(&c, bytes + prefix, &config_.tracker, length);
        return;
    }
    index_.replace(idx, handle | kParked, hash);
    if (prefix) {
        lru_unlink(idx);
        park_order_.push_back({handle, serial, last_ts});
        // Unparked connections leave their entries behind: drop them once
        // they are half of the queue.
        if (park_order_.size() > 2 * (parked_ + 1) + 1024) {
            std::erase_if(park_order_, [this](const ParkOrder& q) { return !still_parked(q); });
        }
    }
    c.~Connection();
    e.conn = nullptr;
    e.generation++;
    free_.push_back(idx);
    ++parked_;
    stats_.parks++;
    stats_.peak_parked = std::max<std::uint64_t>(stats_.peak_parked, parked_);
    stats_.peak_parked_bytes = std::max<std::uint64_t>(stats_.peak_parked_bytes, parked_store_.bytes());
}

std::uint32_t FlowTable::unpark(std::uint32_t handle, std::optional<std::uint64_t> hash) {
    const std::uint32_t idx = take_slot();
    std::size_t length;
    slab_[idx].conn = Connection::unpark(slot_at(idx).bytes, parked_bytes(handle | kParked), &config_.tracker, length);
    slab_[idx].deadline = 0;
    const std::size_t prefix = park_prefix();
    if (prefix) std::memset(parked_store_.writable(handle), 0, prefix);  // no serial is 0
    parked_store_.free(handle, prefix + length);
    if (hash) index_.replace(handle | kParked, idx, *hash);
    lru_push_back(idx);
    --parked_;
    stats_.unparks++;
    return idx;
}

// ---------------------------------------------------------------------------
// What is left of reported connections
// ---------------------------------------------------------------------------

void FlowTable::remember(const Connection& c, std::uint64_t hash) {
    // TIME_WAIT's own deadline, or 2*MSL after the last segment when both
    // sides are CLOSED (an RST): what the network may still deliver.
    const TimeNs until = std::max(c.time_wait_deadline(), c.last_ts() + 2 * config_.tracker.msl);
    if (until <= now_) return;
    remembered_.put(hash, until, now_);
    stats_.peak_remembered = std::max<std::uint64_t>(stats_.peak_remembered, remembered_.size());
}

bool FlowTable::remembers(const Segment& seg) const {
    bool forward = true;
    const TimeNs until = remembered_.find(hasher_(FlowKey::of(seg, forward)));
    return until > now_;
}

bool FlowTable::absorbed_by_remembered(std::uint64_t hash, const Segment& seg) {
    // A SYN reuses the 4-tuple (RFC 9293 allows it in TIME_WAIT): a new
    // connection, whatever is remembered. Not looking saves a cache miss on
    // nearly every new connection; the stale entry is overwritten when the
    // new one is reported, or forgotten on time.
    if (remembered_.size() == 0 || (seg.flags.syn() && !seg.flags.ack())) return false;
    const TimeNs until = remembered_.find(hash);
    if (until == 0) return false;
    if (until <= now_) {  // the memory has run out
        remembered_.erase(hash);
        return false;
    }
    stats_.late_segments++;
    if (seg.flags.fin()) stats_.late_fins++;
    return true;
}

// ---------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------

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

// The next connection to expire was last touched seconds of capture time
// ago: none of it is in the cache any more, and its report reads nearly all
// of it. Asking for its slab entry and every line of it as soon as it is
// next in line lets them arrive while the segments before its deadline are
// processed (about a dozen on a busy capture), instead of the report
// waiting for each line in turn. What the slot points to (its rare facts)
// is asked for a segment later, once the pointer itself has arrived
// (advance).
void FlowTable::prefetch(std::uint32_t idx) const {
    __builtin_prefetch(&slab_[idx]);
    const auto* lines = reinterpret_cast<const char*>(&slot_at(idx));
    for (std::size_t off = 0; off < sizeof(ConnectionStorage); off += 64) __builtin_prefetch(lines + off);
}

// The next moment this connection should be looked at without a segment:
// the end of the linger once it settled, or TIME_WAIT's 2*MSL if earlier
// (a short --msl, or a peer that never settles).
void FlowTable::schedule(std::uint32_t idx) {
    const Connection& c = live_at(idx);
    TimeNs at = c.settled() ? c.last_ts() + config_.tracker.linger : 0;
    if (c.time_wait_deadline() != 0) at = at == 0 ? c.time_wait_deadline() : std::min(at, c.time_wait_deadline());
    if (at == 0) return;  // most segments: the slab entry is not touched
    Entry& e = slab_[idx];
    if (at != e.deadline) {
        e.deadline = at;
        deadlines_.push({at, idx, e.generation});
    }
}

void FlowTable::advance(TimeNs now) {
    now_ = std::max(now_, now);
    bool expired = false;
    while (!deadlines_.empty() && deadlines_.top().at <= now_) {
        const Deadline d = deadlines_.top();
        deadlines_.pop();
        expired = true;
        Entry& e = slab_[d.conn];
        if (!e.conn || e.generation != d.generation || e.deadline != d.at) continue;  // stale
        const Connection& c = *e.conn;
        EndReason why = EndReason::closed;
        if (c.time_wait_deadline() != 0)
            why = c.time_wait_deadline() <= now_ ? EndReason::time_wait_expired : EndReason::time_wait;
        end(d.conn, why);
    }
    if (!deadlines_.empty()) {
        const Deadline& next = deadlines_.top();
        if (expired) {
            prefetch(next.conn);
            rare_facts_pending_ = true;
        } else if (rare_facts_pending_) {
            // A segment later its slot has arrived: now what it points to.
            rare_facts_pending_ = false;
            const Entry& e = slab_[next.conn];
            if (e.conn && e.generation == next.generation) e.conn->prefetch_rare_facts();
        }
    }
    if (config_.idle_timeout > 0) {
        // In LRU order: the parked connections first, in the order they
        // were parked (park_some), then the unpacked ones.
        while (!park_order_.empty()) {
            const ParkOrder q = park_order_.front();
            if (!still_parked(q)) {
                park_order_.pop_front();
                continue;
            }
            if (q.last_ts + config_.idle_timeout > now_) return;
            park_order_.pop_front();
            const std::uint32_t idx = unpark(q.handle, std::nullopt);
            index_.replace(q.handle | kParked, idx, hasher_(live_at(idx).key()));
            end(idx, EndReason::idle);
        }
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
    std::uint32_t idx = index_.find(key, h);
    if (idx != kNone && is_parked(idx)) idx = unpark(idx & ~kParked, h);
    if (idx != kNone && live_at(idx).is_new_connection(seg, forward)) {
        end(idx, EndReason::superseded);
        idx = kNone;
    }
    if (idx == kNone) {
        if (absorbed_by_remembered(h, seg)) return;
        idx = create(key, h, seg, forward);
    } else if (lru_tail_ != idx) {
        lru_unlink(idx);
        lru_push_back(idx);
    }
    live_at(idx).on_segment(seg, forward);
    schedule(idx);
    if (live_ - parked_ > config_.max_unparked) park_some(seg.frame);
}

void FlowTable::flush() {
    // Every open connection is in the index, as a slot or parked.
    std::vector<std::uint32_t> open;
    open.reserve(live_);
    index_.for_each_slot([&](std::uint32_t slot) { open.push_back(slot); });
    auto id_of = [this](std::uint32_t slot) {
        return is_parked(slot) ? Connection::parked_id(parked_bytes(slot)) : live_at(slot).id();
    };
    std::sort(open.begin(), open.end(), [&](std::uint32_t a, std::uint32_t b) { return id_of(a) < id_of(b); });
    // Every connection ends: the index is emptied in one pass afterwards
    // rather than entry by entry (a cache miss each when a million are
    // open).
    for (std::uint32_t slot : open) {
        const std::uint32_t idx = is_parked(slot) ? unpark(slot & ~kParked, std::nullopt) : slot;
        end(idx, EndReason::capture_end, false);
    }
    index_.clear();
    park_order_.clear();
}

}  // namespace tfe
