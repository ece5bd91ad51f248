#include "core/flow_table.hpp"

#include <algorithm>
#include <random>
#include <vector>

namespace tfe {

namespace {
std::uint64_t pick_seed(std::uint64_t configured) {
    if (configured != 0) return configured;
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}
}  // namespace

bool FlowTable::RefKey::operator()(std::uint32_t bits, const FlowKey& key) const {
    const Ref ref(bits);
    if (ref.is_parked()) return table->parking_.key_is(ref.handle(), key);
    return table->slots_.at(ref.slot()).key() == key;
}

FlowTable::FlowTable(const FlowTableConfig& config, ConnectionSink& sink)
    : config_(config),
      sink_(sink),
      hasher_(pick_seed(config.hash_seed)),
      index_(RefKey{this}),
      // The LRU list and the parking order serve idle expiry and eviction.
      expiry_(config.idle_timeout > 0 || config.max_connections > 0),
      parking_(config.idle_timeout > 0 || config.max_connections > 0, &config_.tracker) {}

FlowTable::~FlowTable() {
    // Without a flush: what parked connections own on the heap is freed by
    // unpacking and destroying them (the slots destroy their own).
    if (parking_.size() == 0) return;
    index_.for_each_slot([&](std::uint32_t bits) {
        if (const Ref ref(bits); ref.is_parked()) parking_.discard(ref.handle());
    });
}

FlowTableStats FlowTable::stats() const {
    FlowTableStats s = stats_;
    s.late_segments = remembered_.late_segments();
    s.late_fins = remembered_.late_fins();
    s.late_connections = remembered_.late_connections();
    s.late_connection_count = remembered_.late_connection_count();
    s.peak_remembered = remembered_.peak();
    const ParkingStats& p = parking_.stats();
    s.parks = p.parks;
    s.unparks = p.unparks;
    s.peak_parked = p.peak_parked;
    s.peak_parked_bytes = p.peak_parked_bytes;
    s.half_open_queued = half_open_.size();
    return s;
}

std::uint32_t FlowTable::create(const FlowKey& key, std::uint64_t hash, const Segment& seg, bool forward) {
    const std::uint32_t idx = slots_.emplace([&](void* at) {
        new (at) Connection(next_id_++, key, seg, forward, &config_.tracker);
    });
    expiry_.track(idx);
    index_.insert(Ref::slot(idx).bits(), hash);
    if (config_.max_connections > 0 && seg.flags.syn()) {
        half_open_.push(hash, slots_.at(idx).id());
        half_open_.compact(open_, [this](const HalfOpenQueue::Entry& e) { return may_be_half_open(e); });
    }
    ++open_;
    stats_.connections++;
    stats_.peak_open = std::max<std::uint64_t>(stats_.peak_open, open_);
    return idx;
}

void FlowTable::end(std::uint32_t idx, EndReason why, bool unindex) {
    Connection& c = slots_.at(idx);
    const bool remembers = why == EndReason::closed || why == EndReason::time_wait;
    const bool rehash = unindex || remembers || !remembered_.empty();
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
        if (unindex) index_.erase(Ref::slot(idx).bits(), hash);
        if (remembers) remembered_.remember(c, hash, now_, config_.tracker.msl);
        else remembered_.forget(hash);
    }
    expiry_.forget(idx);
    slots_.release(idx);
    --open_;
}

bool FlowTable::remembers(const Segment& seg) const {
    bool forward = true;
    return remembered_.remembers(hasher_(FlowKey::of(seg, forward)), now_);
}

// ---------------------------------------------------------------------------
// Parking: policy here, the bytes in ParkingLot
// ---------------------------------------------------------------------------

// Parks connections that no segment has touched during the last
// max_unparked frames (at least that many others are unpacked, so one is
// found in a few steps) and that have nothing scheduled (a settled
// connection is about to be reported anyway). Where the LRU list is kept
// (idle expiry, eviction) the least recently used go first, else a clock
// hand walks the slots. The walk is bounded: when what it meets is busy,
// the table stays above the limit for a while.
void FlowTable::park_some(std::uint64_t frame) {
    if (expiry_.keeps_lru()) return park_least_recent(frame);
    for (int steps = 0; steps < 16 && open_ - parking_.size() > config_.max_unparked; ++steps) {
        if (clock_hand_ >= slots_.count()) clock_hand_ = 0;
        const std::uint32_t i = clock_hand_++;
        if (slots_.occupied(i) && !expiry_.scheduled(i) && slots_.at(i).last_frame() + config_.max_unparked <= frame)
            park(i);
    }
}

