// Jitsi Meet: room names, room passwords, tokens Jitsi accepts, join links.
//
// A live session happens in one Jitsi room. The library names that room with
// a CSPRNG so it cannot be guessed, and, depending on the deployment, signs a
// JSON Web Token that lets an admitted user in with the right role:
//   - public_server (meet.jit.si): no token is accepted there, so none is
//     issued; the unguessable room name and the room password, handed only to
//     admitted participants, are the protection;
//   - self_hosted: prosody token auth, HS256 with the app secret;
//   - jaas (8x8 Jitsi as a Service): RS256 with the key uploaded to JaaS.
// Every token rule here follows what Jitsi's prosody plugins and JaaS really
// check (`typ: JWT`, integer `exp`/`nbf` with no leeway, `sub` = domain,
// tenant or AppID, lower-case `room`, ...). The verifier applies the same
// rules, for tests, the reference server and hosts that receive tokens.
// Everything here is a pure function of its inputs plus a key or the CSPRNG;
// nothing touches storage.
//
// Thread-safety: `Config`, `Features`, requests and results are values.
// `RoomNamer`, `TokenIssuer` and `TokenVerifier` are immutable after
// construction and may be shared by any number of threads (minting,
// verifying and naming take no lock). Free functions are reentrant.
#pragma once

#include "livecourse/clock.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace livecourse::jitsi {

enum class Mode { public_server, self_hosted, jaas };

// "public_server", "self_hosted", "jaas".
std::string_view to_string(Mode mode) noexcept;
// Accepts the names above (and "public" for public_server).
std::optional<Mode> parse_mode(std::string_view text) noexcept;

inline constexpr std::string_view public_server_url = "https://meet.jit.si";
inline constexpr std::string_view jaas_server_url = "https://8x8.vc";
inline constexpr std::size_t min_secret_bytes = 32;

struct Config {
    Mode mode = Mode::public_server;
    // Scheme and host (and port), nothing else: "https://meet.example.com".
    // In jaas mode, leaving the public default (or empty) means https://8x8.vc.
    std::string server_url = std::string(public_server_url);
    // Self-hosted deployments with tenants: rooms live at /<tenant>/<room>.
    std::string tenant;
    // self_hosted: the token issuer (`iss`); jaas: the AppID "vpaas-magic-cookie-...".
    std::string app_id;
    // self_hosted: the HS256 secret shared with prosody, at least 32 bytes.
    std::string app_secret;
    // self_hosted `sub`: the XMPP domain or the tenant. Empty: the tenant if
    // set, else the host of server_url. Ignored (must be empty or the AppID) in jaas mode.
    std::string subject;
    std::string audience = "jitsi";
    // jaas: the key id shown in the JaaS console; the header kid is "<app_id>/<jaas_key_id>".
    std::string jaas_key_id;
    // jaas: the RSA private key (PEM, PKCS#8 or PKCS#1, unencrypted, >= 2048 bits).
    std::string jaas_private_key_pem;
    // First part of every room name; slugged, at most 16 characters.
    std::string room_prefix = "lc";
    std::chrono::seconds token_grace{std::chrono::minutes(15)};
    std::chrono::seconds token_cap{std::chrono::hours(12)};  // max lifetime from issue time
    std::chrono::seconds not_before_skew{10};
    bool livestreaming = false;
    // Seed defaults for the meeting UI: 360p, 20 videos at once, audio muted on join.
    int resolution = 360;
    int channel_last_n = 20;
    bool start_audio_muted = true;
};

// Throws Error(invalid_argument) naming the field ("jitsi.app_secret", ...):
// bad server URL or tenant, missing app id in a token mode, a secret shorter
// than 32 bytes, an unusable PEM key, a JaaS AppID without its
// "vpaas-magic-cookie-" prefix, negative durations, out-of-range UI numbers.
void validate(const Config& config);

// The effective "https://host[:port]" (JaaS default applied, trailing slash
// and case of the host normalised).
std::string server_base_url(const Config& config);
// "host[:port]", what the IFrame API calls the domain.
std::string server_domain(const Config& config);
// The `iss` and `sub` tokens carry in this configuration.
std::string token_issuer_claim(const Config& config);
std::string token_subject_claim(const Config& config);
// The path of a room on the server: "<room>", "<tenant>/<room>" or "<AppID>/<room>".
std::string room_path(const Config& config, std::string_view room);

// Lower-case ASCII letters, digits and single dashes, no dash at either end,
// at most max_len (>= 1) characters, never empty ("x" when nothing is left).
// Latin-1 accented letters are folded to their base letter ("é" -> "e").
std::string slug(std::string_view id, std::size_t max_len);

inline constexpr std::size_t max_room_name_length = 96;
inline constexpr std::size_t room_random_chars = 20;        // base32: 100 bits
inline constexpr std::size_t room_password_length = 14;     // 31 symbols: 69 bits
// Readable password alphabet: no 0/O/o, 1/l/I/i look-alikes, lower case only.
inline constexpr std::string_view room_password_alphabet = "23456789abcdefghjkmnpqrstuvwxyz";

class RoomNamer {
public:
    explicit RoomNamer(std::string prefix);
    // "<prefix>-course-<course-slug>-session-<session-slug>-<random>": only
    // [a-z0-9-], at most 96 characters, the last 20 from the CSPRNG (base32).
    // Ids never decide uniqueness: the random part does.
    std::string room_name(std::string_view course_id, std::string_view session_number) const;
    // 14 characters from room_password_alphabet, uniformly from the CSPRNG.
    std::string room_password() const;
    const std::string& prefix() const noexcept { return prefix_; }

private:
    std::string prefix_;
};

