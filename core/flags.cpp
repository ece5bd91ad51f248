#include "core/flags.hpp"

namespace tfe {

std::string TcpFlags::tcpdump() const {
    // tcpdump prints in this order: S F P R U W E and '.' for ACK last.
    std::string out;
    if (any(SYN)) out += 'S';
    if (any(FIN)) out += 'F';
    if (any(PSH)) out += 'P';
    if (any(RST)) out += 'R';
    if (any(URG)) out += 'U';
    if (any(CWR)) out += 'W';
    if (any(ECE)) out += 'E';
    if (any(ACK)) out += '.';
    if (out.empty()) out = "none";
    return out;
}

std::string TcpFlags::names() const {
    static constexpr struct { std::uint8_t bit; const char* name; } table[] = {
        {CWR, "CWR"}, {ECE, "ECE"}, {URG, "URG"}, {ACK, "ACK"},
        {PSH, "PSH"}, {RST, "RST"}, {SYN, "SYN"}, {FIN, "FIN"},
    };
    std::string out;
    for (const auto& f : table) {
        if (!any(f.bit)) continue;
        if (!out.empty()) out += ", ";
        out += f.name;
    }
    return out.empty() ? "<none>" : out;
}

const char* TcpFlags::oddity() const {
    if (bits == 0) return "null_flags";
    if (any(SYN) && any(FIN)) return "syn_fin";
    if (any(SYN) && any(RST)) return "syn_rst";
    if (any(FIN) && any(RST)) return "fin_rst";
    if (any(FIN) && !any(ACK)) return "fin_without_ack";
    return nullptr;
}

}  // namespace tfe
