#include "core/flags.hpp"

namespace tfe {

TcpFlags::Letters::Letters(TcpFlags f) {
    // tcpdump prints in this order: S F P R U W E and '.' for ACK last.
    static constexpr struct { std::uint8_t bit; char letter; } order[] = {
        {SYN, 'S'}, {FIN, 'F'}, {PSH, 'P'}, {RST, 'R'}, {URG, 'U'}, {CWR, 'W'}, {ECE, 'E'}, {ACK, '.'},
    };
    for (const auto& o : order)
        if (f.any(o.bit)) text[size++] = o.letter;
    if (size == 0) {
        const std::string_view none = "none";
        for (char ch : none) text[size++] = ch;
    }
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
