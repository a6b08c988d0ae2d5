// PostgreSQL connection URIs as the store sees them: livecourse's own query
// parameters (`pool_size`, `statement_timeout_ms`) taken out before libpq sees
// the URI, and the password kept out of every message (redaction itself is
// public: livecourse::redact_database_location in store.hpp).
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

// (A URI for a message: livecourse::redact_database_location, store.hpp.)

// Everything that could reveal a password inside a libpq or server message:
// each secret redact_database_location hides (the user info's password, a
// `password` or `sslpassword` query parameter whatever the percent-encoding
// of its key, a keyword/value string's password, quoted or not), as written
// and as libpq reads it (percent-decoded, unquoted).
class Secrets {
public:
    explicit Secrets(std::string_view database);
    // `message` with every secret replaced by "***".
    std::string scrub(std::string message) const;

private:
    std::vector<std::string> secrets_;
};

}  // namespace livecourse::pg