// The parked ones, in the order they were parked, come before every
// unpacked one in the LRU order that idle expiry and eviction follow. (A
// connection waiting out its linger or TIME_WAIT is not on the list: it
// ends by its deadline first, and would otherwise hold up all parking.)
void FlowTable::park_least_recent(std::uint64_t frame) {
    for (int steps = 0; steps < 16 && open_ - parking_.size() > config_.max_unparked; ++steps) {
        const std::uint32_t i = expiry_.lru_head();
        if (i == Expiry::kNone || expiry_.scheduled(i)) return;  // one scheduled to end after going idle
        if (slots_.at(i).last_frame() + config_.max_unparked > frame) return;  // so are all after it
        park(i);
        if (slots_.occupied(i)) return;  // the store is full
    }
}

void FlowTable::park(std::uint32_t idx) {
    Connection& c = slots_.at(idx);
    const std::uint64_t hash = hasher_(c.key());
    parked_census_.add(c);  // before packing takes what c owns
    std::uint8_t tag = 0;  // see half_open_kind_of
    if (config_.max_connections > 0)
        if (const std::optional<EvictionKind> kind = half_open_kind(c)) tag = static_cast<std::uint8_t>(*kind) + 1;
    const std::optional<std::uint32_t> handle = parking_.park(c, tag);
    if (!handle) return parked_census_.remove(c);  // the store is full: it stays unpacked
    index_.replace(Ref::slot(idx).bits(), Ref::parked(*handle).bits(), hash);
    expiry_.forget(idx);
    slots_.release(idx);  // what it owned now belongs to the parked bytes
}

std::uint32_t FlowTable::unpark(std::uint32_t handle, std::optional<std::uint64_t> hash) {
    const std::uint32_t idx = slots_.emplace([&](void* at) { parking_.unpark(handle, at); });
    parked_census_.remove(slots_.at(idx));
    expiry_.track(idx);
    if (hash) index_.replace(Ref::parked(handle).bits(), Ref::slot(idx).bits(), *hash);
    return idx;
}

// ---------------------------------------------------------------------------
// Expiry: deadlines, then idleness
// ---------------------------------------------------------------------------

// The end of the linger once it settled, or TIME_WAIT's 2*MSL if earlier
// (a short --msl, or a peer that never settles).
void FlowTable::schedule(std::uint32_t idx) {
    const Connection& c = slots_.at(idx);
    TimeNs at = c.settled() ? c.last_ts() + config_.tracker.linger : 0;
    if (c.time_wait_deadline() != 0) at = at == 0 ? c.time_wait_deadline() : std::min(at, c.time_wait_deadline());
    if (at == 0) return;  // most segments
    expiry_.schedule(idx, at);
    if (config_.idle_timeout == 0 || at <= c.last_ts() + config_.idle_timeout) expiry_.leave_lru(idx);
}

namespace {
// Why a connection whose deadline came ends.
EndReason due_reason(const Connection& c, TimeNs now) {
    if (c.time_wait_deadline() == 0) return EndReason::closed;
    return c.time_wait_deadline() <= now ? EndReason::time_wait_expired : EndReason::time_wait;
}
}  // namespace

// Connections whose deadlines have come by the same moment end in order of
// id (as at the end of the input), not in the heap's order of ties: a rule
// the multi-threaded pipeline, each worker with its own heap, can repeat.
void FlowTable::expire_due() {
    std::uint32_t idx = expiry_.pop_due(now_);
    if (idx == Expiry::kNone) return prefetch_.after_expiry(expiry_, slots_, false);  // most segments
    due_.clear();
    for (; idx != Expiry::kNone; idx = expiry_.pop_due(now_)) due_.push_back(idx);
    if (due_.size() > 1)
        std::sort(due_.begin(), due_.end(),
                  [this](std::uint32_t a, std::uint32_t b) { return slots_.at(a).id() < slots_.at(b).id(); });
    for (const std::uint32_t i : due_) end(i, due_reason(slots_.at(i), now_));
    prefetch_.after_expiry(expiry_, slots_, true);
}

// In LRU order: the parked connections first, in the order they were
// parked (park_some), then the unpacked ones.
void FlowTable::expire_idle() {
    const TimeNs idle = config_.idle_timeout;
    while (const std::optional<std::uint32_t> handle = parking_.pop_idle(now_, idle)) {
        const std::uint32_t idx = unpark(*handle, std::nullopt);
        index_.replace(Ref::parked(*handle).bits(), Ref::slot(idx).bits(), hasher_(slots_.at(idx).key()));
        end(idx, EndReason::idle);
    }
    if (parking_.ordered()) return;  // a parked one not yet idle: so is every unpacked one
    for (std::uint32_t i; (i = expiry_.lru_head()) != Expiry::kNone && slots_.at(i).last_ts() + idle <= now_;)
        end(i, EndReason::idle);
}

// ---------------------------------------------------------------------------
// Eviction: a full table makes room for a new connection
// ---------------------------------------------------------------------------

