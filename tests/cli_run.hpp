// Runs the tool as a user (or a CI job) does, for the command-line tests:
// its exit status and what it printed, stdout and stderr in order.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace tfe::test {

inline const std::string kTool = TFE_TOOL_PATH;
inline const std::string kSamples = TFE_SAMPLES_DIR;

struct Run {
    int status = -1;
    std::string out;  // stdout and stderr, in order
};

// A command line through /bin/sh, stderr joined to stdout (unless the
// command sends it elsewhere).
inline Run run_command(const std::string& command) {
    Run r;
    const std::string cmd = "{ " + command + "; } 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// The tool with `args`; `prefix` goes before it (e.g. a command that drops
// privileges).
inline Run run(const std::string& args, const std::string& prefix = "") {
    // COLUMNS would set the ladder's width: each test sets it where it means to.
    return run_command(prefix + "env -u COLUMNS " + kTool + " --color never " + args);
}

// A bash script (process substitution, jobs); it must not contain '.
inline Run run_shell(const std::string& script) { return run_command("bash -c '" + script + "'"); }

inline std::string sample(const std::string& name) { return kSamples + "/" + name + "/capture.pcap"; }

inline std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("tfe-cli-" + std::to_string(::getpid()) + "-" + name);
}

}  // namespace tfe::test
