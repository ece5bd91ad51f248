// tfe_pcap_read_loop FILE: the floor for any pcap reader. Opens the file with
// libpcap, calls pcap_next_ex for every record and touches its lengths and
// first byte (so nothing is optimised away), then prints the packet count
// and the elapsed time.

#include <chrono>
#include <cstdint>
#include <cstdio>

#include <pcap/pcap.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tfe_pcap_read_loop FILE\n");
        return 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* pcap = pcap_open_offline(argv[1], errbuf);
    if (!pcap) {
        std::fprintf(stderr, "%s: %s\n", argv[1], errbuf);
        return 1;
    }
    std::uint64_t packets = 0, bytes = 0, checksum = 0;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc;
    while ((rc = pcap_next_ex(pcap, &header, &data)) == 1) {
        ++packets;
        bytes += header->len;
        checksum += header->caplen ? data[0] : 0;
    }
    if (rc == PCAP_ERROR) std::fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(pcap));
    pcap_close(pcap);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%llu packets, %llu bytes, %.3f s, %.2f M packets/s (x%llu)\n",
                static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes), secs,
                static_cast<double>(packets) / secs / 1e6, static_cast<unsigned long long>(checksum & 0xff));
    return rc == PCAP_ERROR ? 1 : 0;
}
