// Configuration of the Jitsi deployment and the policies that depend on it
// (claims, expiry, features).
#include "jitsi/config_rules.hpp"
#include "jitsi/rsa_key.hpp"

#include "livecourse/error.hpp"

#include <algorithm>

namespace livecourse::jitsi {
namespace {

bool is_lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
using detail::ascii_lower;

bool printable_ascii_without_space(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// DNS host name: dot-separated labels of [a-z0-9-], no label empty or
// starting/ending with a dash.
bool valid_host(std::string_view host) noexcept {
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = host.find('.', start);
        const std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return is_lower_alnum(c) || c == '-'; })) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

bool valid_tenant(std::string_view t) noexcept {
    if (t.empty() || t.size() > 63 || t.front() == '.') return false;
    return std::all_of(t.begin(), t.end(), [](char c) { return is_lower_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::string effective_url_text(const Config& c) {
    if (c.mode == Mode::jaas && (c.server_url.empty() || c.server_url == public_server_url)) {
        return std::string(jaas_server_url);
    }
    return c.server_url;
}

detail::ServerUrl parsed_url(const Config& c) {
    auto u = detail::parse_server_url(effective_url_text(c));
    if (!u) {
        throw Error::invalid("jitsi.server_url",
                             "expected https://host[:port] with no path (http only for localhost)");
    }
    return *u;
}

}  // namespace

std::string_view to_string(Mode mode) noexcept {
    switch (mode) {
    case Mode::public_server: return "public_server";
    case Mode::self_hosted: return "self_hosted";
    case Mode::jaas: return "jaas";
    }
    return "public_server";
}

std::optional<Mode> parse_mode(std::string_view text) noexcept {
    if (text == "public_server" || text == "public") return Mode::public_server;
    if (text == "self_hosted") return Mode::self_hosted;
    if (text == "jaas") return Mode::jaas;
    return std::nullopt;
}

namespace detail {

std::optional<ServerUrl> parse_server_url(std::string_view url) {
    ServerUrl out;
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    for (const char c : url.substr(0, sep)) out.scheme += ascii_lower(c);
    if (out.scheme != "https" && out.scheme != "http") return std::nullopt;
    std::string_view rest = url.substr(sep + 3);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    // Anything past the authority (path, query, fragment, user info) is
    // refused rather than guessed at: tenants have their own field.
    if (rest.find_first_of("/?#@\\") != std::string_view::npos) return std::nullopt;
    const std::size_t colon = rest.find(':');
    std::string_view host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
        const std::string_view port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        const int p = std::stoi(std::string(port));
        if (p < 1 || p > 65535) return std::nullopt;
        out.port = std::string(port);
    }
    for (const char c : host) out.host += ascii_lower(c);
    if (!valid_host(out.host)) return std::nullopt;
    // Tokens ride in the URL: plain http only where nothing leaves the machine.
    if (out.scheme == "http" && out.host != "localhost" && out.host != "127.0.0.1") return std::nullopt;
    return out;
}

void check_room(std::string_view room, const char* field) {
    if (room.empty() || room.size() > 200) throw Error::invalid(field, "room name must have 1 to 200 characters");
    for (const char c : room) {
        const char l = ascii_lower(c);
        if (!(is_lower_alnum(l) || l == '-' || l == '.' || l == '_' || l == '~')) {
            throw Error::invalid(field, "room name may only contain letters, digits, '-', '.', '_' and '~'");
        }
    }
}

std::string normalized_room(std::string_view room, const char* field) {
    check_room(room, field);
    std::string out(room);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

std::string jaas_kid(const Config& config) { return config.app_id + "/" + config.jaas_key_id; }

}  // namespace detail

void validate(const Config& c) {
    parsed_url(c);
    if (!c.tenant.empty() && !valid_tenant(c.tenant)) {
        throw Error::invalid("jitsi.tenant", "tenant must be lower-case letters, digits, '-', '_' or '.'");
    }
    if (c.room_prefix.empty() || c.room_prefix.size() > 16 ||
        std::none_of(c.room_prefix.begin(), c.room_prefix.end(), [](char ch) { return is_lower_alnum(ascii_lower(ch)); })) {
        throw Error::invalid("jitsi.room_prefix", "room prefix must have 1 to 16 characters, including a letter or digit");
    }
    if (c.token_grace < std::chrono::seconds(0)) throw Error::invalid("jitsi.token_grace", "grace must not be negative");
    if (c.token_cap <= std::chrono::seconds(0) || c.token_cap > std::chrono::hours(24 * 7)) {
        throw Error::invalid("jitsi.token_cap", "token cap must be between 1 second and 7 days");
    }
    if (c.not_before_skew < std::chrono::seconds(0) || c.not_before_skew > std::chrono::hours(1)) {
        throw Error::invalid("jitsi.not_before_skew", "not-before skew must be between 0 and 1 hour");
    }
    if (c.resolution < 90 || c.resolution > 2160) throw Error::invalid("jitsi.resolution", "resolution must be 90..2160");
    if (c.channel_last_n < -1 || c.channel_last_n > 1000) {
        throw Error::invalid("jitsi.channel_last_n", "channel_last_n must be -1 (unlimited) or 0..1000");
    }

    switch (c.mode) {
    case Mode::public_server:
        return;  // no token: nothing else is used
    case Mode::self_hosted:
        if (c.app_id.empty() || !printable_ascii_without_space(c.app_id)) {
            throw Error::invalid("jitsi.app_id", "self-hosted token auth needs the app id (printable, no spaces)");
        }
        if (c.app_secret.size() < min_secret_bytes) {
            throw Error::invalid("jitsi.app_secret", "the app secret must be at least 32 bytes");
        }
        if (c.audience.empty() || !printable_ascii_without_space(c.audience)) {
            throw Error::invalid("jitsi.audience", "audience must be a non-empty printable string");
        }
        if (!c.subject.empty() && !printable_ascii_without_space(c.subject)) {
            throw Error::invalid("jitsi.subject", "subject must be printable, without spaces");
        }
        return;
    case Mode::jaas:
        if (c.app_id.size() <= detail::jaas_app_id_prefix.size() || !c.app_id.starts_with(detail::jaas_app_id_prefix) ||
            !std::all_of(c.app_id.begin(), c.app_id.end(), [](char ch) { return is_lower_alnum(ch) || ch == '-'; })) {
            throw Error::invalid("jitsi.app_id", "JaaS needs the AppID \"vpaas-magic-cookie-...\"");
        }
        if (c.jaas_key_id.empty() || !printable_ascii_without_space(c.jaas_key_id) || c.jaas_key_id.find('/') != std::string::npos) {
            throw Error::invalid("jitsi.jaas_key_id", "JaaS needs the API key id from the console (no '/')");
        }
        if (!c.tenant.empty()) throw Error::invalid("jitsi.tenant", "JaaS rooms live under the AppID; leave tenant empty");
        if (c.audience != detail::jaas_audience) throw Error::invalid("jitsi.audience", "JaaS requires audience \"jitsi\"");
        if (!c.subject.empty() && c.subject != c.app_id) {
            throw Error::invalid("jitsi.subject", "JaaS requires sub to be the AppID; leave subject empty");
        }
        detail::load_rsa_private_key(c.jaas_private_key_pem, "jitsi.jaas_private_key_pem");
        return;
    }
}

namespace {
// host[:port], as Jitsi's IFrame API and a link's authority spell it.
std::string domain_of(const detail::ServerUrl& u) { return u.port.empty() ? u.host : u.host + ":" + u.port; }
}  // namespace

std::string server_base_url(const Config& c) {
    const auto u = parsed_url(c);  // parsed once: this is on every join link's path
    return u.scheme + "://" + domain_of(u);
}

std::string server_domain(const Config& c) { return domain_of(parsed_url(c)); }

std::string token_issuer_claim(const Config& c) {
    return c.mode == Mode::jaas ? std::string(detail::jaas_issuer) : c.app_id;
}

std::string token_subject_claim(const Config& c) {
    if (c.mode == Mode::jaas) return c.app_id;
    if (!c.subject.empty()) return c.subject;
    if (!c.tenant.empty()) return c.tenant;
    return parsed_url(c).host;  // the XMPP domain is the host, without port
}

std::string room_path(const Config& c, std::string_view room) {
    std::string r = detail::normalized_room(room, "jitsi_room_name");
    if (c.mode == Mode::jaas) return c.app_id + "/" + r;
    if (!c.tenant.empty()) return c.tenant + "/" + r;
    return r;
}

bool is_moderator_role(std::string_view role) noexcept { return role == "instructor" || role == "moderator"; }

Features features_for(const Config& c, bool moderator, bool recording_enabled, bool participants_may_share_screen) {
    Features f;
    f.recording = moderator && recording_enabled;
    f.screen_sharing = moderator || participants_may_share_screen;
    f.livestreaming = moderator && c.livestreaming;
    f.transcription = false;
    f.outbound_call = false;
    return f;
}

Instant token_expiry(const Config& c, Instant now, Instant scheduled_end) {
    // Before or during the session: its scheduled end; once that has passed
    // (a class running late), now. Either way plus the grace, within the cap.
    Instant exp = std::max(scheduled_end, now) + c.token_grace;
    exp = std::min(exp, now + c.token_cap);
    // Jitsi refuses now >= exp: a token must be valid at least at issue time.
    if (exp <= now) exp = now + std::chrono::seconds(1);
    return exp;
}

VerifyOptions verify_options_for(const Config& c, Instant now, std::optional<std::string> room) {
    VerifyOptions o;
    o.expected_issuer = token_issuer_claim(c);
    o.expected_audience = c.mode == Mode::jaas ? std::string(detail::jaas_audience) : c.audience;
    o.expected_sub = token_subject_claim(c);
    if (c.mode == Mode::jaas) o.expected_kid = detail::jaas_kid(c);
    o.expected_room = std::move(room);
    o.now = now;
    return o;
}

std::string rsa_public_key_pem(std::string_view private_key_pem) {
    auto key = detail::load_rsa_private_key(private_key_pem, "jaas_private_key_pem");
    return detail::public_key_pem(key.get());
}

}  // namespace livecourse::jitsi