FlowTable::Ref FlowTable::find_by_id(std::uint64_t hash, std::uint64_t id) const {
    return Ref(index_.find_hash(hash, [&](std::uint32_t bits) {
        const Ref r(bits);
        return (r.is_parked() ? parking_.id(r.handle()) : slots_.at(r.slot()).id()) == id;
    }));
}

// A parked connection's half-open kind was kept as its tag (it cannot
// change without a segment): looking does not unpack it, which would move
// it to the end of the LRU order.
std::optional<EvictionKind> FlowTable::half_open_kind_of(Ref r) const {
    if (!r.is_parked()) return half_open_kind(slots_.at(r.slot()));
    const std::uint8_t tag = parking_.tag(r.handle());
    return tag == 0 ? std::nullopt : std::optional(static_cast<EvictionKind>(tag - 1));
}

bool FlowTable::may_be_half_open(const HalfOpenQueue::Entry& e) const {
    const Ref r = find_by_id(e.hash, e.id);
    return !r.none() && half_open_kind_of(r).has_value();
}

void FlowTable::make_room() {
    while (const std::optional<HalfOpenQueue::Entry> e = half_open_.pop()) {
        const Ref r = find_by_id(e->hash, e->id);
        if (r.none()) continue;  // ended since
        const std::optional<EvictionKind> kind = half_open_kind_of(r);
        if (!kind) continue;
        return evict(r.is_parked() ? unpark(r.handle(), e->hash) : r.slot(), *kind);
    }
    evict_oldest_idle();
}

// No half-open one left: first one waiting out its linger or TIME_WAIT,
// the soonest due (it ends as it would have, a little early, and loses
// nothing), then the least recently used, the parked ones first.
void FlowTable::evict_oldest_idle() {
    std::uint32_t idx = expiry_.pop_earliest();
    if (idx != Expiry::kNone) return end(idx, due_reason(slots_.at(idx), now_));
    if (const std::optional<std::uint32_t> handle = parking_.pop_oldest()) {
        idx = unpark(*handle, std::nullopt);
        index_.replace(Ref::parked(*handle).bits(), Ref::slot(idx).bits(), hasher_(slots_.at(idx).key()));
    } else if ((idx = expiry_.lru_head()) == Expiry::kNone) {
        return;
    }
    evict(idx, EvictionKind::idle);
}

void FlowTable::evict(std::uint32_t idx, EvictionKind kind) {
    stats_.evicted[static_cast<std::size_t>(kind)]++;
    end(idx, EndReason::evicted);
}

void FlowTable::advance(TimeNs now) {
    now_ = std::max(now_, now);
    expire_due();
    if (config_.idle_timeout > 0) expire_idle();
}

void FlowTable::on_segment(const Segment& seg) {
    stats_.segments++;
    advance(seg.ts);
    bool forward = true;
    const FlowKey key = FlowKey::of(seg, forward);
    const std::uint64_t h = hasher_(key);
    const Ref found(index_.find(key, h));
    std::uint32_t idx = found.none() ? Ref::kNone : found.is_parked() ? unpark(found.handle(), h) : found.slot();
    std::optional<TimeWaitCollision> held;
    TimeNs held_until = 0;
    if (idx != Ref::kNone && slots_.at(idx).is_new_connection(seg, forward)) {
        held = slots_.at(idx).time_wait_collision_for(seg, forward);
        held_until = slots_.at(idx).time_wait_deadline();
        end(idx, EndReason::superseded);
        idx = Ref::kNone;
    }
    if (idx == Ref::kNone) {
        if (remembered_.absorbs(h, seg, now_)) return;
        if (config_.max_connections > 0 && open_ >= config_.max_connections) make_room();
        idx = create(key, h, seg, forward);
        if (held) slots_.at(idx).inherit_time_wait(*held, held_until);
    } else {
        expiry_.touch(idx);
    }
    slots_.at(idx).on_segment(seg, forward);
    schedule(idx);
    if (open_ - parking_.size() > config_.max_unparked) park_some(seg.frame);
}

void FlowTable::flush() {
    // Every open connection is in the index, as a slot or parked.
    std::vector<Ref> open;
    open.reserve(open_);
    index_.for_each_slot([&](std::uint32_t bits) { open.push_back(Ref(bits)); });
    auto id_of = [this](Ref r) { return r.is_parked() ? parking_.id(r.handle()) : slots_.at(r.slot()).id(); };
    std::sort(open.begin(), open.end(), [&](Ref a, Ref b) { return id_of(a) < id_of(b); });
    // Every connection ends: the index is emptied in one pass afterwards
    // rather than entry by entry (a cache miss each when a million are
    // open).
    for (const Ref ref : open) {
        const std::uint32_t idx = ref.is_parked() ? unpark(ref.handle(), std::nullopt) : ref.slot();
        end(idx, EndReason::capture_end, false);
    }
    index_.clear();
    parking_.clear_order();
}

}  // namespace tfe
