#include "capture/tcpdump_text.hpp"

#include <ext/stdio_sync_filebuf.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "capture/tcpdump_line.hpp"
#include "capture/text_sequence.hpp"
#include "core/host_names.hpp"

namespace tfe::capture {

namespace {

constexpr std::size_t kListedWarnings = 20;  // malformed lines named one by one
constexpr const char* kOtherText = "other text (headings, prompts, dumps)";
constexpr TimeNs kDay = TimeNs{86'400} * 1'000'000'000;
constexpr TimeNs kLatest = TimeNs{1} << 62;

std::string_view without_line_end(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

// Turns the times as printed into capture times, whichever form they take.
class TextClock {
public:
    TimeNs at(const TcpdumpLine& l) {
        TimeNs ts = have_ts_ ? last_ts_ : kAssumedDate;
        switch (l.time_kind) {
            case TextTime::none: saw_none_ = true; break;
            case TextTime::date_time:
            case TextTime::epoch: ts = l.time; break;
            case TextTime::delta:
            case TextTime::time_of_day: ts = clock(l.time); break;
        }
        last_ts_ = ts;
        have_ts_ = true;
        return ts;
    }
    // What the report should say about times it had to assume.
    void notes(const std::string& path, std::vector<std::string>& out) const {
        if (saw_time_of_day_)
            out.push_back(fmt::format("{}: tcpdump's time of day carries no date: taken as 2000-01-01 UTC{}", path,
                                      days_ ? " (the clock passed midnight: later lines on the days after)" : ""));
        if (delta_mode_)
            out.push_back(fmt::format("{}: times are deltas from the line before (tcpdump -ttt), counted from "
                                      "2000-01-01 00:00:00 UTC", path));
        if (saw_none_)
            out.push_back(fmt::format("{}: lines without a time stamp (tcpdump -t) take the time of the line "
                                      "before: durations are unknown", path));
    }

private:
    // A time of day, or a -ttt delta: tcpdump prints both as HH:MM:SS, and a
    // first line at exactly 00:00:00.000000 says deltas.
    TimeNs clock(TimeNs value) {
        if (!clock_decided_) {
            clock_decided_ = true;
            delta_mode_ = value == 0;
        }
        // Deltas add up: stopped short of overflowing, at some 146 years.
        if (delta_mode_) return std::min((have_ts_ ? last_ts_ : kAssumedDate) + value, kLatest);
        saw_time_of_day_ = true;
        if (have_tod_ && value < last_tod_ - kDay / 2 && days_ < kLatest) days_ += kDay;  // past midnight
        have_tod_ = true;
        last_tod_ = value;
        return std::min(kAssumedDate + days_ + value, kLatest);
    }

    bool have_ts_ = false, have_tod_ = false, clock_decided_ = false, delta_mode_ = false;
    bool saw_time_of_day_ = false, saw_none_ = false;
    TimeNs last_ts_ = 0, last_tod_ = 0, days_ = 0;
};

class TextReader {
public:
    TextReader(const std::string& path, bool verify, std::uint64_t& frames, SegmentSink& sink)
        : verify_(verify), frames_(frames), start_frame_(frames), sink_(sink) {
        report_.path = path;
        report_.is_text = true;
        report_.link_type_name = "tcpdump text";
    }

    void feed(std::string_view raw);
    FileReport finish();
    std::uint64_t packet_lines() const { return report_.frames_read; }

private:
    void take(std::string_view line, std::uint64_t line_no);
    void take(const TcpdumpLine& l, std::string_view line, std::uint64_t line_no);
    std::uint64_t frame_for(const TcpdumpLine& l);
    void deliver(const TcpdumpLine& l, std::uint64_t frame, TimeNs ts, std::uint64_t line_no);
    IpAddr address(const TextHost& h, std::uint8_t version);
    void malformed(const TcpdumpLine& l, std::string_view line, std::uint64_t line_no);
    void skipped_note();

    bool verify_;
    std::uint64_t& frames_;
    std::uint64_t start_frame_;
    SegmentSink& sink_;
    FileReport report_;
    TextClock clock_;
    TextSequences sequences_;
    std::string pending_;  // a -v line waiting for its wrapped second half
    int pending_joins_ = 0;
    static constexpr int kMaxJoinedLines = 6;
    std::uint64_t pending_line_ = 0, line_no_ = 0;
    std::map<std::string, std::uint64_t> skipped_;  // by what the line is
    std::set<std::string> names_;
    std::uint64_t first_malformed_line_ = 0;
};

void TextReader::feed(std::string_view raw) {
    const std::string_view line = without_line_end(raw);
    ++line_no_;
    const bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t') && !begins_packet(line);
    if (!pending_.empty() && indented && !is_blank(line)) {
        pending_ += ' ';
        pending_ += line.substr(line.find_first_not_of(" \t"));
        // A tunnel's packet goes on over more lines (-v: the outer header,
        // the tunnel's, the inner IP header, the segment): joined until the
        // segment is there, or a few lines at most.
        if (++pending_joins_ < kMaxJoinedLines && parse_tcpdump_line(pending_).kind != TcpdumpLine::Kind::tcp)
            return;
        take(pending_, pending_line_);
        pending_.clear();
        return;
    }
    if (!pending_.empty()) {  // never continued: read as it is
        take(pending_, pending_line_);
        pending_.clear();
    }
    if (is_blank(line)) return;
    // A packet line that is not a whole segment may go on, indented, on the
    // next lines (-v wraps after the IP header; tunnels take several).
    const TcpdumpLine first = parse_tcpdump_line(line);
    if (first.is_packet && first.kind != TcpdumpLine::Kind::tcp) {
        pending_ = line;
        pending_joins_ = 0;
        pending_line_ = line_no_;
        return;
    }
    take(first, line, line_no_);
}

std::uint64_t TextReader::frame_for(const TcpdumpLine& l) {
    // A pasted line number is kept while it moves forward.
    if (l.number && *l.number <= UINT64_MAX - start_frame_ && start_frame_ + *l.number > frames_)
        frames_ = start_frame_ + *l.number;
    else
        ++frames_;
    if (report_.first_frame == 0) report_.first_frame = frames_;
    report_.last_frame = frames_;
    return frames_;
}

void TextReader::take(std::string_view line, std::uint64_t line_no) {
    take(parse_tcpdump_line(line), line, line_no);
}

void TextReader::take(const TcpdumpLine& l, std::string_view line, std::uint64_t line_no) {
    if (!l.is_packet) {
        ++skipped_[kOtherText];
        return;
    }
    const std::uint64_t frame = frame_for(l);
    ++report_.frames_read;
    const TimeNs ts = clock_.at(l);
    report_.note_time(ts, frame);
    switch (l.kind) {
        case TcpdumpLine::Kind::not_tcp:
            ++report_.skipped_non_tcp;
            ++skipped_[l.reason];
            break;
        case TcpdumpLine::Kind::malformed: malformed(l, line, line_no); break;
        case TcpdumpLine::Kind::tcp: deliver(l, frame, ts, line_no); break;
    }
}

void TextReader::malformed(const TcpdumpLine& l, std::string_view line, std::uint64_t line_no) {
    if (report_.malformed++ == 0) first_malformed_line_ = line_no;
    if (report_.malformed > kListedWarnings) return;
    const std::string_view shown = line.substr(0, 100);
    report_.text_warnings.push_back(fmt::format("{}: line {}: malformed TCP line ({}), skipped: {}{}", report_.path,
                                                line_no, l.reason, shown, shown.size() < line.size() ? "..." : ""));
}

IpAddr TextReader::address(const TextHost& h, std::uint8_t version) {
    if (h.name.empty()) return h.ip;
    names_.insert(h.name);
    return address_for_host_name(h.name, version);
}

void TextReader::deliver(const TcpdumpLine& l, std::uint64_t frame, TimeNs ts, std::uint64_t line_no) {
    Segment seg;
    seg.frame = frame;
    seg.ts = ts;
    seg.src = address(l.src.host, l.ip_version);
    seg.dst = address(l.dst.host, l.ip_version);
    seg.sport = l.src.port;
    seg.dport = l.dst.port;
    seg.flags = l.flags;
    seg.seq = SeqNum(l.seq.value_or(0));
    seg.ack = SeqNum(l.ack.value_or(0));
    seg.window = l.window;
    seg.urgent = l.urgent;
    // The payload's bytes are not in the text, only its length: taken as
    // captured whole, so no snaplen note appears.
    seg.payload_len = seg.captured_len = l.length;
    seg.options = l.options;
    // The IP packet's length (the link header is unknown).
    const std::uint32_t ip_header = l.ip_version == 6 ? 40 : 20;
    const std::uint32_t estimate = ip_header + 20 + ((l.options_bytes + 3) & ~3u) + l.length;
    seg.wire_len = l.ip_length ? l.ip_length + (l.ip_version == 6 ? 40 : 0) : estimate;
    seg.direction = l.direction;
    seg.checksum_checked = verify_ && l.checksum_ok.has_value();
    seg.checksum_ok = l.checksum_ok.value_or(true);
    seg.ip_ttl = l.ttl;
    seg.ip_id = l.ip_id;
    sequences_.restore(seg, l.seq.has_value(), line_no);
    report_.record(DecodeError::ok, seg);
    sink_.on_segment(seg);
}

void TextReader::skipped_note() {
    std::uint64_t total = 0;
    std::string parts;
    for (const auto& [what, n] : skipped_) {
        total += n;
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, what);
    }
    if (total) report_.text_notes.push_back(fmt::format("{}: {} line(s) not TCP, skipped: {}", report_.path, total, parts));
}

FileReport TextReader::finish() {
    if (!pending_.empty()) take(pending_, pending_line_);
    pending_.clear();
    const std::string& path = report_.path;
    clock_.notes(path, report_.text_notes);
    if (sequences_.style() == SeqStyle::relative)
        report_.text_notes.push_back(fmt::format(
            "{}: sequence numbers were printed relative (tcpdump's default): made absolute again from each "
            "conversation's first segment with an ACK", path));
    if (sequences_.style() == SeqStyle::absolute)
        report_.text_notes.push_back(fmt::format("{}: sequence numbers were printed absolute (tcpdump -S)", path));
    for (const std::string& e : sequences_.excerpts()) report_.text_warnings.push_back(path + ": " + e);
    if (!names_.empty()) {
        std::string list;
        for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
        report_.text_notes.push_back(fmt::format("{}: host names kept as tcpdump printed them (their addresses are "
                                                 "not in the text): {}", path, list));
    }
    skipped_note();
    if (report_.frames_read == 0 && skipped_.count(kOtherText))  // nothing in it reads as tcpdump's
        report_.fatal_error = fmt::format("{}: not a capture (no pcap or pcapng header), nor tcpdump text (none of "
                                          "its {} lines reads as a packet)", path, skipped_[kOtherText]);
    if (report_.malformed > kListedWarnings)
        report_.text_warnings.push_back(fmt::format("{}: {} more malformed TCP lines not listed (first: line {})",
                                                    path, report_.malformed - kListedWarnings, first_malformed_line_));
    return std::move(report_);
}

}  // namespace

bool looks_like_text(std::string_view b) {
    if (b.empty()) return false;
    for (const std::string_view magic : {"\xa1\xb2\xc3\xd4", "\xd4\xc3\xb2\xa1", "\xa1\xb2\x3c\x4d",
                                         "\x4d\x3c\xb2\xa1", "\x0a\x0d\x0d\x0a"})
        if (b.substr(0, 4) == magic) return false;
    for (const char c : b) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
}

FileReport read_tcpdump_text(std::istream& in, const std::string& path, bool verify_checksums,
                             std::uint64_t& frame_counter, SegmentSink& sink, std::uint64_t frame_limit) {
    TextReader reader(path, verify_checksums, frame_counter, sink);
    std::string line;
    while ((frame_limit == 0 || reader.packet_lines() < frame_limit) && std::getline(in, line)) reader.feed(line);
    FileReport r = reader.finish();
    if (in.bad()) r.fatal_error = path + ": read error";
    return r;
}

FileReport read_tcpdump_text_stream(std::FILE* in, const std::string& path, bool verify_checksums,
                                    std::uint64_t& frame_counter, SegmentSink& sink, std::uint64_t frame_limit) {
    if (in == nullptr) {
        FileReport r;
        r.path = path;
        r.is_text = true;
        r.fatal_error = path + ": cannot read";
        return r;
    }
    __gnu_cxx::stdio_sync_filebuf<char> buf(in);  // libstdc++'s streambuf over a FILE*, through stdio
    std::istream stream(&buf);
    FileReport r = read_tcpdump_text(stream, path, verify_checksums, frame_counter, sink, frame_limit);
    std::fclose(in);
    return r;
}

FileReport read_tcpdump_text_file(const std::string& path, bool verify_checksums, std::uint64_t& frame_counter,
                                  SegmentSink& sink, std::uint64_t frame_limit) {
    if (path == "-") return read_tcpdump_text(std::cin, path, verify_checksums, frame_counter, sink, frame_limit);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        FileReport r;
        r.path = path;
        r.is_text = true;
        r.fatal_error = path + ": cannot open";
        return r;
    }
    return read_tcpdump_text(in, path, verify_checksums, frame_counter, sink, frame_limit);
}

bool file_looks_like_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char buf[512];
    in.read(buf, sizeof buf);
    return looks_like_text(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
}

}  // namespace tfe::capture