struct Features {
    bool recording = false;
    bool screen_sharing = false;
    bool livestreaming = false;
    bool transcription = false;
    bool outbound_call = false;
};

// The role names of the JSON vocabulary: "instructor" and "moderator" are
// moderators in the room, "participant" (and anything unknown) is not.
bool is_moderator_role(std::string_view role) noexcept;

// Recording only for moderators of sessions with recording enabled; screen
// sharing for moderators always, for participants only when the session
// allows it; livestreaming only for moderators and only when configured;
// transcription and outbound calls off.
Features features_for(const Config& config, bool moderator, bool recording_enabled,
                      bool participants_may_share_screen);

// Expiry of a token issued at `now` for a session scheduled to end at
// `scheduled_end`: the scheduled end (now, once it has passed) plus the
// grace, never more than now + cap, always after now.
Instant token_expiry(const Config& config, Instant now, Instant scheduled_end);

struct TokenRequest {
    std::string room;   // the bare room name; lower-cased in the token
    std::string user_id;
    std::string name;
    std::string email;  // optional
    std::string avatar; // optional URL
    bool moderator = false;
    Features features;
    Instant issued_at{};
    Instant expires_at{};
};

class TokenIssuer {
public:
    // Validates the configuration (throws as validate()) and prepares the
    // key once: the keyed HMAC context or the parsed RSA key.
    explicit TokenIssuer(const Config& config);
    ~TokenIssuer();
    TokenIssuer(const TokenIssuer&);
    TokenIssuer& operator=(const TokenIssuer&);
    TokenIssuer(TokenIssuer&&) noexcept;
    TokenIssuer& operator=(TokenIssuer&&) noexcept;

    bool issues_tokens() const noexcept;  // false in public_server mode
    // The compact JWS, or nullopt in public_server mode. Throws
    // Error(invalid_argument) on an empty user id, a room outside
    // [a-z0-9._~-] (after lower-casing; "*" is never issued) or
    // expires_at <= issued_at.
    std::optional<std::string> mint(const TokenRequest& request) const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

struct VerifiedToken {
    boost::json::object header;
    boost::json::object claims;
    std::string subject_user_id;  // context.user.id, else sub
    std::string room;             // the room claim as written
    bool moderator = false;       // context.user.moderator is true or "true"
    Instant expires_at{};
};

struct VerifyOptions {
    std::string expected_issuer;    // checked when non-empty
    std::string expected_audience;  // checked when non-empty (aud string, or array containing it)
    std::optional<std::string> expected_room;  // compared lower-cased; a "*" claim matches any room
    std::optional<std::string> expected_sub;
    std::optional<std::string> expected_kid;   // RS256 only
    // When set, exp may be at most this far past `now`, and past iat when
    // the token has one.
    std::optional<std::chrono::seconds> max_lifetime;
    Instant now{};
};

class TokenVerifier {
public:
    static TokenVerifier hs256(std::string secret);
    // A PEM public key (SubjectPublicKeyInfo) or an RSA private key, whose
    // public half is used. Throws Error(invalid_argument) if unusable.
    static TokenVerifier rs256(std::string public_key_pem);
    // The verifier matching an issuer built from this configuration
    // (throws Error(invalid_argument) in public_server mode).
    static TokenVerifier for_config(const Config& config);

    ~TokenVerifier();
    TokenVerifier(const TokenVerifier&);
    TokenVerifier& operator=(const TokenVerifier&);
    TokenVerifier(TokenVerifier&&) noexcept;
    TokenVerifier& operator=(TokenVerifier&&) noexcept;

    // Jitsi's rules, strictly: three non-empty segments; header alg equal to
    // this verifier's (so "none" and algorithm confusion are refused), typ
    // exactly "JWT", a kid for RS256; the signature (constant-time); exp
    // required and nbf optional, both integers, now >= exp and now < nbf
    // refused with no leeway; then iss, aud, room and sub as asked.
    // Throws Error(unauthenticated) with reason invalid_token, token_expired
    // or token_not_yet_valid. Messages never contain the token.
    VerifiedToken verify(std::string_view token, const VerifyOptions& options) const;

private:
    struct Impl;
    explicit TokenVerifier(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> impl_;
};

// The VerifyOptions matching tokens minted under this configuration.
VerifyOptions verify_options_for(const Config& config, Instant now, std::optional<std::string> room = {});

// The PEM SubjectPublicKeyInfo of an RSA private key (PKCS#8 or PKCS#1 PEM).
std::string rsa_public_key_pem(std::string_view private_key_pem);

struct JoinLinkOptions {
    std::optional<std::string> jwt;
    std::string display_name;
    std::string email;
    bool moderator = false;
    bool screen_sharing = false;  // moderators may always share
};

// https://<host>/[<tenant>/|<AppID>/]<room>?jwt=...#config.startWithAudioMuted=true
//   &config.resolution=360&config.channelLastN=20&userInfo.displayName=%22...%22
// Hash values are JSON (Jitsi decodes then JSON-parses each), percent-encoded
// so that no name can add, cut or alter a parameter. When screen sharing is
// not allowed, config.toolbarButtons omits "desktop" (a UI restriction; the
// token's screen-sharing feature is what self-hosted Jitsi checks).
std::string join_url(const Config& config, std::string_view room, const JoinLinkOptions& options);

// Options for `new JitsiMeetExternalAPI(domain, options)`: domain, roomName
// (with "<tenant>/" or "<AppID>/"), jwt (when given), configOverwrite,
// interfaceConfigOverwrite, userInfo {displayName, email}.
boost::json::object iframe_options(const Config& config, std::string_view room, const JoinLinkOptions& options);

}  // namespace livecourse::jitsi
