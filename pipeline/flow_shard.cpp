#include "pipeline/flow_shard.hpp"

#include <charconv>

namespace tfe::pipeline {

std::optional<ShardSpec> parse_shard(const std::string& text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string::npos) return std::nullopt;
    ShardSpec s;
    const char* end = text.data() + text.size();
    const auto k = std::from_chars(text.data(), text.data() + slash, s.index);
    const auto n = std::from_chars(text.data() + slash + 1, end, s.count);
    if (k.ec != std::errc{} || k.ptr != text.data() + slash || n.ec != std::errc{} || n.ptr != end) return std::nullopt;
    if (s.count == 0 || s.index >= s.count || s.count > 65536) return std::nullopt;
    return s;
}

}  // namespace tfe::pipeline
