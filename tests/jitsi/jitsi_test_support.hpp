// Helpers shared by the jitsi tests: configurations, throwaway RSA keys,
// hand-made tokens, temporary files and running the independent checkers.
#pragma once

#include "livecourse/error.hpp"
#include "livecourse/hmac.hpp"
#include "livecourse/jitsi.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace jitsi_test {

using namespace std::chrono_literals;
namespace lj = livecourse::jitsi;

inline const std::string secret32 = "0123456789abcdef0123456789abcdef";  // exactly 32 bytes
inline const std::string jaas_app_id = "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe";

// 2024-03-01T14:00:00Z
inline constexpr livecourse::Instant t0{std::chrono::seconds(1709301600)};

inline lj::Config self_hosted_config() {
    lj::Config c;
    c.mode = lj::Mode::self_hosted;
    c.server_url = "https://meet.example.com";
    c.app_id = "livecourse";
    c.app_secret = secret32;
    return c;
}

// A fresh RSA private key as PEM: PKCS#8 ("PRIVATE KEY") or PKCS#1
// ("RSA PRIVATE KEY", OpenSSL's traditional form).
inline std::string generate_rsa_pem(unsigned bits = 2048, bool pkcs1 = false) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), EVP_PKEY_free);
    if (!key) throw std::runtime_error("RSA key generation failed");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    const int ok = pkcs1 ? PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
                         : PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    if (ok != 1) throw std::runtime_error("PEM write failed");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// One key per test process: generation is the slow part.
inline const std::string& shared_rsa_pem() {
    static const std::string pem = generate_rsa_pem();
    return pem;
}

inline lj::Config jaas_config() {
    lj::Config c;
    c.mode = lj::Mode::jaas;
    c.app_id = jaas_app_id;
    c.jaas_key_id = "4f4910";
    c.jaas_private_key_pem = shared_rsa_pem();
    return c;
}

inline lj::TokenRequest request(std::string room = "lc-course-c1-session-1-abcdefghijklmnopqrst") {
    lj::TokenRequest r;
    r.room = std::move(room);
    r.user_id = "u-42";
    r.name = "Ada Lovelace";
    r.email = "ada@example.com";
    r.issued_at = t0;
    r.expires_at = t0 + 2h;
    return r;
}

inline std::string segment(std::string_view token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
    const std::size_t end = token.find('.', start);
    return std::string(token.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

inline std::string decoded_segment(std::string_view token, int index) {
    auto d = livecourse::base64url_decode(segment(token, index));
    if (!d) throw std::runtime_error("segment is not base64url");
    return *d;
}

inline boost::json::object claims_of(std::string_view token) {
    return boost::json::parse(decoded_segment(token, 1)).as_object();
}

// A token over arbitrary header and claims text, HS256-signed with `secret`.
inline std::string hs256_token(std::string_view header_json, std::string_view claims_json, std::string_view secret) {
    std::string input = livecourse::base64url_encode(header_json) + "." + livecourse::base64url_encode(claims_json);
    return input + "." + livecourse::base64url_encode(livecourse::hmac_sha256(secret, input));
}

// Runs a check expected to throw livecourse::Error and returns it.
template <class F>
livecourse::Error error_from(F&& f) {
    try {
        f();
    } catch (const livecourse::Error& e) {
        return e;
    }
    throw std::runtime_error("expected a livecourse::Error, nothing was thrown");
}

class TempDir {
public:
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "lc-jitsi-XXXXXX").string();
        if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::filesystem::path write(const std::string& name, std::string_view content) const {
        const auto p = path_ / name;
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }

private:
    std::filesystem::path path_;
};

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

inline CommandResult run(const std::string& command) {
    CommandResult r;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed");
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// tests/jitsi, found beside the test data directory the build defines.
inline std::filesystem::path tests_dir() {
    return std::filesystem::path(LIVECOURSE_TEST_DATA_DIR).parent_path() / "jitsi";
}

inline std::string python_checker() {
    return quote(LIVECOURSE_SYSTEM_PYTHON) + " " + quote((tests_dir() / "verify_jwt.py").string());
}

inline std::int64_t unix_now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()).time_since_epoch().count();
}

}  // namespace jitsi_test
