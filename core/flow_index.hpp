// Open-addressing tables keyed by the seeded 4-tuple hash: linear probing,
// backward-shift deletion (no tombstones).
//
// FlowIndex maps a FlowKey to a 32-bit slot number.
//
// Each entry keeps the low 32 bits of its key's hash. They pick the home
// bucket (so growing and deleting never re-hash or touch the records) and
// filter key compares: a probe only reads a record whose 32 hash bits match.
// The records themselves live elsewhere; `Matches(slot, key)` says whether
// a slot holds a key.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/flow_key.hpp"
#include "core/table_memory.hpp"

namespace tfe {

template <class T>
using TableVector = std::vector<T, TableAllocator<T>>;

// Linear probing over a power-of-two vector of entries, shared by both
// tables. An entry says whether it is empty() and gives the hash bits that
// choose its home bucket (home()).
namespace probing {

// Puts `e` in the first empty bucket from its home on.
template <class Entry>
void place(TableVector<Entry>& table, const Entry& e) {
    const std::size_t mask = table.size() - 1;
    std::size_t i = e.home() & mask;
    while (!table[i].empty()) i = (i + 1) & mask;
    table[i] = e;
}

// Empties bucket `i` by backward shift: later entries of its probe run move
// into the hole unless their home lies cyclically in (hole, their bucket],
// so every entry stays reachable from its home without tombstones.
template <class Entry>
void remove_at(TableVector<Entry>& table, std::size_t i) {
    const std::size_t mask = table.size() - 1;
    for (std::size_t j = (i + 1) & mask; !table[j].empty(); j = (j + 1) & mask) {
        const std::size_t home = table[j].home() & mask;
        const bool home_between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            table[i] = table[j];
            i = j;
        }
    }
    table[i] = Entry{};
}

}  // namespace probing

template <class Matches>
class FlowIndex {
public:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    explicit FlowIndex(Matches matches, std::size_t initial = 1024) : matches_(matches), entries_(initial) {
        mask_ = entries_.size() - 1;
    }

    // Asks for the cache line where a lookup or erase of `hash` starts.
    void prefetch(std::uint64_t hash) const {
        __builtin_prefetch(&entries_[static_cast<std::uint32_t>(hash) & mask_]);
    }

    std::uint32_t find(const FlowKey& key, std::uint64_t hash) const {
        const auto h = static_cast<std::uint32_t>(hash);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Entry& e = entries_[i];
            if (e.slot == kNone) return kNone;
            if (e.hash == h && matches_(e.slot, key)) return e.slot;
        }
    }

    // The first slot under `hash` that `accept(slot)` takes, or kNone: for
    // a caller that kept a hash and an id rather than the key (eviction).
    template <class Accept>
    std::uint32_t find_hash(std::uint64_t hash, Accept&& accept) const {
        const auto h = static_cast<std::uint32_t>(hash);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Entry& e = entries_[i];
            if (e.slot == kNone) return kNone;
            if (e.hash == h && accept(e.slot)) return e.slot;
        }
    }

    void insert(std::uint32_t slot, std::uint64_t hash) {
        if ((size_ + 1) * 2 > entries_.size()) grow();
        probing::place(entries_, Entry{slot, static_cast<std::uint32_t>(hash)});
        ++size_;
    }

    // `slot` must be in the index under `hash`.
    void erase(std::uint32_t slot, std::uint64_t hash) {
        probing::remove_at(entries_, position_of(slot, hash));
        --size_;
    }

    // The key under `hash` moved from slot `from` to slot `to`.
    void replace(std::uint32_t from, std::uint32_t to, std::uint64_t hash) {
        entries_[position_of(from, hash)].slot = to;
    }

    std::size_t size() const { return size_; }

    template <class F>
    void for_each_slot(F&& f) const {
        for (const Entry& e : entries_)
            if (!e.empty()) f(e.slot);
    }

    // Forgets every slot at once (one sequential pass), keeping the room.
    void clear() {
        std::fill(entries_.begin(), entries_.end(), Entry{});
        size_ = 0;
    }

