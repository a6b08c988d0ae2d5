// Database settings in logs and messages (redact_database_location in
// store.hpp, and the scrubbing of libpq's messages in store/postgres_uri.hpp):
// every form a PostgreSQL password can take in a URI or a keyword/value
// string is hidden, and the rest of the setting stays as written.
#include "store/postgres/postgres_uri.hpp"
#include "support/fixtures.hpp"

#include <livecourse/store.hpp>

#include <string>
#include <vector>

using namespace lc_test;

namespace {

struct Case {
    std::string database;
    std::string redacted;              // exactly what must come out
    std::vector<std::string> secrets;  // none may appear in it, as written or as libpq reads it
};

const std::vector<Case> cases = {
    // SQLite paths, whatever they hold, come back unchanged.
    {"/var/lib/livecourse/live.db", "/var/lib/livecourse/live.db", {}},
    {"live.db", "live.db", {}},
    {":memory:", ":memory:", {}},
    {"/srv/a=b/password/live.db", "/srv/a=b/password/live.db", {}},
    {"file:live.db?mode=rwc", "file:live.db?mode=rwc", {}},
    // URIs without a password are unchanged too.
    {"postgresql://lc@db.example/live?sslmode=require", "postgresql://lc@db.example/live?sslmode=require", {}},
    {"postgresql://db.example/live?passfile=/etc/lc/pgpass", "postgresql://db.example/live?passfile=/etc/lc/pgpass",
     {}},
    // The user info's password, with the characters that confuse a splitter.
    {"postgresql://lc:Sup3rSecret@db.example/live", "postgresql://lc:***@db.example/live", {"Sup3rSecret"}},
    {"postgres://lc:Sup3rSecret@db.example:5432/live", "postgres://lc:***@db.example:5432/live", {"Sup3rSecret"}},
    {"POSTGRESQL://lc:Sup3rSecret@db.example/live", "POSTGRESQL://lc:***@db.example/live", {"Sup3rSecret"}},
    {"postgresql://u:pa?ss@h/db", "postgresql://u:***@h/db", {"pa?ss"}},
    {"postgresql://u:pa?ss@h/db?sslmode=require", "postgresql://u:***@h/db?sslmode=require", {"pa?ss"}},
    {"postgresql://u:pa?ss@h", "postgresql://u:***@h", {"pa?ss"}},
    {"postgresql://u:p@ss?w@h/db", "postgresql://u:***@h/db", {"p@ss?w"}},
    {"postgresql://u:pa/ss@h/db", "postgresql://u:***@h/db", {"pa/ss"}},
    {"postgresql://u:pa%3Fss%40x@h/db", "postgresql://u:***@h/db", {"pa%3Fss%40x", "pa?ss@x"}},
    {"postgresql://u:pa&ss=1@h/db?application_name=lc", "postgresql://u:***@h/db?application_name=lc",
     {"pa&ss=1"}},
    // A query parameter, its key percent-encoded or not.
    {"postgresql://h/db?password=secret", "postgresql://h/db?password=***", {"secret"}},
    {"postgresql://h/db?sslmode=require&password=secret&application_name=lc",
     "postgresql://h/db?sslmode=require&password=***&application_name=lc", {"secret"}},
    {"postgresql://h/db?pass%77ord=secret", "postgresql://h/db?pass%77ord=***", {"secret"}},
    {"postgresql://h/db?%70assword=secret", "postgresql://h/db?%70assword=***", {"secret"}},
    {"postgresql://h/db?%70%61%73%73%77%6F%72%64=s%65cret", "postgresql://h/db?%70%61%73%73%77%6F%72%64=***",
     {"s%65cret", "secret"}},
    {"postgresql://h/db?PassWord=secret", "postgresql://h/db?PassWord=***", {"secret"}},
    {"postgresql://h/db?sslpassword=keyphrase", "postgresql://h/db?sslpassword=***", {"keyphrase"}},
    {"postgresql:///db?host=/run/postgresql&password=pa?ss", "postgresql:///db?host=/run/postgresql&password=***",
     {"pa?ss"}},
    {"postgresql://u:pa?ss@h/db?password=other%20one", "postgresql://u:***@h/db?password=***",
     {"pa?ss", "other%20one", "other one"}},
    // libpq's keyword/value strings.
    {"host=h password=secret dbname=d", "host=h password=*** dbname=d", {"secret"}},
    {"host=h password='a b' dbname=d", "host=h password=*** dbname=d", {"a b"}},
    {"host=h password = 'a b'", "host=h password = ***", {"a b"}},
    {"password=secret", "password=***", {"secret"}},
    {"  password =secret\tdbname=d", "  password =***\tdbname=d", {"secret"}},
    {"host=h password='it\\'s a secret' dbname=d", "host=h password=*** dbname=d", {"it's a secret"}},
    {"host=h password=sec\\ ret dbname=d", "host=h password=*** dbname=d", {"sec ret"}},
    {"host=h password='never closed secret", "host=h password=***", {"never closed secret"}},
    {"dbname=d sslpassword=keyphrase PASSWORD=secret", "dbname=d sslpassword=*** PASSWORD=***",
     {"keyphrase", "secret"}},
    {"host=h passfile=/etc/lc/pgpass dbname=d", "host=h passfile=/etc/lc/pgpass dbname=d", {}},
};

}  // namespace

TEST_CASE("redact_database_location hides every form of a password and keeps the rest", "[store][redact]") {
    for (const auto& c : cases) {
        INFO(c.database);
        const std::string out = livecourse::redact_database_location(c.database);
        CHECK(out == c.redacted);
        for (const auto& secret : c.secrets) CHECK(out.find(secret) == std::string::npos);
    }
}

TEST_CASE("messages quoting a password in any of its forms are scrubbed", "[store][redact][postgres]") {
    for (const auto& c : cases) {
        INFO(c.database);
        const livecourse::pg::Secrets secrets(c.database);
        for (const auto& secret : c.secrets) {
            INFO(secret);
            const std::string scrubbed = secrets.scrub("FATAL: \"" + secret + "\" rejected");
            CHECK(scrubbed.find(secret) == std::string::npos);
            CHECK(scrubbed.rfind("FATAL: \"", 0) == 0);
        }
        // Nothing but secrets is touched.
        CHECK(secrets.scrub("could not connect to server") == "could not connect to server");
    }
    // libpq reads `u:p@ss@h` as the password "p" at host "ss@h", and says so.
    const livecourse::pg::Secrets raw_at("postgresql://u:pw@rest@h/db");
    CHECK(raw_at.scrub("could not translate host name \"rest@h\"").find("rest") == std::string::npos);
}
