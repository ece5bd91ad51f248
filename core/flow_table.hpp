// All connections of a capture, streamed: a finished connection is handed
// to the sink and freed, so memory follows the number of connections open
// at the same time, not the size of the capture.
//
// "Finished" means settled (both endpoints CLOSED or in TIME_WAIT once what
// is in flight arrives) and then a short linger (2 s of capture time)
// without segments, long enough to see the first retransmissions of a FIN
// whose last ACK was lost. A connection is not kept through TIME_WAIT's
// whole 2*MSL (60 s on Linux): on a busy server that would hold most
// connections of the last minute. Only its 4-tuple is remembered until
// then (RememberedTuples), and a new SYN on the 4-tuple starts a new one.
//
// The table routes each segment to its connection and decides what
// happens to connections; the machinery is in its parts:
//   ConnectionSlots   where open connections live (connection_slots.hpp)
//   FlowIndex         4-tuple -> slot or parked handle (flow_index.hpp)
//   Expiry            LRU for idleness, deadlines for linger and TIME_WAIT
//   ParkingLot        connections packed away while untouched
//   RememberedTuples  reported connections' 4-tuples until 2*MSL
//   ReportPrefetch    the next report's memory, asked for ahead
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/connection.hpp"
#include "core/connection_slots.hpp"
#include "core/eviction.hpp"
#include "core/expiry.hpp"
#include "core/flow_index.hpp"
#include "core/flow_key.hpp"
#include "core/parked_census.hpp"
#include "core/parking_lot.hpp"
#include "core/remembered_tuples.hpp"
#include "core/report_prefetch.hpp"
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
    std::uint64_t hash_seed = 0;             // 0: pick a random seed
    // How many open connections stay unpacked before the table parks those
    // no segment has touched lately (a third of the memory each; see
    // FlowTable). 16384 is 11 MiB. 0 parks every connection after each of
    // its segments (tests: parking must change nothing).
    std::size_t max_unparked = 16384;
    // The most connections open at once, parked ones included (0: no cap).
    // When full, a new connection first ends another (eviction.hpp). A
    // million open established connections take about 240 MiB; the default
    // keeps a flood's peak near 150 MiB.
    std::size_t max_connections = 500000;
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
    std::uint64_t late_connection_count = 0;  // the reported connections they came for...
    SmallestIds late_connections;             // ...the smallest ids
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
    // Connections ended to make room (max_connections), by EvictionKind
    // (also counted in ended[evicted]).
    EvictionCounts evicted{};
    // Entries in the half-open queue now (stale ones included).
    std::uint64_t half_open_queued = 0;
    // ICMP errors quoting TCP, and those whose 4-tuple had no open connection.
    std::uint64_t icmp_errors = 0;
    std::uint64_t icmp_unmatched = 0;
};

class FlowTable {
public:
    FlowTable(const FlowTableConfig& config, ConnectionSink& sink);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    void on_segment(const Segment& seg);
    // Notes an ICMP error on the connection of the 4-tuple it quotes
    // (flow_table_icmp.cpp); counted as unmatched when none is open.
    void on_icmp_error(const IcmpError& error);
    // Finishes expired connections up to capture time `now` (live mode
    // calls this on a wall-clock tick).
    void advance(TimeNs now);
    // End of input: finishes everything still open, in order of id.
    void flush();

    std::size_t open_connections() const { return open_; }
    // Connections made so far (the multi-threaded pipeline notes the
    // segment that made each one, to number them as one table would).
    std::uint64_t connections_created() const { return stats_.connections; }
    std::size_t parked_connections() const { return parking_.size(); }
    const ParkedCensus& parked_census() const { return parked_census_; }
    // Whether a segment on this 4-tuple now would be counted as late.
    bool remembers(const Segment& seg) const;
    FlowTableStats stats() const;
    TimeNs now() const { return now_; }
    const FlowTableConfig& config() const { return config_; }
    // Calls f(const Connection&) for each open connection that is not
    // parked (parked ones are untouched lately; unpacking them all to look
    // would cost a microsecond each).
    template <class F>
    void for_each_unparked(F&& f) const {
        for (std::uint32_t i = 0; i < slots_.count(); ++i)
            if (slots_.occupied(i)) f(slots_.at(i));
    }

private:
    // What an index entry names: a slot, or a parked connection's handle.
    class Ref {
    public:
        static constexpr std::uint32_t kNone = 0xffffffffu;
        static Ref slot(std::uint32_t idx) { return Ref(idx); }
        static Ref parked(std::uint32_t handle) { return Ref(handle | kParkedBit); }
        explicit Ref(std::uint32_t bits) : bits_(bits) {}
        bool none() const { return bits_ == kNone; }
        bool is_parked() const { return (bits_ & kParkedBit) != 0; }
        std::uint32_t slot() const { return bits_; }
        std::uint32_t handle() const { return bits_ & ~kParkedBit; }
        std::uint32_t bits() const { return bits_; }

    private:
        static constexpr std::uint32_t kParkedBit = ParkingLot::kMaxHandles;
        std::uint32_t bits_;
    };
    struct RefKey {
        const FlowTable* table;
        bool operator()(std::uint32_t ref, const FlowKey& key) const;
    };

    std::uint32_t create(const FlowKey& key, std::uint64_t hash, const Segment& seg, bool forward);
    // Reports and frees connection `idx`. `unindex` false: the caller
    // empties the whole index afterwards (flush), so its entry is left.
    void end(std::uint32_t idx, EndReason why, bool unindex = true);
    // The next moment connection `idx` should be looked at without a segment.
    void schedule(std::uint32_t idx);
    void expire_due();
    void expire_idle();
    // The table is full: ends the oldest half-open connection, or else the
    // oldest idle one.
    void make_room();
    void evict_oldest_idle();
    void evict(std::uint32_t idx, EvictionKind kind);
    // The open connection with this 4-tuple hash and id, or none.
    Ref find_by_id(std::uint64_t hash, std::uint64_t id) const;
    // The half-open kind of a slot or a parked connection (from its tag:
    // looking does not unpack it).
    std::optional<EvictionKind> half_open_kind_of(Ref r) const;
    // Whether a half-open queue entry still names a half-open connection.
    bool may_be_half_open(const HalfOpenQueue::Entry& e) const;
    // Parks connections not touched lately while too many are unpacked.
    void park_some(std::uint64_t frame);
    void park_least_recent(std::uint64_t frame);
    void park(std::uint32_t idx);
    // Unpacks parked connection `handle` into a slot and returns it. With
    // its 4-tuple's `hash` the index entry is pointed at the slot; without,
    // the caller sees to the index.
    std::uint32_t unpark(std::uint32_t handle, std::optional<std::uint64_t> hash);

    FlowTableConfig config_;
    ConnectionSink& sink_;
    FlowHasher hasher_;
    FlowIndex<RefKey> index_;
    ConnectionSlots slots_;
    Expiry expiry_;
    ParkingLot parking_;
    ParkedCensus parked_census_;
    RememberedTuples remembered_;
    ReportPrefetch prefetch_;
    HalfOpenQueue half_open_;
    std::uint32_t clock_hand_ = 0;    // the next slot park_some looks at
    std::size_t open_ = 0;            // unpacked and parked
    std::uint64_t next_id_ = 1;
    TimeNs now_ = 0;
    std::vector<std::uint32_t> due_;  // expire_due's slots, reused
    FlowTableStats stats_;            // what the table itself counts
};

}  // namespace tfe
