// The compact transition log gives back exactly what was appended: every
// field, in order, across inline room and heap growth, copies and moves,
// including the values the encoding treats specially (timer frames of 0,
// times and frames before the base, sequence numbers wrapping 2^32).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "core/transition_log.hpp"

using namespace tfe;

namespace {

Transition random_transition(std::mt19937_64& rng, TransitionLog::Base base) {
    const auto pick = [&rng](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    Transition t;
    // Mostly near the base, sometimes anywhere (a timer far in the future,
    // an extreme frame number).
    switch (pick(4)) {
        case 0: t.ts = static_cast<TimeNs>(rng() >> 2); break;
        case 1: t.ts = base.ts - static_cast<TimeNs>(pick(1000)); break;
        default: t.ts = base.ts + static_cast<TimeNs>(pick(5'000'000'000)); break;
    }
    switch (pick(4)) {
        case 0: t.frame = 0; break;  // a timer
        case 1: t.frame = rng(); break;
        default: t.frame = base.frame + pick(30000); break;
    }
    t.cause_frame = pick(3) == 0 ? 0 : pick(2) == 0 ? t.frame : t.frame - pick(100);
    t.seq = SeqNum(static_cast<std::uint32_t>(rng()));
    t.ack = SeqNum(static_cast<std::uint32_t>(pick(2) == 0 ? rng() : 0xffffffffu - pick(3)));
    t.seq_len = static_cast<std::uint32_t>(pick(3) == 0 ? rng() : pick(3));
    t.flags = TcpFlags(static_cast<std::uint8_t>(rng()));
    t.endpoint = static_cast<Side>(pick(2));
    t.from = static_cast<State>(pick(kStateCount));
    t.to = static_cast<State>(pick(kStateCount));
    t.input = static_cast<Input>(pick(kInputCount));
    t.delivery = static_cast<Delivery>(pick(kDeliveryCount));
    t.crossing = pick(4) == 0 ? static_cast<std::uint8_t>(pick(255)) : Transition::kNoCrossing;
    return t;
}

}  // namespace

TEST_CASE("transition log: decode gives back every appended transition") {
    std::mt19937_64 rng(20261123);
    for (int round = 0; round < 2000; ++round) {
        const TransitionLog::Base base{static_cast<TimeNs>(rng() >> 2), rng() >> (rng() % 64)};
        const std::size_t n = rng() % 40;
        TransitionLog log;
        std::vector<Transition> in;
        for (std::size_t i = 0; i < n; ++i) {
            in.push_back(random_transition(rng, base));
            log.append(in.back(), base);
        }
        REQUIRE(log.size() == n);
        std::vector<Transition> out;
        for (const TransitionLog& copy : {log, TransitionLog(log), TransitionLog(TransitionLog(log))}) {
            copy.decode(out, base);
            REQUIRE(out.size() == n);
            for (std::size_t i = 0; i < n; ++i) REQUIRE(in[i] == out[i]);
        }
        // Appending to a copy leaves the original alone.
        TransitionLog more = log;
        more.append(random_transition(rng, base), base);
        log.decode(out, base);
        REQUIRE(out.size() == n);
    }
}

TEST_CASE("transition log: a handshake stays inline, a four-wave close stays small") {
    // The ten transitions of a plain connection, as the core records them:
    // a segment often moves both its sender and its receiver (the same
    // cause twice), frames and times are close to the first, sequence
    // numbers close to the sender's previous ones.
    struct Step {
        int segment;  // index into the segments below
        Side endpoint;
        State from, to;
        Input input;
    };
    struct Seg {
        std::uint64_t frame_offset;
        TimeNs time_offset;
        Side sender;
        std::uint32_t seq, ack, seq_len;
    };
    const Seg segs[] = {
        {0, 0, Side::client, 4'000'000'000u, 0, 1},                  // SYN
        {7, 40'000, Side::server, 91'000, 4'000'000'001u, 1},        // SYN+ACK
        {9, 80'000, Side::client, 4'000'000'001u, 91'001, 0},        // ACK
        {812, 2'000'000'000, Side::client, 4'000'000'518u, 93'211, 1},     // FIN
        {815, 2'000'050'000, Side::server, 93'211, 4'000'000'519u, 0},     // ACK
        {2930, 2'300'000'000, Side::server, 93'211, 4'000'000'519u, 1},    // FIN
        {2933, 2'300'040'000, Side::client, 4'000'000'519u, 93'212, 0},    // ACK
    };
    const Step steps[] = {
        {0, Side::client, State::CLOSED, State::SYN_SENT, Input::snd_syn},
        {0, Side::server, State::LISTEN, State::SYN_RECEIVED, Input::rcv_syn},
        {1, Side::client, State::SYN_SENT, State::ESTABLISHED, Input::rcv_syn_ack},
        {2, Side::server, State::SYN_RECEIVED, State::ESTABLISHED, Input::rcv_ack_of_syn},
        {3, Side::client, State::ESTABLISHED, State::FIN_WAIT_1, Input::snd_fin},
        {3, Side::server, State::ESTABLISHED, State::CLOSE_WAIT, Input::rcv_fin},
        {4, Side::client, State::FIN_WAIT_1, State::FIN_WAIT_2, Input::rcv_ack_of_fin},
        {5, Side::server, State::CLOSE_WAIT, State::LAST_ACK, Input::snd_fin},
        {5, Side::client, State::FIN_WAIT_2, State::TIME_WAIT, Input::rcv_fin},
        {6, Side::server, State::LAST_ACK, State::CLOSED, Input::rcv_ack_of_fin},
    };
    const TransitionLog::Base base{1'700'000'000'000'000'000, 120'000};
    TransitionLog log;
    std::vector<Transition> in;
    for (const Step& st : steps) {
        const Seg& g = segs[st.segment];
        Transition t;
        t.ts = base.ts + g.time_offset;
        t.frame = t.cause_frame = base.frame + g.frame_offset;
        t.seq = SeqNum(g.seq);
        t.ack = SeqNum(g.ack);
        t.seq_len = g.seq_len;
        t.endpoint = st.endpoint;
        t.from = st.from;
        t.to = st.to;
        t.input = st.input;
        t.delivery = st.endpoint == g.sender ? Delivery::sent : Delivery::on_arrival;
        in.push_back(t);
        log.append(t, base);
        // The handshake's four fit in the connection itself (every
        // connection open at once carries them).
        if (in.size() <= 4) CHECK_FALSE(log.spilled());
    }
    CHECK(log.spilled());
    std::vector<Transition> out;
    log.decode(out, base);
    REQUIRE(out.size() == in.size());
    for (std::size_t i = 0; i < in.size(); ++i) CHECK(in[i] == out[i]);
    // 48 bytes each as structs; here at most a third of that.
    CHECK(log.bytes() <= 16 * in.size());
}
