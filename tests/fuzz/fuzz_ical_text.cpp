// libFuzzer harness: escaping and folding any bytes gives lines of at most 75
// octets ending in CRLF, valid UTF-8, no raw line breaks, and unfolding gives
// back the escaped text.
#include <livecourse/ical.hpp>

#include "domain/validation.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace livecourse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string escaped = "SUMMARY:";
    ical::append_text_escaped(escaped, input);
    if (!validate::is_utf8(escaped)) std::abort();
    if (escaped.find('\r') != std::string::npos || escaped.find('\n') != std::string::npos) std::abort();
    std::string folded;
    ical::append_folded_line(folded, escaped);
    std::size_t start = 0;
    while (start < folded.size()) {
        auto end = folded.find("\r\n", start);
        if (end == std::string::npos) std::abort();  // every line ends with CRLF
        if (end - start > 75) std::abort();
        if (!validate::is_utf8(folded.substr(start, end - start))) std::abort();  // no split sequence
        start = end + 2;
    }
    if (ical::unfold(folded) != escaped + "\r\n" && ical::unfold(folded) != escaped) std::abort();
    return 0;
}
