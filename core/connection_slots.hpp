// Where open connections live: numbered slots in fixed chunks of one huge
// page each (segments land on random connections), which never move. A
// freed slot is reused first, so a steady state allocates nothing, and a
// slot number is all the flow index needs to name a connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "core/connection.hpp"
#include "core/table_memory.hpp"

namespace tfe {

class ConnectionSlots {
public:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    ConnectionSlots() = default;
    ~ConnectionSlots() {
        for (std::uint32_t i = 0; i < occupied_.size(); ++i)
            if (occupied_[i]) at(i).~Connection();
    }
    ConnectionSlots(const ConnectionSlots&) = delete;
    ConnectionSlots& operator=(const ConnectionSlots&) = delete;

    // Builds a connection in a free slot (`build(storage)` constructs it
    // there) and returns the slot.
    template <class Build>
    std::uint32_t emplace(Build&& build) {
        const std::uint32_t idx = take();
        build(static_cast<void*>(storage_of(idx).bytes));
        occupied_[idx] = true;
        return idx;
    }
    // Destroys slot `idx`'s connection; the slot is reused next.
    void release(std::uint32_t idx) {
        at(idx).~Connection();
        occupied_[idx] = false;
        free_.push_back(idx);
    }

    // The connection in slot `idx`, found from the number alone (no
    // pointer to chase on a segment's path).
    Connection& at(std::uint32_t idx) const {
        return *std::launder(reinterpret_cast<Connection*>(storage_of(idx).bytes));
    }
    bool occupied(std::uint32_t idx) const { return occupied_[idx]; }
    // Slots made so far, occupied or free: valid numbers are below it.
    std::uint32_t count() const { return static_cast<std::uint32_t>(occupied_.size()); }
    // Asks for every line of slot `idx`.
    void prefetch(std::uint32_t idx) const {
        const auto* lines = reinterpret_cast<const char*>(&storage_of(idx));
        for (std::size_t off = 0; off < sizeof(Storage); off += 64) __builtin_prefetch(lines + off);
    }

private:
    struct alignas(64) Storage {  // whole cache lines
        std::byte bytes[sizeof(Connection)];
    };
    static constexpr std::size_t kPerChunk = HugePageBlocks<Storage>::kBytes / sizeof(Storage);

    std::uint32_t take() {
        if (!free_.empty()) {
            const std::uint32_t idx = free_.back();
            free_.pop_back();
            return idx;
        }
        const auto idx = static_cast<std::uint32_t>(occupied_.size());
        occupied_.push_back(false);
        if (idx / kPerChunk >= chunks_.size()) chunks_.add();
        return idx;
    }
    Storage& storage_of(std::uint32_t idx) const { return chunks_.block(idx / kPerChunk)[idx % kPerChunk]; }

    HugePageBlocks<Storage> chunks_;
    std::vector<bool> occupied_;
    std::vector<std::uint32_t> free_;
};

}  // namespace tfe
