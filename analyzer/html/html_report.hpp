// The HTML report: one self-contained page (its script and style inside
// it, nothing fetched) with an overview of the run, a table of every
// connection, and per connection its narrative and ladder. Connections are
// added as they are reported and kept as compact JSON; the page is
// written at the end.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <span>
#include <string>

#include "analyzer/summary.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::html {

class HtmlReport {
public:
    // Narratives are embedded until they take this many bytes; the ladder
    // and the row of every connection are embedded whatever the count.
    static constexpr std::size_t kNarrativeBudget = std::size_t{16} << 20;
    // Folded ladders can be unfolded (every segment drawn) until the
    // unfolded ones take this many bytes.
    static constexpr std::size_t kUnfoldBudget = std::size_t{8} << 20;

    explicit HtmlReport(const TextOptions& o);
    void add(const Connection& c, const Summary& s);
    // The page; `notes` are the input's warnings and errors.
    void write(fmt::memory_buffer& out, std::span<const std::string> notes) const;

private:
    void write_data(fmt::memory_buffer& out, std::span<const std::string> notes) const;

    TextOptions o_;
    fmt::memory_buffer rows_;        // the connections' arrays, comma-separated
    fmt::memory_buffer narratives_;  // their narratives (or null), comma-separated
    std::uint64_t count_ = 0, narrated_ = 0;
    std::size_t unfolded_bytes_ = 0;
    TimeNs t0_ = 0;  // the first connection's start: the rows' times are relative to it
};

}  // namespace tfe::analyzer::html
