// The command line as a user (or a CI job) runs it: exit codes, partial
// output on bad input, --expect, --fail-on, standard input, filters.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/cli_run.hpp"

using namespace tfe::test;

TEST_CASE("help names the exit codes", "[cli]") {
    const Run r = run("--help");
    CHECK(r.status == 0);
    CHECK(r.out.find("Exit codes") != std::string::npos);
    CHECK(r.out.find("--fail-on") != std::string::npos);
}

TEST_CASE("usage errors exit 2", "[cli]") {
    CHECK(run("").status == 2);
    CHECK(run("--format xml " + sample("refused")).status == 2);
    const Run bad_filter = run("--filter 'tcp port' " + sample("refused"));
    CHECK(bad_filter.status == 2);
    CHECK(bad_filter.out.find("tcp port") != std::string::npos);
    const Run ambiguous = run("--fail-on three-way " + sample("refused"));
    CHECK(ambiguous.status == 2);
    CHECK(ambiguous.out.find("close:three-way") != std::string::npos);
}

TEST_CASE("times out of range are usage errors, not wrapped nanoseconds", "[cli]") {
    // Each becomes 64-bit nanoseconds: 1e300 s would not fit (undefined).
    for (const char* bad : {"--msl 0", "--msl 1e300", "--linger 1e300", "--linger -1", "--idle-timeout 1e300",
                            "--idle-timeout -5", "--duration 1e300 -i lo", "--duration -1 -i lo"}) {
        INFO(bad);
        const Run r = run(std::string(bad) + " " + sample("refused"));
        CHECK(r.status == 2);
        CHECK(r.out.find("not in range") != std::string::npos);
    }
    for (const char* ok : {"--msl 0.5", "--linger 0", "--idle-timeout 0", "--msl 1000000"}) {
        INFO(ok);
        CHECK(run(std::string(ok) + " " + sample("refused")).status == 0);
    }
}

TEST_CASE("a missing file is an input error, other files are still analysed", "[cli]") {
    const Run r = run("--format json /nonexistent.pcap " + sample("refused"));
    CHECK(r.status == 3);
    CHECK(r.out.find("/nonexistent.pcap") != std::string::npos);
    CHECK(r.out.find("\"handshake\":\"refused\"") != std::string::npos);
}

