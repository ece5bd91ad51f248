// Ctrl-C (SIGINT) and SIGTERM while reading files or standard input: the
// first stops reading, so that what was read is still reported with the
// summary; a second exits at once (130), as in live mode.
#pragma once

#include <atomic>

namespace tfe::app {

// Installs the handlers (without SA_RESTART: a read from a pipe returns).
void stop_reading_on_signal();

// Set by the first signal; the readers poll it between records.
const std::atomic<bool>& reading_stopped();

// The signal that stopped reading, 0 if none.
int stopping_signal();

}  // namespace tfe::app
