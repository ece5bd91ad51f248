// All connections of a capture, streamed: a finished connection is handed
// to the sink and freed at once, so memory follows the number of
// connections open at the same time, not the size of the capture.
//
// The index is an open-addressing table (linear probing, backward-shift
// deletion) keyed by a seeded hash of the 4-tuple. Connections live in a
// slab whose freed slots are reused; their storage comes in fixed chunks
// that never move, so a steady state allocates nothing. Expiry runs on capture time: an LRU
// list for idleness and a min-heap of deadlines for TIME_WAIT's 2*MSL and
// for closed connections' short linger (which absorbs stray segments after
// an RST instead of opening a bogus new connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <queue>
#include <vector>

#include "core/connection.hpp"
#include "core/flow_key.hpp"
#include "core/segment.hpp"

namespace tfe {

class ConnectionSink {
public:
    virtual ~ConnectionSink() = default;
    // Called once per connection, after Connection::finish().
    virtual void on_connection(const Connection& c) = 0;
};

struct FlowTableConfig {
    TrackerConfig tracker;
    TimeNs idle_timeout = 0;                 // 0: never expire idle connections
    TimeNs closed_linger = 2'000'000'000;    // keep a fully closed connection 2 s
    std::uint64_t hash_seed = 0;             // 0: pick a random seed
};

struct FlowTableStats {
    std::uint64_t segments = 0;
    std::uint64_t connections = 0;
    std::uint64_t peak_open = 0;
    std::uint64_t ended[5] = {};  // by EndReason
};

class FlowTable {
public:
    FlowTable(const FlowTableConfig& config, ConnectionSink& sink);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    void on_segment(const Segment& seg);
    // Finishes expired connections up to capture time `now` (live mode
    // calls this on a wall-clock tick).
    void advance(TimeNs now);
    // End of input: finishes everything still open, in order of id.
    void flush();

    std::size_t open_connections() const { return live_; }
    const FlowTableStats& stats() const { return stats_; }
    TimeNs now() const { return now_; }

private:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    struct Slot {                       // one index entry
        std::uint32_t conn = kNone;     // slab index
        std::uint32_t tag = 0;          // low hash bits, to skip most key compares
    };
    struct Entry {                      // one slab entry
        Connection* conn = nullptr;     // in pool_, constructed in place; null: free
        std::uint32_t lru_prev = kNone, lru_next = kNone;
        std::uint32_t generation = 0;   // bumped on free: stale heap entries skip
        TimeNs deadline = 0;
    };
    struct Deadline {
        TimeNs at;
        std::uint32_t conn;
        std::uint32_t generation;
        bool operator>(const Deadline& o) const { return at > o.at; }
    };

    std::uint32_t find(const FlowKey& key, std::uint64_t hash) const;
    void insert_index(std::uint32_t conn, std::uint64_t hash);
    void erase_index(const FlowKey& key, std::uint64_t hash);
    void grow();
    std::uint32_t create(const FlowKey& key, const Segment& seg, bool forward);
    void end(std::uint32_t idx, EndReason why);
    void lru_unlink(std::uint32_t idx);
    void lru_push_back(std::uint32_t idx);
    void schedule(std::uint32_t idx);
    void* storage_of(std::uint32_t idx);

    FlowTableConfig config_;
    ConnectionSink& sink_;
    FlowHasher hasher_;
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::vector<Entry> slab_;
    // Storage for slab_[i].conn: chunk i / kPoolChunk, place i % kPoolChunk.
    static constexpr std::size_t kPoolChunk = 1024;
    struct alignas(Connection) ConnectionStorage {
        std::byte bytes[sizeof(Connection)];
    };
    std::vector<std::unique_ptr<ConnectionStorage[]>> pool_;
    std::vector<std::uint32_t> free_;
    std::uint32_t lru_head_ = kNone, lru_tail_ = kNone;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
    std::size_t live_ = 0;
    std::uint64_t next_id_ = 1;
    TimeNs now_ = 0;
    FlowTableStats stats_;
};

}  // namespace tfe