TEST_CASE("a truncated capture reports what was read and names the offset", "[cli]") {
    const std::string src = sample("four-way-client-first");
    const auto size = std::filesystem::file_size(src);
    const auto cut = temp_file("truncated.pcap");
    std::filesystem::copy_file(src, cut, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(cut, size - 7);
    const Run r = run("--format json " + cut.string());
    // The text report repeats the fault under the summary.
    const Run text = run("-q " + cut.string() + " 2>/dev/null");
    std::filesystem::remove(cut);
    CHECK(text.status == 3);
    CHECK(text.out.find("\nInput\n") != std::string::npos);
    CHECK(text.out.find("truncated record at byte offset") != std::string::npos);
    CHECK(r.status == 3);
    CHECK(r.out.find(cut.filename().string()) != std::string::npos);
    CHECK(r.out.find("offset") != std::string::npos);
    CHECK(r.out.find("\"handshake\":\"three-way\"") != std::string::npos);
}

TEST_CASE("a pcapng file libpcap refuses: every interface read, the undecoded one named", "[cli]") {
    const std::string data = TFE_TEST_DATA_DIR;
    const Run r = run("-q " + data + "/pcapng/multi-linktype.pcapng " + data + "/pcapng/multi-snaplen.pcapng");
    CHECK(r.status == 0);
    CHECK(r.out.find("Summary: 4 connections") != std::string::npos);
    CHECK(r.out.find("multi-linktype.pcapng: 3 frames on interface 2 (usbmon1), link type USB_LINUX "
                     "(189), not decoded") != std::string::npos);
    const Run verbose = run("-v --format json " + data + "/pcapng/multi-linktype.pcapng");
    CHECK(verbose.out.find("19 frames, 16 TCP segments, link types EN10MB, RAW, USB_LINUX") !=
          std::string::npos);
}

TEST_CASE("a pcapng file of several interfaces: each connection names its own", "[cli]") {
    const std::string data = TFE_TEST_DATA_DIR;
    const Run text = run(data + "/pcapng/router.pcapng");
    CHECK(text.status == 0);
    CHECK(text.out.find("(server)\n  started") != std::string::npos);
    CHECK(text.out.find("\n  captured on eth0, eth1\n") != std::string::npos);
    CHECK(text.out.find("\n  captured on eth0 (client → server); eth1 (server → client)\n") != std::string::npos);
    CHECK(text.out.find("\n  captured on interface 2 of " + data + "/pcapng/router.pcapng\n") != std::string::npos);
    const Run json = run("--format json " + data + "/pcapng/router.pcapng");
    CHECK(json.out.find("\"interfaces\":{\"client\":[\"eth0\",\"eth1\"],\"server\":[\"eth0\",\"eth1\"]}") !=
          std::string::npos);
    CHECK(json.out.find("\"interfaces\":{\"client\":[\"eth0\"],\"server\":[\"eth1\"]}") != std::string::npos);
    // One interface (or none named, as in classic pcap): nothing to tell apart.
    const Run one = run("--format json " + data + "/pcapng/block-kinds.pcapng");
    CHECK(one.out.find("\"interfaces\":null") != std::string::npos);
    CHECK(run(data + "/pcapng/block-kinds.pcapng").out.find("captured on") == std::string::npos);
    // What a line pins is checked like any other field.
    const std::string exp = "/tmp/tfe_cli_interfaces_" + std::to_string(::getpid()) + ".jsonl";
    std::ofstream(exp) << R"({"id":2,"interfaces":{"client":["eth0"],"server":["eth1"]}})" << "\n";
    CHECK(run("--expect " + exp + " " + data + "/pcapng/router.pcapng").status == 0);
    std::ofstream(exp) << R"({"id":2,"interfaces":{"client":["eth1"],"server":["eth1"]}})" << "\n";
    CHECK(run("--expect " + exp + " " + data + "/pcapng/router.pcapng").status == 1);
    std::ofstream(exp) << R"({"id":2,"interfaces":{"client":[7]}})" << "\n";
    CHECK(run("--expect " + exp + " " + data + "/pcapng/router.pcapng").status == 2);
    std::remove(exp.c_str());
}

TEST_CASE("standard input and several files in one run", "[cli]") {
    const Run in = run("--format json - < " + sample("refused"));
    CHECK(in.status == 0);
    CHECK(in.out.find("\"handshake\":\"refused\"") != std::string::npos);
    const Run two = run("--format json " + sample("refused") + " " + sample("half-close"));
    CHECK(two.status == 0);
    CHECK(two.out.find("\"close\":\"half-closed\"") != std::string::npos);
    CHECK(two.out.find("\"id\":2") != std::string::npos);
}

TEST_CASE("the port option keeps only that port", "[cli]") {
    const Run none = run("--format json --port 9 " + sample("half-close"));
    CHECK(none.status == 0);
    CHECK(none.out.find("\"id\"") == std::string::npos);
    // Frames keep the file's numbers (tshark's) under a filter: the second
    // connection of router.pcapng is frames 17-24 either way.
    const std::string router = std::string(TFE_TEST_DATA_DIR) + "/pcapng/router.pcapng";
    const Run all = run(router);
    const Run one = run("--filter 'tcp port 40062' " + router);
    CHECK(all.out.find("packets 17–24;") != std::string::npos);
    CHECK(one.out.find("packets 17–24;") != std::string::npos);
    CHECK(one.out.find("SYN_SENT       17 ──[S]") != std::string::npos);
}

TEST_CASE("tcpdump's habits: -r, a trailing filter, -n, -nn, -D", "[cli]") {
    const std::string router = std::string(TFE_TEST_DATA_DIR) + "/pcapng/router.pcapng";
    const Run one = run("-nn -r " + router + " tcp port 40062 --brief");
    CHECK(one.status == 0);
    CHECK(one.out.find("#1    192.0.2.1:40062 → 198.51.100.7:80") != std::string::npos);
    CHECK(one.out.find("Summary: 1 connection,") != std::string::npos);
    // With --port as well, both apply.
    CHECK(run("-n -r " + router + " --port 80 tcp port 40061 --brief").out.find("Summary: 1 connection,") !=
          std::string::npos);
    const Run two = run("-r " + router + " -r " + sample("refused") + " --brief");
    CHECK(two.out.find("Summary: 4 connections") != std::string::npos);
    const Run list = run("-D");
    CHECK(list.status == 0);
    CHECK(list.out.find("lo") != std::string::npos);
}

TEST_CASE("no arguments give a short usage, and --help names arguments plainly", "[cli]") {
    const Run none = run("");
    CHECK(none.status == 2);
    CHECK(none.out.find("usage: tcpflow-explain [options] FILE...") != std::string::npos);
    CHECK(none.out.find("--max-unparked") == std::string::npos);
    const Run help = run("--help");
    CHECK(help.status == 0);
    for (const char* parser_words : {"UINT", "TEXT:", "FLOAT", "INT in ["}) CHECK(help.out.find(parser_words) == std::string::npos);
    CHECK(help.out.find("--color auto|always|never") != std::string::npos);
    CHECK(help.out.find("-p,--port N ") != std::string::npos);
}

TEST_CASE("Ctrl-C while reading a pipe reports what was read, then the summary", "[cli]") {
    // The tool is the pipeline's last command: $! is its pid. The shell's
    // wait waits for the whole pipeline (the writer sleeps on), so the
    // tool's own end is watched in /proc, in tenths of a second.
    const std::string gone = "[ ! -d /proc/$pid ] || grep -qs \"^State:.*[ZX]\" /proc/$pid/status";
    const std::string cmd = "sh -c '(cat " + sample("half-close") + "; sleep 5) | " + kTool +
                            " --color never --brief - 2>&1 & pid=$!; sleep 1; kill -INT $pid; n=0; until " + gone +
                            " || [ $n -ge 40 ]; do sleep 0.1; n=$((n+1)); done; echo tenths=$n; wait $pid; echo rc=$?'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
    // It stops in the quiet pipe at once, not when the writer next writes.
    const std::size_t tenths = out.find("tenths=");
    REQUIRE(tenths != std::string::npos);
    CHECK(std::stoi(out.substr(tenths + 7)) < 20);
    CHECK(out.find("half-closed (one FIN only), client first") != std::string::npos);
    CHECK(out.find("Summary: 1 connection, 12 packets") != std::string::npos);
    CHECK(out.find("reading stopped by signal 2 after frame 12: what was read is reported") != std::string::npos);
    CHECK(out.find("rc=0") != std::string::npos);
}

TEST_CASE("a quiet pipe reports what has settled on wall-clock time, not at its end", "[cli]") {
    // Each writer stays silent for 4 s after its capture; the outputs are
    // looked at 2.5 s in, then again once the pipes have ended.
    const std::string refused = temp_file("quiet-refused").string(), open = temp_file("quiet-open").string();
    const auto piped = [](const std::string& name, const std::string& out) {
        return "(cat " + sample(name) + "; sleep 4) | " + kTool + " --color never --brief --linger 0.5 - >" + out +
               " 2>&1 & ";
    };
    const Run r = run_shell(piped("refused", refused) + piped("half-close", open) + "sleep 2.5; echo BEFORE; cat " +
                            refused + " " + open + "; wait; echo AFTER; cat " + open + "; rm -f " + refused + " " + open);
    const std::size_t after = r.out.find("AFTER");
    REQUIRE(after != std::string::npos);
    const std::string before = r.out.substr(0, after);
    CHECK(before.find("refused (RST) · never opened") != std::string::npos);  // settled: written 0.5 s later
    CHECK(before.find("half-closed") == std::string::npos);               // still open: waits for the end
    CHECK(before.find("Summary:") == std::string::npos);
    CHECK(r.out.find("half-closed (one FIN only)", after) != std::string::npos);
    CHECK(r.out.find("Summary: 1 connection, 12 packets", after) != std::string::npos);
}

TEST_CASE("textbook sentences once per report, facts for every connection", "[cli]") {
    const std::string tunnels = std::string(TFE_SAMPLES_DIR) + "/crafted-tunnels/capture.pcap";
    const Run all = run(tunnels);
    const auto count = [](const std::string& wrapped, const std::string& what) {
        std::string text;  // the paragraphs unwrapped
        for (const char ch : wrapped)
            if (!(std::isspace(static_cast<unsigned char>(ch)) && !text.empty() && text.back() == ' '))
                text.push_back(std::isspace(static_cast<unsigned char>(ch)) ? ' ' : ch);
        std::size_t n = 0;
        for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    CHECK(count(all.out, "Three segments, so that an old") == 1);
    CHECK(count(all.out, "it can answer the peer's retransmitted") == 1);
    CHECK(count(all.out, "It waits 2*MSL = 60.000 s") == 8);
    // A report of one connection gives them again.
    CHECK(count(run("--id 5 " + tunnels).out, "Three segments, so that an old") == 1);
}

TEST_CASE("colour on a terminal, none for TERM=dumb or NO_COLOR", "[cli]") {
    if (std::system("command -v script >/dev/null 2>&1") != 0) return;  // util-linux's script: a terminal
    const auto escapes = [](const std::string& env) {
        const std::string cmd = "env " + env + " script -qc '" + kTool + " " + sample("refused") + "' /dev/null";
        FILE* p = popen(cmd.c_str(), "r");
        std::string out;
        std::array<char, 4096> buf{};
        std::size_t n;
        while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
        pclose(p);
        return std::count(out.begin(), out.end(), '\x1b');
    };
    CHECK(escapes("TERM=xterm") > 0);
    CHECK(escapes("TERM=dumb") == 0);
    CHECK(escapes("TERM=xterm NO_COLOR=1") == 0);
}

TEST_CASE("expectations pass on a matching expectation and fails with a diff otherwise", "[cli][expect]") {
    const auto exp = temp_file("expect.jsonl");
    {
        std::ofstream o(exp);
        o << R"({"close":"half-closed","final_state":{"client":"FIN_WAIT_2","server":"CLOSE_WAIT"}})" << "\n";
    }
    const Run ok = run("--expect " + exp.string() + " " + sample("half-close"));
    CHECK(ok.status == 0);
    CHECK(ok.out.find("OK") != std::string::npos);
    {
        std::ofstream o(exp);
        o << R"({"close":"four-way","final_state":{"client":"TIME_WAIT"}})" << "\n";
    }
    const Run bad = run("--expect " + exp.string() + " " + sample("half-close"));
    CHECK(bad.status == 1);
    CHECK(bad.out.find("close: expected \"four-way\", got \"half-closed\"") != std::string::npos);
    CHECK(bad.out.find("final_state.client: expected \"TIME_WAIT\", got \"FIN_WAIT_2\"") != std::string::npos);
    // --update-expect writes what the capture shows; it then passes.
    CHECK(run("--expect " + exp.string() + " --update-expect " + sample("half-close")).status == 0);
    CHECK(run("--expect " + exp.string() + " " + sample("half-close")).status == 0);
    std::filesystem::remove(exp);
}

TEST_CASE("fail-on rules list offending connections and exits 1", "[cli][fail-on]") {
    const Run bad = run("--format json --fail-on reset,refused " + sample("abort-client"));
    CHECK(bad.status == 1);
    CHECK(bad.out.find("--fail-on: connection 1") != std::string::npos);
    CHECK(bad.out.find("close reset") != std::string::npos);
    CHECK(run("--format json --fail-on reset,refused,unanswered " + sample("four-way-client-first")).status == 0);
    CHECK(run("--format json --fail-on CLOSE_WAIT " + sample("half-close")).status == 1);
}

TEST_CASE("fail-on takes anomaly names and refused cells' names", "[cli][fail-on]") {
    const Run oow = run("--format json --fail-on rst_out_of_window " + sample("crafted-rst-out-of-window"));
    CHECK(oow.status == 1);
    CHECK(oow.out.find("1 rst_out_of_window") != std::string::npos);
    CHECK(run("--format json --fail-on anomaly:zero_window " + sample("crafted-rst-out-of-window")).status == 0);
    // A cell's name is accepted even when no segment met it.
    CHECK(run("--format json --fail-on time_wait_snd_fin " + sample("four-way-client-first")).status == 0);
    CHECK(run("--format json --fail-on refusal:time_wait_snd_fin " + sample("four-way-client-first")).status == 0);
    const Run unknown = run("--fail-on time_wait_snd_nothing " + sample("four-way-client-first"));
    CHECK(unknown.status == 2);
    CHECK(unknown.out.find("time_wait_snd_fin") != std::string::npos);
}

TEST_CASE("all-segments draws data segments too", "[cli][text]") {
    const std::string seed2 = kSamples + "/seed-2-server-first-merged/capture.pcap";
    const Run summarised = run(seed2);
    CHECK(summarised.out.find("[P.] seq 1 ack 4 len 6") == std::string::npos);
    const Run all = run("--all-segments " + seed2);
    CHECK(all.status == 0);
    CHECK(all.out.find("[P.] seq 1 ack 1 len 3") != std::string::npos);
    CHECK(all.out.find("[P.] seq 1 ack 4 len 6") != std::string::npos);
    CHECK(all.out.find("not drawn") == std::string::npos);
}

TEST_CASE("a lost ACK is drawn from its sender with its own numbers", "[cli][text]") {
    const Run r = run(kSamples + "/crafted-synack-retrans/capture.pcap");
    const auto at = r.out.find("ACK lost later");
    REQUIRE(at != std::string::npos);
    const auto line_start = r.out.rfind('\n', at) + 1;
    const std::string line = r.out.substr(line_start, at - line_start);
    CHECK(line.find("3 ──[.] seq 1 ack 1") != std::string::npos);
}

TEST_CASE("brief lists one line per connection, id picks connections", "[cli][text]") {
    const std::string unanswered = kSamples + "/unanswered/capture.pcap";
    const Run brief = run("-b " + unanswered);
    CHECK(brief.status == 0);
    CHECK(brief.out.find("#1 ") != std::string::npos);
    CHECK(brief.out.find("#2 ") != std::string::npos);
    CHECK(brief.out.find("unanswered SYN · never opened · client SYN_SENT, server CLOSED") != std::string::npos);
    CHECK(brief.out.find("How it opened") == std::string::npos);
    // The closes in the users' short words; the summary keeps the full ones.
    const Run closes = run("-b " + sample("nested-lifetimes"));
    CHECK(closes.out.find("  three-way handshake · four waves, client first · client TIME_WAIT, server CLOSED · 14 "
                          "packets, 2.602 s\n") != std::string::npos);
    CHECK(closes.out.find("2 four-way close (four waves: FIN, ACK, FIN, ACK) (#1, #2)") != std::string::npos);
    const Run one = run("--format json --id 2 " + unanswered);
    CHECK(one.status == 0);
    CHECK(one.out.find("\"id\":2") != std::string::npos);
    CHECK(one.out.find("\"id\":1") == std::string::npos);
    const Run both = run("--format json --id 2,1 " + unanswered);
    CHECK(both.out.find("\"id\":1") != std::string::npos);
}

TEST_CASE("a FIN sent again after the report is named under Input, and --linger keeps the connection for it",
          "[cli][linger]") {
    // The server's fifth FIN comes 3.2 s after the fourth: past the 2 s
    // linger, so the connection has been reported when it arrives.
    const std::string cap = sample("crafted-fin-retrans-after-linger");
    const Run r = run(cap);
    CHECK(r.status == 0);
    CHECK(r.out.find("2 segments arrived after their connection had been reported") != std::string::npos);
    CHECK(r.out.find("one of them is a FIN sent again: the final ACK the report shows arriving did not "
                     "reach its sender") != std::string::npos);
    CHECK(r.out.find("packets 1–19;") != std::string::npos);
    // JSON has no Input section: the warning is on stderr.
    const Run json = run("--format json " + cap);
    CHECK(json.status == 0);
    CHECK(json.out.find("tcpflow-explain: warning: 2 segments arrived after their connection had been reported") !=
          std::string::npos);

    // Lingering longer than the gap: every segment belongs to the report,
    // and nothing is late.
    const Run longer = run("--linger 4 " + cap);
    CHECK(longer.status == 0);
    CHECK(longer.out.find("arrived after") == std::string::npos);
    CHECK(longer.out.find("packets 1–21;") != std::string::npos);
}

TEST_CASE("packing every connection after each segment changes no output", "[cli][parking]") {
    const std::string cap = sample("seed-4-simultaneous-close") + " " + sample("port-reuse") + " " +
                            sample("large-transfer");
    const Run plain = run("--all-segments " + cap);
    const Run parked = run("--all-segments --max-unparked 0 " + cap);
    CHECK(plain.status == 0);
    CHECK(parked.status == 0);
    CHECK(parked.out == plain.out);
    const Run verbose = run("-v --format json --max-unparked 0 " + cap);
    CHECK(verbose.out.find("times an open connection was parked") != std::string::npos);
    CHECK(run("--max-unparked -1 " + cap).status == 2);
}

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream o(p, std::ios::binary);
    o << text;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("an expectation file with a typo or an impossible value is a usage error naming its line", "[cli][expect]") {
    const auto exp = temp_file("typo.jsonl");
    write_file(exp, "{\"id\":1,\"close\":\"three-way\"}\n\n{\"id\":1,\"close\":\"three-wave\"}\n");
    const Run r = run("--expect " + exp.string() + " " + sample("seed-1-merged-close"));
    CHECK(r.status == 2);
    CHECK(r.out.find(exp.string() + ":3: close: \"three-wave\" is not a close kind") != std::string::npos);
    write_file(exp, "{\"id\":1,\"closee\":\"three-way\"}\n");
    const Run typo = run("--expect " + exp.string() + " " + sample("seed-1-merged-close"));
    CHECK(typo.status == 2);
    CHECK(typo.out.find(":1: unknown field 'closee'") != std::string::npos);
    std::filesystem::remove(exp);
}

TEST_CASE("update-expect keeps a hand-written line's fields and never writes from a broken input", "[cli][expect]") {
    const auto exp = temp_file("pinned.jsonl");
    // The README's example, pinning four fields.
    const std::string readme =
        R"({"id":1,"close":"three-way","close_initiator":"client","final_state":{"client":"TIME_WAIT","server":"CLOSED"}})"
        "\n";
    write_file(exp, readme);
    CHECK(run("--expect " + exp.string() + " --update-expect " + sample("seed-1-merged-close")).status == 0);
    CHECK(read_file(exp) == readme);

    // A capture cut short: exit 3, and the file is left as it was.
    const auto cut = temp_file("cut.pcap");
    const std::string whole = read_file(sample("seed-1-merged-close"));
    write_file(cut, whole.substr(0, whole.size() - 30));
    const Run broken = run("--expect " + exp.string() + " --update-expect " + cut.string());
    CHECK(broken.status == 3);
    CHECK(broken.out.find("not updated") != std::string::npos);
    CHECK(read_file(exp) == readme);

    // A new file pins behaviour only.
    std::filesystem::remove(exp);
    CHECK(run("--expect " + exp.string() + " --update-expect " + sample("port-reuse")).status == 0);
    const std::string fresh = read_file(exp);
    CHECK(fresh.find("\"close\":\"three-way\"") != std::string::npos);
    CHECK(fresh.find("\"port\"") == std::string::npos);
    CHECK(fresh.find("\"isn\"") == std::string::npos);
    CHECK(run("--expect " + exp.string() + " " + sample("port-reuse")).status == 0);
    std::filesystem::remove(exp);
    std::filesystem::remove(cut);
}

TEST_CASE("connections the file does not list fail only with --expect-all", "[cli][expect]") {
    const auto exp = temp_file("first-only.jsonl");
    write_file(exp, "{\"id\":1,\"close\":\"three-way\"}\n");  // port-reuse has two connections
    CHECK(run("--expect " + exp.string() + " " + sample("port-reuse")).status == 0);
    const Run all = run("--expect " + exp.string() + " --expect-all " + sample("port-reuse"));
    CHECK(all.status == 1);
    CHECK(all.out.find("connection 2") != std::string::npos);
    CHECK(all.out.find("(not listed)") != std::string::npos);
    CHECK(run("--expect " + exp.string() + " --expect-all --update-expect " + sample("port-reuse")).status == 0);
    CHECK(run("--expect " + exp.string() + " --expect-all " + sample("port-reuse")).status == 0);
    std::filesystem::remove(exp);
}

TEST_CASE("tcpdump text is read with --text from standard input and without it from a text file", "[cli][tcpdump_text]") {
    const std::string seed = std::string(TFE_TEST_DATA_DIR) + "/tcpdump-text/seed-1-merged-close.txt";
    const Run piped = run("--brief --text - < " + seed);
    CHECK(piped.status == 0);
    CHECK(piped.out.find("localhost.localdomain:57290") != std::string::npos);
    CHECK(piped.out.find("three waves (FIN+ACK merged)") != std::string::npos);
    CHECK(piped.out.find("taken as 2000-01-01 UTC") != std::string::npos);
    // Standard input is peeked at: text without --text, a capture as before.
    CHECK(run("--brief - < " + seed).out == piped.out);
    CHECK(run("--brief - < " + sample("seed-1-merged-close")).out.find("192.168.101.25:57290") != std::string::npos);
    const Run detected = run("--brief " + seed);
    CHECK(detected.status == 0);
    std::string renamed = piped.out;  // the notes name the input: "-" there
    for (std::size_t at = 0; (at = renamed.find("\n  -: ", at)) != std::string::npos; at += seed.size())
        renamed.replace(at + 3, 1, seed);
    CHECK(detected.out == renamed);
    // The same bytes are a capture's: no text path for them.
    CHECK(run("--brief " + sample("seed-1-merged-close")).out.find("2000-01-01") == std::string::npos);
}

TEST_CASE("tcpdump text with a malformed line warns naming it and a filter is a usage error", "[cli][tcpdump_text]") {
    const auto path = temp_file("paste.txt");
    {
        std::ofstream out(path);
        out << "$ tcpdump -nn -S -i eth0\n"
               "10:00:00.000001 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 100, win 5, length 0\n"
               "10:00:00.000002 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [R.], seq 0, ack 101, win 0, length 0\n"
               "10:00:00.000003 IP 10.0.0.1.40001 > 10.0.0.2.80: Flags [S], seq 1OO, win 5, length 0\n"
               "10:00:00.000004 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n";
    }
    const Run r = run("--brief --fail-on refused " + path.string());
    CHECK(r.status == 1);
    CHECK(r.out.find("line 4: malformed TCP line") != std::string::npos);
    CHECK(r.out.find("1 ARP") != std::string::npos);
    CHECK(r.out.find("refused") != std::string::npos);
    CHECK(run("--port 80 --text " + path.string()).status == 2);
    std::filesystem::remove(path);
}

namespace {

// The report up to the Input notes (which name the input and the -c stop).
std::string before_input(const std::string& out) { return out.substr(0, out.find("\nInput\n")); }

// What tcpdump -c keeps of a capture, saved to `out`: how many frames.
int tcpdump_prefix(const std::string& file, int n, const std::string& filter, const std::string& out) {
    const std::string keep = "tcpdump -r " + file + " -c " + std::to_string(n) + " -w " + out + " '" + filter + "'";
    REQUIRE(run_command(keep + " > /dev/null").status == 0);
    return std::stoi(run_command("tcpdump -r " + out + " 2>/dev/null | wc -l").out);
}

}  // namespace

TEST_CASE("tcpdump's -c N: the reading stops after N frames, through every reader", "[cli]") {
    const std::string router = std::string(TFE_TEST_DATA_DIR) + "/pcapng/router.pcapng";
    const std::string text = std::string(TFE_TEST_DATA_DIR) + "/tcpdump-text/seed-3-four-way-client-first.txt";
    const auto prefix = temp_file("prefix.pcap");
    struct Case { std::string input, filter; };
    // Classic pcap walked in place, pcapng walked, libpcap's loop on a pipe;
    // with a filter, -c counts the frames it passes.
    for (const Case& c : {Case{sample("four-way-client-first"), ""}, Case{router, ""},
                          Case{"- < " + sample("abort-client"), ""}, Case{router, "tcp port 40062"},
                          Case{sample("four-way-client-first"), "tcp[13] & 1 != 0"}}) {
        for (const int n : {1, 4, 7, 1000}) {
            INFO(c.input << " [" << c.filter << "] -c " << n);
            const std::string file = c.input.rfind("- < ", 0) == 0 ? c.input.substr(4) : c.input;
            const int kept = tcpdump_prefix(file, n, c.filter, prefix.string());
            const std::string filter = c.filter.empty() ? "" : " --filter '" + c.filter + "'";
            const Run cut = run("--brief -c " + std::to_string(n) + filter + " " + c.input);
            CHECK(cut.status == 0);
            CHECK(before_input(cut.out) == before_input(run("--brief " + prefix.string()).out));
            CHECK((cut.out.find("the reading stopped there") != std::string::npos) == (kept == n));
        }
    }
    // tcpdump's text: one packet per line here, so -c N reads N lines.
    const std::string head = temp_file("head.txt").string();
    REQUIRE(run_command("head -n 5 " + text + " > " + head).status == 0);
    CHECK(before_input(run("--brief -c 5 " + text).out) == before_input(run("--brief " + head).out));
    // Across files -c counts on: the second file is read for what is left.
    const Run two = run("--brief -c 12 " + sample("refused") + " " + sample("four-way-client-first"));
    CHECK(two.out.find("-c 12 reached at frame 12:") != std::string::npos);
    // A connection still open where the reading stopped is told so, not
    // as if the capture had ended there.
    const std::string open = run("-c 4 " + sample("four-way-client-first")).out;
    CHECK(open.find("ESTABLISHED) when -c 4 stopped the reading.") != std::string::npos);
    CHECK(open.find("the capture ended") == std::string::npos);
}

namespace {

// Code points of each line longer than `width`, with the line.
std::vector<std::string> lines_wider_than(const std::string& text, std::size_t width) {
    std::vector<std::string> wide;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = text.substr(start, end - start);
        const auto points = std::count_if(line.begin(), line.end(), [](char ch) { return (ch & 0xC0) != 0x80; });
        if (static_cast<std::size_t>(points) > width) wide.push_back(line);
    }
    return wide;
}

// The words of a report, rules taken out of arrows, in sorted order: what
// a width may move between lines but never drop.
std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;) {
        for (std::size_t at; (at = w.find("─")) != std::string::npos;) w.erase(at, std::string("─").size());
        if (!w.empty()) words.push_back(w);
    }
    std::sort(words.begin(), words.end());
    return words;
}

}  // namespace

