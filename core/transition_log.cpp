#include "core/transition_log.hpp"

#include "core/zigzag.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tfe {

namespace {

static_assert(std::endian::native == std::endian::little,
              "numbers are stored as the low bytes of a little-endian word");

constexpr int kFields = 6;
constexpr std::uint64_t kWidthMask[9] = {
    0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ~0ull};

// Bytes needed for v: 0 for 0, up to 8.
unsigned width_of(std::uint64_t v) { return v == 0 ? 0u : (71u - static_cast<unsigned>(__builtin_clzll(v))) / 8u; }

int sender_index(const Transition& t) { return static_cast<int>(cause_sender(t)); }

}  // namespace

TransitionLog::TransitionLog(const TransitionLog& o)
    : size_(o.size_), capacity_(o.capacity_), count_(o.count_),
      prev_seq_{o.prev_seq_[0], o.prev_seq_[1]}, prev_ack_{o.prev_ack_[0], o.prev_ack_[1]} {
    if (o.heap_) heap_ = std::make_unique_for_overwrite<std::uint8_t[]>(capacity_);
    std::memcpy(data(), o.data(), size_);
}

TransitionLog& TransitionLog::operator=(const TransitionLog& o) {
    if (this != &o) *this = TransitionLog(o);
    return *this;
}

void TransitionLog::grow(std::size_t need) {
    const std::size_t capacity = std::max<std::size_t>(need, 2 * std::size_t{capacity_});
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    std::memcpy(bigger.get(), data(), size_);
    heap_ = std::move(bigger);
    capacity_ = static_cast<std::uint32_t>(capacity);
}

void TransitionLog::append(const Transition& t, Base base) {
    if (size_ + kMaxEncoded + kSlack > capacity_) grow(size_ + kMaxEncoded + kSlack);
    const int s = sender_index(t);
    const std::uint64_t numbers[kFields] = {
        zigzag(t.ts - base.ts),
        zigzag(static_cast<std::int64_t>(t.frame - base.frame)),
        zigzag(static_cast<std::int64_t>(t.cause_frame - t.frame)),
        zigzag(distance(prev_seq_[s], t.seq)),
        zigzag(distance(prev_ack_[s], t.ack)),
        t.seq_len,
    };
    prev_seq_[s] = t.seq;
    prev_ack_[s] = t.ack;

    std::uint8_t* const start = data() + size_;
    std::uint8_t* p = start + 7;
    std::uint32_t widths = 0;
    for (int i = 0; i < kFields; ++i) {
        const unsigned w = width_of(numbers[i]);
        std::memcpy(p, &numbers[i], 8);
        p += w;
        widths |= w << (4 * i);
    }
    start[0] = static_cast<std::uint8_t>(static_cast<unsigned>(t.endpoint) | static_cast<unsigned>(t.delivery) << 1 |
                                         static_cast<unsigned>(t.input) << 4);
    start[1] = static_cast<std::uint8_t>(static_cast<unsigned>(t.from) | static_cast<unsigned>(t.to) << 4);
    start[2] = t.flags.bits;
    start[3] = t.crossing;
    start[4] = static_cast<std::uint8_t>(widths);
    start[5] = static_cast<std::uint8_t>(widths >> 8);
    start[6] = static_cast<std::uint8_t>(widths >> 16);
    size_ += static_cast<std::uint32_t>(p - start);
    ++count_;
}

void TransitionLog::decode(std::vector<Transition>& out, Base base) const {
    out.resize(count_);
    SeqNum seq[2], ack[2];
    const std::uint8_t* p = data();
    for (Transition& t : out) {
        t.endpoint = static_cast<Side>(p[0] & 1);
        t.delivery = static_cast<Delivery>((p[0] >> 1) & 7);
        t.input = static_cast<Input>(p[0] >> 4);
        t.from = static_cast<State>(p[1] & 15);
        t.to = static_cast<State>(p[1] >> 4);
        t.flags = TcpFlags(p[2]);
        t.crossing = p[3];
        std::uint32_t widths = p[4] | std::uint32_t{p[5]} << 8 | std::uint32_t{p[6]} << 16;
        p += 7;
        std::uint64_t n[kFields];
        for (std::uint64_t& v : n) {
            const unsigned w = widths & 15;
            widths >>= 4;
            std::memcpy(&v, p, 8);
            v &= kWidthMask[w];
            p += w;
        }
        const int s = sender_index(t);
        t.ts = base.ts + unzigzag(n[0]);
        t.frame = base.frame + static_cast<std::uint64_t>(unzigzag(n[1]));
        t.cause_frame = t.frame + static_cast<std::uint64_t>(unzigzag(n[2]));
        seq[s] = t.seq = seq[s] + static_cast<std::uint32_t>(unzigzag(n[3]));
        ack[s] = t.ack = ack[s] + static_cast<std::uint32_t>(unzigzag(n[4]));
        t.seq_len = static_cast<std::uint32_t>(n[5]);
    }
}

}  // namespace tfe
