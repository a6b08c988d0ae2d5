// PostgreSQL connection URIs as the store sees them: livecourse's own query
// parameters (`pool_size`, `statement_timeout_ms`) taken out before libpq sees
// the URI, and the password kept out of every message.
#pragma once

#include <livecourse/store.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace livecourse::pg {

// True for `postgresql://...` and `postgres://...` (scheme case-insensitive).
bool is_postgres_uri(std::string_view s) noexcept;

// Moves livecourse's own query parameters from `options.uri` into the option
// fields (a value in the URI wins over the field) and leaves a URI libpq
// accepts. Throws Error(invalid_argument, field "database") on a bad value.
void take_uri_options(PostgresOptions& options);

// The URI with the password removed (from the user info and from a
// `password=` query parameter): safe to put in a message.
std::string redact_uri(std::string_view uri);

// Everything that could reveal the password inside a libpq or server message:
// the password as written in the URI and percent-decoded.
class Secrets {
public:
    explicit Secrets(std::string_view uri);
    // `message` with every secret replaced by "***".
    std::string scrub(std::string message) const;

private:
    std::vector<std::string> secrets_;
};

}  // namespace livecourse::pg
