// All connections of a capture, streamed: a finished connection is handed
// to the sink and freed, so memory follows the number of connections open
// at the same time, not the size of the capture.
//
// "Finished" means settled (both endpoints CLOSED or in TIME_WAIT once what
// is in flight arrives) and then a short linger (2 s of capture time)
// without segments, long enough to see the first retransmissions of a FIN
// whose last ACK was lost.
// A connection is not kept through TIME_WAIT's whole 2*MSL (60 s on Linux):
// on a busy server that would hold most connections of the last minute.
// Only its 4-tuple is remembered until 2*MSL has passed, so a late segment
// is counted against it instead of opening a bogus mid-stream connection,
// and a new SYN on the 4-tuple starts a new one.
//
// Open connections cost about 700 bytes each as objects. When more than
// FlowTableConfig::max_unparked are open, those that no segment has touched
// lately are parked: packed into a byte string of about 200 bytes
// (Connection::park) in a ParkedStore, which the index points at instead
// of a slot. The next segment of a parked connection, or its report,
// unpacks it again, exactly as it was. A capture with a million
// connections open at once fits in a quarter of the memory; one with a
// few thousand never parks.
//
// The indexes are open-addressing tables keyed by a seeded hash of the
// 4-tuple (FlowIndex). Connections live in a slab whose freed slots are
// reused; their storage comes in fixed chunks that never move, so a steady
// state allocates nothing. Expiry runs on capture time: an LRU list for
// idleness, a min-heap of deadlines for the linger and TIME_WAIT; remembered
// 4-tuples are swept out in bulk once they are past their 2*MSL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <queue>
#include <vector>

#include "core/connection.hpp"
#include "core/flow_index.hpp"
#include "core/flow_key.hpp"
#include "core/parked_store.hpp"
#include "core/segment.hpp"
#include "core/table_memory.hpp"

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
    std::uint64_t hash_seed = 0;             // 0: pick a random seed
    // How many open connections stay unpacked before the table parks those
    // no segment has touched lately (a third of the memory each; see
    // FlowTable). 16384 is 11 MiB. 0 parks every connection after each of
    // its segments (tests: parking must change nothing).
    std::size_t max_unparked = 16384;
};

struct FlowTableStats {
    std::uint64_t segments = 0;
    std::uint64_t connections = 0;
    std::uint64_t peak_open = 0;
    std::uint64_t ended[kEndReasons] = {};  // by EndReason
    // Segments on a 4-tuple whose connection was already reported (within
    // 2*MSL of its close): counted here, not analysed.
    std::uint64_t late_segments = 0;
    // ...of which FINs: the peer retransmitting a FIN whose last ACK it
    // never got (the report, already out, showed that ACK arriving).
    std::uint64_t late_fins = 0;
    // The most entries the table of reported 4-tuples held: expired ones
    // count until a sweep drops them (HashDeadlines), so this is an upper
    // bound on how many were still remembered at once.
    std::uint64_t peak_remembered = 0;
    // Connections packed away while open (parking), unpacked again for a
    // segment or their report, and the most parked at once.
    std::uint64_t parks = 0;
    std::uint64_t unparks = 0;
    std::uint64_t peak_parked = 0;
    std::uint64_t peak_parked_bytes = 0;  // their byte strings, at most
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
    std::size_t parked_connections() const { return parked_; }
    // Whether a segment on this 4-tuple now would be counted as late.
    bool remembers(const Segment& seg) const;
    const FlowTableStats& stats() const { return stats_; }
    TimeNs now() const { return now_; }

private:
    static constexpr std::uint32_t kNone = 0xffffffffu;

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
    // An index entry names a slot, or a parked connection's handle with
    // this bit set.
    static constexpr std::uint32_t kParked = ParkedStore::kMaxHandles;
    static bool is_parked(std::uint32_t slot) { return (slot & kParked) != 0; }
    struct ConnectionKey {
        const FlowTable* table;
        bool operator()(std::uint32_t slot, const FlowKey& key) const;
    };

