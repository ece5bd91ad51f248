#include "analyzer/failure_json.hpp"

#include <fmt/compile.h>

#include "analyzer/failure.hpp"
#include "analyzer/reset_reason.hpp"

namespace tfe::analyzer {

namespace {

using Buf = fmt::memory_buffer;

void put_packet_or_null(Buf& b, std::uint64_t frame) {
    if (frame) fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}"), frame);
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE("null"));
}

void put_icmp(Buf& b, const IcmpFact& e, const Connection& c, const NumberStyle& st) {
    fmt::format_to(std::back_inserter(b),
                   FMT_COMPILE("{{\"packet\":{},\"version\":{},\"type\":{},\"code\":{},\"words\":\"{}\",\"router\":\"{}\","
                               "\"about\":\"{}\",\"quoted_seq\":{},\"quotes_syn\":{},\"state\":\"{}\",\"errno\":"),
                   e.frame, e.version, e.type, e.code, icmp_words(e), to_string(e.router), side_name(e.about),
                   rel_seq(c, e.about, e.quoted_seq, st), e.quotes_syn, state_name(e.about_state));
    const std::string_view err = icmp_errno(e);
    if (err.empty()) fmt::format_to(std::back_inserter(b), FMT_COMPILE("null}}"));
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE("\"{}\"}}"), err);
}

void put_syns(Buf& b, const Failure& f) {
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"syn_packets\":["));
    for (std::size_t i = 0; i < f.syns; ++i)
        fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}{}"), i ? "," : "", f.syn_frames[i]);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE("],\"syn_times_s\":["));
    for (std::size_t i = 0; i < f.syns; ++i)
        fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}{:.3f}"), i ? "," : "",
                       static_cast<double>(f.syn_times[i] - f.syn_times[0]) / 1e9);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE("],\"backoff\":"));
    if (f.backoff == Backoff::none) fmt::format_to(std::back_inserter(b), FMT_COMPILE("null"));
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE("\"{}\""), backoff_name(f.backoff));
}

void put_time_wait(Buf& b, const TimeWaitCollision* tw) {
    if (!tw) {
        fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"time_wait\":null"));
        return;
    }
    fmt::format_to(std::back_inserter(b),
                   FMT_COMPILE(",\"time_wait\":{{\"previous_packets\":[{},{}],\"acks\":{},\"first_ack_packet\":{},"
                               "\"resets\":{},\"first_reset_packet\":"),
                   tw->previous_first_frame, tw->previous_last_frame, tw->acks, tw->first_ack_frame, tw->resets);
    put_packet_or_null(b, tw->first_reset_frame);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"resets_ignored\":{},\"ended_by_reset_packet\":"),
                   tw->resets_ignored);
    put_packet_or_null(b, tw->released_frame);
    b.push_back('}');
}

void put_failure(Buf& b, const Connection& c, const Failure& f, const NumberStyle& st) {
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"failure\":{{\"kind\":\"{}\",\"errno\":"), failure_name(f.kind));
    if (f.error.empty()) fmt::format_to(std::back_inserter(b), FMT_COMPILE("null"));
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE("\"{}\""), f.error);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"syn_packet\":"));
    put_packet_or_null(b, f.syn_frame);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"answer_packet\":"));
    put_packet_or_null(b, f.answer_frame);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"ack_packet\":"));
    put_packet_or_null(b, f.ack_frame);
    put_syns(b, f);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"icmp\":"));
    if (f.icmp) put_icmp(b, *f.icmp, c, st);
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE("null"));
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"synack_after_ack\":{},\"refused_attempts\":{}"),
                   f.synack_after_ack, f.refusals);
    put_time_wait(b, f.time_wait);
    b.push_back('}');
}

}  // namespace

void write_failure_json(Buf& b, const Connection& c, const NumberStyle& st) {
    const ResetReason why = reset_reason(c);
    if (why == ResetReason::none) fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"reset_reason\":null"));
    else fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"reset_reason\":\"{}\""), reset_reason_name(why));
    const Failure f = diagnose_failure(c);
    static constexpr std::string_view kNone = ",\"failure\":null,\"icmp_errors\":[]";
    if (f.kind == FailureKind::none && c.icmp_errors().empty()) {
        b.append(kNone.data(), kNone.data() + kNone.size());
        return;
    }
    if (f.kind == FailureKind::none) fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"failure\":null"));
    else put_failure(b, c, f, st);
    fmt::format_to(std::back_inserter(b), FMT_COMPILE(",\"icmp_errors\":["));
    bool first = true;
    for (const IcmpFact& e : c.icmp_errors()) {
        if (!first) b.push_back(',');
        first = false;
        put_icmp(b, e, c, st);
    }
    b.push_back(']');
}

}  // namespace tfe::analyzer
