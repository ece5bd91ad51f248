// Shared wording for JSON and text: relative sequence numbers, segment
// labels and the cause of each transition, built from core records only.
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "core/connection.hpp"

namespace tfe::analyzer {

struct NumberStyle {
    bool absolute = false;  // -S: raw sequence numbers as on the wire
};

// Sequence number of `sender`'s stream, relative to its ISN unless absolute.
std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st);

// "F. seq 143 ack 268" (the ack is relative to the other side's ISN).
std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st);

// The same, appended to a buffer (the JSON writer's path: no temporaries).
void append_segment_label(fmt::memory_buffer& out, const Connection& c, Side sender, TcpFlags flags,
                          SeqNum seq, SeqNum ack, std::uint32_t payload_len, const NumberStyle& st);

// The side that sent the segment which caused a transition.
inline Side cause_sender(const Transition& t) {
    return t.delivery == Delivery::sent ? t.endpoint : other(t.endpoint);
}

// One sentence: the table's reason, then the facts (packet, numbers, how
// delivery is known).
void append_transition_cause(fmt::memory_buffer& out, const Connection& c, const Transition& t,
                             const NumberStyle& st);

// "2020-06-15 10:49:10.094025" (UTC) and "1592218150.094025".
std::string format_time(TimeNs ts);
void append_epoch(fmt::memory_buffer& out, TimeNs ts);
// "1.234 ms", "2.5 s".
std::string format_duration(TimeNs d);

// The same two as format arguments, fmt::format_to(out, "{}", Utc{ts}):
// written straight into the output, with no string in between (the text
// report prints several per connection).
struct Utc {
    TimeNs ts;
};
struct Duration {
    TimeNs d;
};

}  // namespace tfe::analyzer

template <>
struct fmt::formatter<tfe::analyzer::Utc> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(tfe::analyzer::Utc t, Context& ctx) const {
        // The civil date from std::chrono's calendar rather than gmtime_r and
        // strftime: the same digits, at a fraction of the cost.
        using namespace std::chrono;
        const std::int64_t secs = t.ts / 1'000'000'000;
        const sys_days day = floor<days>(sys_seconds{seconds{secs}});
        const year_month_day ymd{day};
        const std::int64_t in_day = secs - duration_cast<seconds>(day.time_since_epoch()).count();
        return fmt::format_to(ctx.out(), FMT_COMPILE("{}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}"),
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()), in_day / 3600, in_day / 60 % 60, in_day % 60,
                              (t.ts % 1'000'000'000) / 1000);
    }
};

template <>
struct fmt::formatter<tfe::analyzer::Duration> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(tfe::analyzer::Duration v, Context& ctx) const {
        const tfe::TimeNs d = v.d;
        if (d < 1'000'000) return fmt::format_to(ctx.out(), FMT_COMPILE("{:.1f} µs"), static_cast<double>(d) / 1e3);
        if (d < 1'000'000'000) return fmt::format_to(ctx.out(), FMT_COMPILE("{:.3f} ms"), static_cast<double>(d) / 1e6);
        return fmt::format_to(ctx.out(), FMT_COMPILE("{:.3f} s"), static_cast<double>(d) / 1e9);
    }
};
