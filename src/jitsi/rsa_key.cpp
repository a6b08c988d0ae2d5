#include "jitsi/rsa_key.hpp"

#include "livecourse/error.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>

namespace livecourse::jitsi::detail {
namespace {

struct BioDeleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// Refuses to decrypt: without this callback OpenSSL would prompt on the
// terminal for an encrypted key's passphrase.
int no_passphrase(char*, int, int, void*) { return -1; }

BioPtr memory_bio(std::string_view pem, const char* field) {
    if (pem.size() > INT_MAX) throw Error::invalid(field, "PEM text too large");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw Error(ErrorCode::internal, "out of memory");
    return bio;
}

void require_rsa(const PkeyPtr& key, const char* field) {
    if (EVP_PKEY_is_a(key.get(), "RSA") != 1) throw Error::invalid(field, "the key is not an RSA key");
    if (EVP_PKEY_get_bits(key.get()) < min_rsa_bits) throw Error::invalid(field, "the RSA key is shorter than 2048 bits");
}

[[noreturn]] void internal(const char* what) {
    ERR_clear_error();
    throw Error(ErrorCode::internal, std::string("RS256: ") + what);
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }

PkeyPtr load_rsa_private_key(std::string_view pem, const char* field) {
    if (pem.empty()) throw Error::invalid(field, "an RSA private key (PEM) is required");
    auto bio = memory_bio(pem, field);
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
    if (!key) throw Error::invalid(field, "not an unencrypted PEM private key");
    require_rsa(key, field);
    return key;
}

PkeyPtr load_rsa_public_key(std::string_view pem, const char* field) {
    if (pem.empty()) throw Error::invalid(field, "an RSA public key (PEM) is required");
    PkeyPtr key;
    {
        auto bio = memory_bio(pem, field);
        key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
    }
    if (!key) {
        auto bio = memory_bio(pem, field);
        key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    }
    ERR_clear_error();
    if (!key) throw Error::invalid(field, "not a PEM public key");
    require_rsa(key, field);
    return key;
}

std::string public_key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) internal("cannot write the public key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string rs256_sign(EVP_PKEY* key, std::string_view data) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) internal("cannot start signing");
    std::string sig(static_cast<std::size_t>(EVP_PKEY_get_size(key)), '\0');
    std::size_t len = sig.size();
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        internal("signing failed");
    }
    sig.resize(len);
    return sig;
}

bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) internal("cannot start verifying");
    const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                    reinterpret_cast<const unsigned char*>(data.data()), data.size());
    ERR_clear_error();  // a bad signature leaves an error on the queue
    return rc == 1;
}

}  // namespace livecourse::jitsi::detail