private:
    struct Entry {
        std::uint32_t slot = kNone;
        std::uint32_t hash = 0;  // low 32 bits of the key's hash
        bool empty() const { return slot == kNone; }
        std::uint32_t home() const { return hash; }
    };

    // The bucket holding `slot`, which must be in the index under `hash`.
    std::size_t position_of(std::uint32_t slot, std::uint64_t hash) const {
        std::size_t i = static_cast<std::uint32_t>(hash) & mask_;
        while (entries_[i].slot != slot) i = (i + 1) & mask_;
        return i;
    }

    void grow() {
        TableVector<Entry> bigger(entries_.size() * 2);
        for (const Entry& e : entries_)
            if (!e.empty()) probing::place(bigger, e);
        entries_.swap(bigger);
        mask_ = entries_.size() - 1;
    }

    Matches matches_;
    TableVector<Entry> entries_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

// A set of 64-bit key hashes, each with a deadline (never 0): what is left
// of a connection once it has been reported. Expired entries are not
// removed one by one (that would cost a cache miss each): when the table
// fills up, one sequential sweep drops everything expired, and the table
// grows only if what is left still fills a quarter of it.
class HashDeadlines {
public:
    explicit HashDeadlines(std::size_t initial = 1024)
        : entries_(initial), spare_(initial), mask_(initial - 1) {}

    // The deadline stored for `hash` (possibly past), or 0.
    TimeNs find(std::uint64_t hash) const { return entries_[bucket_of(hash)].until; }
    // Marks the entry of `hash`: the id stored with it the first time, 0
    // when it was marked before (or is not there).
    std::uint64_t mark(std::uint64_t hash) {
        Entry& e = entries_[bucket_of(hash)];
        if (e.empty() || (e.id & kMarked)) return 0;
        const std::uint64_t id = e.id;
        e.id |= kMarked;
        return id;
    }

    // Asks for the cache line where `hash` would be put or found.
    void prefetch(std::uint64_t hash) const { __builtin_prefetch(&entries_[hash & mask_]); }

    // Inserts, or moves an existing deadline. `now` decides what a sweep
    // may drop.
    void put(std::uint64_t hash, TimeNs until, TimeNs now, std::uint64_t id = 0) {
        if ((size_ + 1) * 2 > entries_.size()) sweep(now);
        Entry& e = entries_[bucket_of(hash)];
        if (e.empty()) ++size_;
        e = {hash, until, id};
    }

    void erase(std::uint64_t hash) {
        const std::size_t i = bucket_of(hash);
        if (entries_[i].empty()) return;
        probing::remove_at(entries_, i);
        --size_;
    }

    // Entries held, expired ones not yet swept included.
    std::size_t size() const { return size_; }

private:
    static constexpr std::uint64_t kMarked = std::uint64_t{1} << 63;
    struct Entry {
        std::uint64_t hash = 0;
        TimeNs until = 0;  // 0: empty
        std::uint64_t id = 0;  // what the hash stands for (a reported connection's id)
        bool empty() const { return until == 0; }
        std::uint64_t home() const { return hash; }
    };

    // Where `hash` is, or the empty bucket where its probe run ends.
    std::size_t bucket_of(std::uint64_t hash) const {
        std::size_t i = hash & mask_;
        while (!entries_[i].empty() && entries_[i].hash != hash) i = (i + 1) & mask_;
        return i;
    }

    // Rehashes what has not expired by `now` into the spare array (doubled
    // if it would stay over a quarter full); the two arrays then swap, so a
    // steady state allocates nothing.
    void sweep(TimeNs now) {
        std::size_t live = 0;
        for (const Entry& e : entries_) live += e.until > now;
        const std::size_t capacity = (live + 1) * 4 > entries_.size() ? entries_.size() * 2 : entries_.size();
        if (spare_.size() != capacity) spare_.assign(capacity, Entry{});
        else std::fill(spare_.begin(), spare_.end(), Entry{});
        for (const Entry& e : entries_)
            if (e.until > now) probing::place(spare_, e);
        entries_.swap(spare_);
        mask_ = capacity - 1;
        size_ = live;
    }

    TableVector<Entry> entries_, spare_;
    std::size_t mask_;
    std::size_t size_ = 0;
};

}  // namespace tfe
