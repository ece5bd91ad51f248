// Inputs still being written: a capture file tcpdump -w is writing, read
// with --follow as tail -f reads, and a named pipe. Reports go out as each
// connection ends (on wall-clock time while the input is quiet), and
// Ctrl-C ends the reading with the summary.
#include <catch2/catch.hpp>

#include <string>

#include "cli_run.hpp"

using namespace tfe::test;

namespace {

// What the output held at each "== NAME" marker the script echoed.
std::string between(const std::string& out, const std::string& from, const std::string& to) {
    const std::size_t a = out.find(from), b = out.find(to);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    return out.substr(a, b - a);
}

}  // namespace

TEST_CASE("following reads a capture file as it grows (--follow), and Ctrl-C ends it", "[cli][follow]") {
    const std::string cap = sample("refused"), f = temp_file("growing.pcap").string(),
                      out = temp_file("growing.out").string();
    // The header alone, then the first record cut after 10 bytes (a write
    // caught half done), then the rest: the reading waits at each end.
    const Run r = run_shell("head -c 24 " + cap + " > " + f + "; " + kTool + " --follow --color never --brief --linger 0.5 " +
                            f + " > " + out + " 2>&1 & pid=$!; sleep 1.2; echo == HEADER; cat " + out +
                            "; tail -c +25 " + cap + " | head -c 10 >> " + f + "; sleep 0.3; tail -c +35 " + cap +
                            " >> " + f + "; sleep 2; echo == GROWN; cat " + out + "; kill -INT $pid; wait $pid; echo rc=$?;"
                            " echo == END; cat " + out + "; rm -f " + f + " " + out);
    const std::string header = between(r.out, "== HEADER", "== GROWN");
    CHECK(header.find("Summary:") == std::string::npos);  // the end of the file is no end
    CHECK(header.find("error") == std::string::npos);
    const std::string grown = between(r.out, "== GROWN", "rc=");
    CHECK(grown.find("refused (RST) · never opened") != std::string::npos);  // settled on wall-clock time
    CHECK(grown.find("Summary:") == std::string::npos);
    CHECK(r.out.find("rc=0") != std::string::npos);
    const std::string end = r.out.substr(r.out.find("== END"));
    CHECK(end.find("Summary: 1 connection, 2 packets") != std::string::npos);
    CHECK(end.find("reading stopped by signal 2 after frame 2") != std::string::npos);
}

TEST_CASE("following takes one file and no interface", "[cli][follow]") {
    const Run two = run("--follow " + sample("refused") + " " + sample("half-close"));
    CHECK(two.status == 2);
    CHECK(two.out.find("--follow reads one file as it grows: give exactly one") != std::string::npos);
    CHECK(run("--follow -i lo").status == 2);
    // A finished file is followed too: -c N ends it without a Ctrl-C.
    const Run counted = run("--follow -c 2 --brief " + sample("half-close"));
    CHECK(counted.status == 0);
    CHECK(counted.out.find("Summary: 1 connection, 2 packets") != std::string::npos);
}

TEST_CASE("a named pipe's reports go out as connections end, not when it closes", "[cli][follow]") {
    // With threads too: the quiet seconds reach every worker, and what the
    // reader holds is handed over when the pipe goes quiet.
    const std::string threads = GENERATE(std::string("--threads 1"), std::string("--threads 2"));
    const std::string fifo = temp_file("named.fifo").string(), out = temp_file("named.out").string();
    const Run r = run_shell("mkfifo " + fifo + "; (cat " + sample("refused") + "; sleep 3) > " + fifo + " & " + kTool +
                            " " + threads + " --color never --brief --linger 0.5 " + fifo + " > " + out +
                            " 2>&1 & sleep 2; echo == QUIET; cat " + out + "; wait; echo == END; cat " + out +
                            "; rm -f " + fifo + " " + out);
    const std::string quiet = between(r.out, "== QUIET", "== END");
    CHECK(quiet.find("refused (RST) · never opened") != std::string::npos);
    CHECK(quiet.find("Summary:") == std::string::npos);
    CHECK(r.out.find("Summary: 1 connection, 2 packets", r.out.find("== END")) != std::string::npos);
}

// tail -F (with threads: the reader hands over what it holds at each
// wait): tcpdump started again over the file (truncated), then a
// rotation (the name moved away, a new file under it). Each new file is
// read from its start into the same run; nothing of the old one is lost.
TEST_CASE("a followed file that is truncated or rotated is read anew", "[cli][follow]") {
    const std::string refused = sample("refused"), half = sample("half-close"), f = temp_file("rotated.pcap").string(),
                      out = temp_file("rotated.out").string();
    const Run r = run_shell("cp " + refused + " " + f + "; " + kTool + " --follow --threads 2 --color never --brief --linger 0.5 " +
                            f + " > " + out + " 2>&1 & pid=$!; sleep 1.5; : > " + f + "; sleep 1.5; cat " + half +
                            " >> " + f + "; sleep 1.5; mv " + f + " " + f + ".1; cp " + refused + " " + f +
                            "; sleep 2.5; kill -INT $pid; wait $pid; echo rc=$?; cat " + out + "; rm -f " + f + " " +
                            f + ".1 " + out);
    CHECK(r.out.find("rc=0") != std::string::npos);
    CHECK(r.out.find("Summary: 3 connections, 16 packets") != std::string::npos);
    CHECK(r.out.find("was truncated after frame 2: reading the new file from its start") != std::string::npos);
    CHECK(r.out.find("now names another file after frame 14: reading the new file from its start") !=
          std::string::npos);
    CHECK(r.out.find("half-closed (one FIN only), client first") != std::string::npos);
    CHECK(r.out.find("error") == std::string::npos);
}
