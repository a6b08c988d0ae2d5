// RSA keys for RS256 (JaaS): loading PEM once, signing, verifying.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace livecourse::jitsi::detail {

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const noexcept;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline constexpr int min_rsa_bits = 2048;

// An unencrypted RSA private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE
// KEY") of at least 2048 bits. Throws Error(invalid_argument, field) otherwise;
// an encrypted key is refused without ever prompting for a passphrase.
PkeyPtr load_rsa_private_key(std::string_view pem, const char* field);
// A "PUBLIC KEY" PEM, or a private key PEM whose public half is used.
PkeyPtr load_rsa_public_key(std::string_view pem, const char* field);
std::string public_key_pem(EVP_PKEY* key);

// RSASSA-PKCS1-v1_5 with SHA-256: the raw signature bytes.
std::string rs256_sign(EVP_PKEY* key, std::string_view data);
bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

}  // namespace livecourse::jitsi::detail