    std::uint32_t create(const FlowKey& key, std::uint64_t hash, const Segment& seg, bool forward);
    // A free slot, its chunk allocated (slot_at is valid), for a new or
    // unparked connection.
    std::uint32_t take_slot();
    // Parks connections not touched lately while too many are unpacked.
    void park_some(std::uint64_t frame);
    void park(std::uint32_t idx);
    // Unpacks parked connection `handle` (index entry `handle | kParked`)
    // into a slot and returns it. With its 4-tuple's `hash` the index entry
    // is pointed at the slot; without, the caller sees to the index.
    std::uint32_t unpark(std::uint32_t handle, std::optional<std::uint64_t> hash);
    // Reports and frees connection `idx`. `unindex` false: the caller
    // empties the whole index afterwards (flush), so its entry is left.
    void end(std::uint32_t idx, EndReason why, bool unindex = true);
    // True when the segment belongs to a reported connection (and is counted).
    bool absorbed_by_remembered(std::uint64_t hash, const Segment& seg);
    void remember(const Connection& c, std::uint64_t hash);
    void lru_unlink(std::uint32_t idx);
    void lru_push_back(std::uint32_t idx);
    void schedule(std::uint32_t idx);
    // Starts fetching what reporting connection `idx` will read.
    void prefetch(std::uint32_t idx) const;
    // The live connection in slot `idx`, found from the slot number alone:
    // a segment's path does not read the slab entry (one cache miss fewer).
    Connection& live_at(std::uint32_t idx) const {
        return *std::launder(reinterpret_cast<Connection*>(slot_at(idx).bytes));
    }

    FlowTableConfig config_;
    ConnectionSink& sink_;
    FlowHasher hasher_;
    FlowIndex<ConnectionKey> index_;
    std::vector<Entry> slab_;
    // Storage for slab_[i].conn: chunk i / kPoolChunk, place i % kPoolChunk.
    // A chunk is one huge page (table_memory.hpp): segments land on random
    // connections.
    static constexpr std::size_t kChunkBytes = kHugePageBytes;
    struct alignas(64) ConnectionStorage {  // whole cache lines
        std::byte bytes[sizeof(Connection)];
    };
    static constexpr std::size_t kPoolChunk = kChunkBytes / sizeof(ConnectionStorage);
    struct FreeChunk {
        void operator()(ConnectionStorage* p) const;
    };
    std::vector<std::unique_ptr<ConnectionStorage[], FreeChunk>> pool_;
    // Slot `idx`'s storage (its chunk must exist), live or not.
    ConnectionStorage& slot_at(std::uint32_t idx) const { return pool_[idx / kPoolChunk][idx % kPoolChunk]; }
    std::vector<std::uint32_t> free_;
    std::uint32_t lru_head_ = kNone, lru_tail_ = kNone;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;

    // Reported connections' 4-tuples, by their full 64-bit seeded hash and
    // until when (TIME_WAIT's end, or 2*MSL after the last segment). A
    // false match needs two 4-tuples with equal keyed 64-bit hashes within
    // a minute: about n/2^64, and not something traffic can aim at.
    HashDeadlines remembered_;

    // The deadline heap's first connection has had its slot prefetched,
    // but not yet what the slot points to (prefetch).
    bool rare_facts_pending_ = false;

    ParkedStore parked_store_;
    // With an idle timeout a parked string starts with a serial number
    // (never 0; zeroed when unparked), and park_order_ lists them in the
    // order they were parked, which is LRU order (park_some): an entry
    // whose string no longer holds its serial was unparked since.
    static constexpr std::size_t kParkPrefix = 4;
    struct ParkOrder {
        std::uint32_t handle;
        std::uint32_t serial;
        TimeNs last_ts;
    };
    std::size_t park_prefix() const { return config_.idle_timeout > 0 ? kParkPrefix : 0; }
    std::uint32_t next_park_serial_ = 1;
    std::deque<ParkOrder> park_order_;
    bool still_parked(const ParkOrder& q) const {
        std::uint32_t serial;
        std::memcpy(&serial, parked_store_.at(q.handle), sizeof serial);
        return serial == q.serial;
    }
    // The connection bytes of parked index entry `slot`.
    const std::uint8_t* parked_bytes(std::uint32_t slot) const {
        return parked_store_.at(slot & ~kParked) + park_prefix();
    }
    std::size_t parked_ = 0;          // of live_
    std::uint32_t clock_hand_ = 0;    // the next slot park_some looks at
    std::size_t live_ = 0;
    std::uint64_t next_id_ = 1;
    TimeNs now_ = 0;
    FlowTableStats stats_;
};

}  // namespace tfe
