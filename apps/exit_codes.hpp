// Exit codes, documented in --help and README.md.
#pragma once

namespace tfe::app {

enum ExitCode : int {
    kOk = 0,            // analysed everything; checks (if any) passed
    kCheckFailed = 1,   // --expect found differences or --fail-on matched
    kUsage = 2,         // bad command line, bad filter, unreadable expectation file
    kInputError = 3,    // a capture could not be read completely (what was read is reported)
};

}  // namespace tfe::app
