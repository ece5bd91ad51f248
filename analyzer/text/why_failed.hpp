// The text's "Why it failed" paragraph, from the failure diagnosis
// (analyzer/failure.hpp): what the packets show, which packets, and what
// the client's application saw.
#pragma once

#include "analyzer/text/buffer.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::text {

// Nothing when the connection did not fail.
void why_failed(Buf& out, const Connection& c);

}  // namespace tfe::analyzer::text
