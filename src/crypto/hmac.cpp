// HMAC-SHA256 through OpenSSL's EVP_MAC API.
//
// The keyed context is initialised once; each message works on a duplicate
// (EVP_MAC_CTX_dup), which copies the already-absorbed inner and outer pad
// states. Duplicating only reads the template, so concurrent signers need no
// lock.
#include "livecourse/hmac.hpp"

#include "livecourse/error.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace livecourse {
namespace {

[[noreturn]] void fail(const char* what) {
    ERR_clear_error();
    throw Error(ErrorCode::internal, std::string("HMAC-SHA256: ") + what);
}

struct MacDeleter {
    void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

}  // namespace

struct HmacSha256Key::Impl {
    std::unique_ptr<EVP_MAC_CTX, MacDeleter> prepared;
};

HmacSha256Key::HmacSha256Key(std::string_view key) : impl_(std::make_unique<Impl>()) {
    std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) fail("HMAC is not available");
    impl_->prepared.reset(EVP_MAC_CTX_new(mac.get()));  // holds its own reference to mac
    if (!impl_->prepared) fail("out of memory");

    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    // HMAC pads the key with zero bytes to the block size, so the empty key
    // and the single zero byte are the same key; the latter avoids providers
    // that refuse a zero-length key.
    static constexpr unsigned char zero = 0;
    const auto* k = key.empty() ? &zero : reinterpret_cast<const unsigned char*>(key.data());
    const std::size_t klen = key.empty() ? 1 : key.size();
    if (EVP_MAC_init(impl_->prepared.get(), k, klen, params) != 1) fail("cannot set the key");
}

HmacSha256Key::~HmacSha256Key() = default;
HmacSha256Key::HmacSha256Key(HmacSha256Key&&) noexcept = default;
HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&&) noexcept = default;

HmacSha256Digest HmacSha256Key::sign(std::string_view data) const {
    std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_dup(impl_->prepared.get()));
    if (!ctx) fail("cannot copy the keyed context");
    HmacSha256Digest out{};
    std::size_t len = 0;
    if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
        fail("signing failed");
    }
    return out;
}

std::string HmacSha256Key::sign_to_string(std::string_view data) const {
    const auto d = sign(data);
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    return HmacSha256Key(key).sign_to_string(data);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Lengths are public (a MAC's length is fixed); only contents are secret.
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace livecourse
