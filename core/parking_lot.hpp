// Open connections packed away while no segment touches them: about 200
// bytes each (ParkedConnection) in a ParkedStore instead of a 704-byte
// slot. The next segment of a parked connection, or its report, unpacks it
// again, exactly as it was. A capture with a million connections open at
// once fits in a quarter of the memory; one with a few thousand never
// parks. Which connections to park is the flow table's policy; this owns
// the bytes, their handles and, with an idle timeout, their order.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>

#include "core/connection.hpp"
#include "core/parked_connection.hpp"
#include "core/parked_store.hpp"

namespace tfe {

struct ParkingStats {
    std::uint64_t parks = 0;
    std::uint64_t unparks = 0;
    std::uint64_t peak_parked = 0;
    std::uint64_t peak_parked_bytes = 0;  // their byte strings, at most
};

class ParkingLot {
public:
    // Handles stay below this: a flow index entry can be a slot or one.
    static constexpr std::uint32_t kMaxHandles = ParkedStore::kMaxHandles;

    // `keep_order`: remember the order connections were parked in, for
    // idle expiry (oldest_idle).
    ParkingLot(bool keep_order, const TrackerConfig* config) : keep_order_(keep_order), config_(config) {}

    // Packs `c` and returns its handle; the caller then frees c's slot
    // without destroying anything c owned. nullopt when the store is full:
    // `c` is then as it was and stays where it is. With keep_order a byte
    // `tag` of the caller's is kept beside it, to be read without unpacking.
    std::optional<std::uint32_t> park(Connection& c, std::uint8_t tag = 0);
    // Builds parked connection `handle` in `storage` and forgets the bytes.
    Connection* unpark(std::uint32_t handle, void* storage);
    // Destroys a parked connection without unpacking it anywhere lasting
    // (the table is going away without a flush).
    void discard(std::uint32_t handle);

    std::uint64_t id(std::uint32_t handle) const { return ParkedConnection::id(bytes(handle)); }
    std::uint8_t tag(std::uint32_t handle) const { return keep_order_ ? store_.at(handle)[kSerialBytes] : 0; }
    bool key_is(std::uint32_t handle, const FlowKey& key) const {
        return ParkedConnection::key_is(bytes(handle), key);
    }

    // With keep_order: the connection parked longest ago, if `idle` has
    // passed since its last segment by `now`; it is then out of the order.
    // (Called for every segment: inline.)
    std::optional<std::uint32_t> pop_idle(TimeNs now, TimeNs idle) {
        while (!order_.empty()) {
            const Parked q = order_.front();
            if (!still_parked(q)) {
                order_.pop_front();
                continue;
            }
            if (q.last_ts + idle > now) return std::nullopt;
            order_.pop_front();
            return q.handle;
        }
        return std::nullopt;
    }
    // With keep_order: the connection parked longest ago, whatever its
    // idleness (eviction); it is then out of the order.
    std::optional<std::uint32_t> pop_oldest() { return pop_idle(std::numeric_limits<TimeNs>::max(), 0); }
    // Whether the order still lists a parked connection (after pop_idle:
    // one not yet idle).
    bool ordered() const { return !order_.empty(); }
    void clear_order() { order_.clear(); }

    std::size_t size() const { return parked_; }
    const ParkingStats& stats() const { return stats_; }

private:
    // With keep_order a parked string starts with a serial number (never
    // 0; zeroed when unparked) and the tag, and order_ lists them in the
    // order they were parked: an entry whose string no longer holds its
    // serial was unparked since.
    static constexpr std::size_t kSerialBytes = 4;
    static constexpr std::size_t kPrefixBytes = kSerialBytes + 1;
    struct Parked {
        std::uint32_t handle;
        std::uint32_t serial;
        TimeNs last_ts;
    };
    std::size_t prefix() const { return keep_order_ ? kPrefixBytes : 0; }
    const std::uint8_t* bytes(std::uint32_t handle) const { return store_.at(handle) + prefix(); }
    bool still_parked(const Parked& q) const {
        std::uint32_t serial;
        std::memcpy(&serial, store_.at(q.handle), sizeof serial);
        return serial == q.serial;
    }
    void note_parked(std::uint32_t handle, std::uint32_t serial, TimeNs last_ts);

    bool keep_order_;
    const TrackerConfig* config_;
    ParkedStore store_;
    std::uint32_t next_serial_ = 1;
    std::deque<Parked> order_;
    std::size_t parked_ = 0;
    ParkingStats stats_;
};

}  // namespace tfe
