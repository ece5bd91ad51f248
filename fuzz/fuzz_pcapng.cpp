// A pcapng file from memory (a memfd, so a regular file with a path), read
// by our block walker and by libpcap's loop, held to each other as
// fuzz/pcapng_check.hpp says. Inputs that are not pcapng are made so: the
// first four bytes become a Section Header Block's type.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/pcapng_check.hpp"

TFE_FUZZ_TARGET(pcapng) {
    std::vector<std::uint8_t> file(data, data + size);
    constexpr std::uint8_t kShb[4] = {0x0A, 0x0D, 0x0D, 0x0A};
    if (file.size() >= 4) std::memcpy(file.data(), kShb, 4);
    const int fd = memfd_create("fuzz-pcapng", 0);
    TFE_FUZZ_CHECK(fd >= 0);
    std::size_t written = 0;
    while (written < file.size()) {
        const ssize_t n = write(fd, file.data() + written, file.size() - written);
        TFE_FUZZ_CHECK(n > 0);
        written += static_cast<std::size_t>(n);
    }
    tfe::fuzz::check_pcapng_readers("/proc/self/fd/" + std::to_string(fd));
    close(fd);
    return 0;
}
