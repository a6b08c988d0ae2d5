// libFuzzer harness: the JWT verifier must refuse garbage with a typed error,
// never crash, and never accept a token it did not see signed.
#include <livecourse/error.hpp>
#include <livecourse/jitsi.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace livecourse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto verifier = jitsi::TokenVerifier::hs256(std::string(32, 'k'));
    std::string_view token(reinterpret_cast<const char*>(data), size);
    jitsi::VerifyOptions o;
    o.now = Instant(Seconds(1'700'000'000));
    try {
        verifier.verify(token, o);
        // Acceptance needs the HMAC of the key: a fuzzer cannot forge it.
        std::abort();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::unauthenticated) std::abort();
    }
    return 0;
}
