// Shared wording for JSON and text: relative sequence numbers, segment
// labels and the cause of each transition, built from core records only.
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/vocabulary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

struct NumberStyle {
    bool absolute = false;  // -S: raw sequence numbers as on the wire
};

// The run's interface names (capture/interface_names.hpp), by number - 1.
// A report names a connection's interfaces only when the run has several.
struct InterfaceNaming {
    const std::vector<std::string>* names = nullptr;
    bool several() const { return names != nullptr && names->size() > 1; }
};

// The names of the interfaces in an Endpoint::interfaces mask, in the
// run's order; the last bit, shared by every interface past 31, reads
// "interfaces 32 and later" when there are more than 32.
std::vector<std::string> interface_names_in(std::uint32_t mask, const InterfaceNaming& naming);

// Sequence number of `sender`'s stream, relative to its ISN unless absolute.
std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st);

// An anomaly event's number (what terms(kind).value says it is) as the
// report writes it: a count as it is, a sequence or ack number in the
// stream it belongs to, relative unless absolute. nullopt: none.
std::optional<std::uint32_t> anomaly_value(const Connection& c, const AnomalyEvent& ev, const NumberStyle& st);

// "F. seq 143 ack 268" (the ack is relative to the other side's ISN).
std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st);

// The same, appended to a buffer (the JSON writer's path: no temporaries).
void append_segment_label(fmt::memory_buffer& out, const Connection& c, Side sender, TcpFlags flags,
                          SeqNum seq, SeqNum ack, std::uint32_t payload_len, const NumberStyle& st);

// Anomaly kinds that name a segment the capture missed, proven by the
// peer's ACK (core/inferred.cpp); the event's frame and numbers are the
// proving segment's, its sender the endpoint whose segment was missed.
constexpr bool names_uncaptured(Anomaly a) {
    return a == Anomaly::handshake_ack_not_captured || a == Anomaly::fin_not_captured ||
           a == Anomaly::synack_not_captured;
}
// The first event of that kind the sender's segment was proven by, or nullptr.
const AnomalyEvent* uncaptured_event(const Connection& c, Anomaly a, Side sender);
// The captured_after_its_ack event of the sender's segment at `frame`, or
// nullptr: that segment was proven by an earlier ACK (the event's value).
const AnomalyEvent* late_copy_event(const Connection& c, Side sender, std::uint64_t frame);
// Whether the transition's cause is a segment made from its proof (its
// event says so), captured later or not at all.
bool cause_not_captured(const Connection& c, const Transition& t);

// One sentence: the table's reason, then the facts (packet, numbers, how
// delivery is known). Plain text (core's is_plain_text) by construction:
// the reasons and delivery phrases are checked at compile time, and the
// rest is fixed words, flag letters and digits. The JSON writer relies on
// it and does not escape causes.
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

namespace tfe::analyzer::detail {

// `v` as `width` digits, zero-padded, at `out`.
inline void put_digits(char* out, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

}  // namespace tfe::analyzer::detail

template <>
struct fmt::formatter<tfe::analyzer::Utc> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(tfe::analyzer::Utc t, Context& ctx) const {
        // The civil date from std::chrono's calendar rather than gmtime_r and
        // strftime: the same digits, at a fraction of the cost.
        using namespace std::chrono;
        using tfe::analyzer::detail::put_digits;
        const std::int64_t secs = t.ts / 1'000'000'000;
        const sys_days day = floor<days>(sys_seconds{seconds{secs}});
        const year_month_day ymd{day};
        const std::int64_t in_day = secs - duration_cast<seconds>(day.time_since_epoch()).count();
        if (t.ts < 0)  // before 1970: the year may not have four digits, the fraction is negative
            return fmt::format_to(ctx.out(), FMT_COMPILE("{}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}"),
                                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                  static_cast<unsigned>(ymd.day()), in_day / 3600, in_day / 60 % 60, in_day % 60,
                                  (t.ts % 1'000'000'000) / 1000);
        char text[] = "YYYY-MM-DD HH:MM:SS.uuuuuu";
        put_digits(text, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
        put_digits(text + 5, static_cast<unsigned>(ymd.month()), 2);
        put_digits(text + 8, static_cast<unsigned>(ymd.day()), 2);
        put_digits(text + 11, static_cast<std::uint64_t>(in_day / 3600), 2);
        put_digits(text + 14, static_cast<std::uint64_t>(in_day / 60 % 60), 2);
        put_digits(text + 17, static_cast<std::uint64_t>(in_day % 60), 2);
        put_digits(text + 20, static_cast<std::uint64_t>(t.ts % 1'000'000'000 / 1000), 6);
        return fmt::format_to(ctx.out(), FMT_COMPILE("{}"), std::string_view(text, sizeof text - 1));
    }
};

template <>
struct fmt::formatter<tfe::analyzer::Duration> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
    template <typename Context>
    auto format(tfe::analyzer::Duration v, Context& ctx) const {
        // "148.1 µs", "35.086 ms", "60.000 s": d/1e3 with one decimal, d/1e6
        // or d/1e9 with three, as fmt rounds the double. Rounding d in
        // integers to the printed step gives the same digits: the double is
        // within 2^-53 of d/10^k, far less than the distance from d/10^k to
        // a rounding boundary (a multiple of 1 ns) unless it lies on one.
        // Exact ties (…50 ns, …500 ns, …500 µs) go through the double, whose
        // side of the tie decides, as do values a double cannot hold exactly.
        const tfe::TimeNs d = v.d;
        const auto exact = [&](tfe::TimeNs step) {
            return d >= 0 && d < (tfe::TimeNs{1} << 53) && d % step != step / 2;
        };
        using tfe::analyzer::detail::put_digits;
        if (d < 1'000'000) {
            if (!exact(100)) return fmt::format_to(ctx.out(), FMT_COMPILE("{:.1f} µs"), static_cast<double>(d) / 1e3);
            const std::int64_t tenths = (d + 50) / 100;
            return fmt::format_to(ctx.out(), FMT_COMPILE("{}.{} µs"), tenths / 10, tenths % 10);
        }
        const tfe::TimeNs step = d < 1'000'000'000 ? 1'000 : 1'000'000;  // a thousandth of the unit
        if (!exact(step)) {
            if (d < 1'000'000'000) return fmt::format_to(ctx.out(), FMT_COMPILE("{:.3f} ms"), static_cast<double>(d) / 1e6);
            return fmt::format_to(ctx.out(), FMT_COMPILE("{:.3f} s"), static_cast<double>(d) / 1e9);
        }
        const std::int64_t thousandths = (d + step / 2) / step;
        char frac[3];
        put_digits(frac, static_cast<std::uint64_t>(thousandths % 1000), 3);
        return fmt::format_to(ctx.out(), FMT_COMPILE("{}.{} {}"), thousandths / 1000, std::string_view(frac, 3),
                              d < 1'000'000'000 ? "ms" : "s");
    }
};
