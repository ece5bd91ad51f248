#include "core/parking_lot.hpp"

#include <algorithm>
#include <cstring>

namespace tfe {

std::optional<std::uint32_t> ParkingLot::park(Connection& c, std::uint8_t tag) {
    static_assert(kPrefixBytes + ParkedConnection::kMaxBytes <= ParkedStore::kMaxBytes);
    std::uint8_t bytes[kPrefixBytes + ParkedConnection::kMaxBytes];
    const TimeNs last_ts = c.last_ts();
    std::uint32_t serial = 0;
    if (keep_order_) {
        if (next_serial_ == 0) next_serial_ = 1;  // 0 marks an unparked string
        serial = next_serial_++;
        std::memcpy(bytes, &serial, sizeof serial);
        bytes[kSerialBytes] = tag;
    }
    const std::size_t n = prefix() + ParkedConnection::pack(c, bytes + prefix());
    const std::uint32_t handle = store_.put(bytes, n);
    if (handle == ParkedStore::kNone) {  // full: what c owned comes back to it
        std::size_t length;
        c.~Connection();
        ParkedConnection::unpack(&c, bytes + prefix(), config_, length);
        return std::nullopt;
    }
    if (keep_order_) note_parked(handle, serial, last_ts);
    ++parked_;
    stats_.parks++;
    stats_.peak_parked = std::max<std::uint64_t>(stats_.peak_parked, parked_);
    stats_.peak_parked_bytes = std::max<std::uint64_t>(stats_.peak_parked_bytes, store_.bytes());
    return handle;
}

void ParkingLot::note_parked(std::uint32_t handle, std::uint32_t serial, TimeNs last_ts) {
    order_.push_back({handle, serial, last_ts});
    // Unparked connections leave their entries behind: drop them once they
    // are half of the queue.
    if (order_.size() > 2 * (parked_ + 1) + 1024)
        std::erase_if(order_, [this](const Parked& q) { return !still_parked(q); });
}

Connection* ParkingLot::unpark(std::uint32_t handle, void* storage) {
    std::size_t length;
    Connection* c = ParkedConnection::unpack(storage, bytes(handle), config_, length);
    if (keep_order_) std::memset(store_.writable(handle), 0, kSerialBytes);  // no serial is 0
    store_.free(handle, prefix() + length);
    --parked_;
    stats_.unparks++;
    return c;
}

void ParkingLot::discard(std::uint32_t handle) {
    alignas(Connection) std::byte scratch[sizeof(Connection)];
    std::size_t length;
    ParkedConnection::unpack(scratch, bytes(handle), config_, length)->~Connection();
}

}  // namespace tfe