TEST_CASE("the report fits --width or COLUMNS, brief and full, and drops no word", "[cli][text]") {
    for (const auto& dir : std::filesystem::directory_iterator(kSamples)) {
        const std::string capture = dir.path() / "capture.pcap";
        if (!std::filesystem::exists(capture)) continue;
        INFO(capture);
        for (const char* mode : {"", "--brief "}) {
            // The report on stdout; stderr's one-line warnings are not wrapped.
            const Run natural = run(mode + capture + " 2>/dev/null");
            const Run fitted = run(std::string(mode) + "--width 80 " + capture + " 2>/dev/null");
            CHECK(lines_wider_than(fitted.out, 80).empty());
            CHECK(words_of(fitted.out) == words_of(natural.out));
        }
    }
    // COLUMNS as ls takes it; narrower than 80 is taken as 80.
    const std::string s = sample("crafted-server-side-only");
    CHECK(run_command("COLUMNS=100 " + kTool + " " + s).out == run("--width 100 " + s).out);
    CHECK(run_command("COLUMNS=40 " + kTool + " " + s).out == run("--width 80 " + s).out);
    CHECK(run("--width 79 " + s).status == 2);
}

TEST_CASE("reports of a file come in the order the connections opened, of a pipe as each ends", "[cli]") {
    // lab: #2 opens after #1 and is settled 2.5 s before #1 ends.
    const std::string nested = sample("nested-lifetimes");
    const auto first_ids = [](const std::string& out) {
        std::vector<std::string> ids;
        std::istringstream in(out);
        for (std::string line; std::getline(in, line);)
            if (line.rfind("#", 0) == 0) ids.push_back(line.substr(0, line.find(' ')));
        return ids;
    };
    CHECK(first_ids(run("--brief " + nested).out) == std::vector<std::string>{"#1", "#2"});
    CHECK(first_ids(run("--brief --threads 2 " + nested).out) == std::vector<std::string>{"#1", "#2"});
    CHECK(first_ids(run("--brief - < " + nested).out) == std::vector<std::string>{"#2", "#1"});
}
