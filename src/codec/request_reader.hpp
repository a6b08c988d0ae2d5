// Reading a JSON request strictly: every field has one JSON type, a missing
// required field or a field of the wrong type is Error(invalid_argument)
// naming the field in the vocabulary's words ("starts_at", "jitsi.mode").
// `null` means absent, so hosts may send the shapes they received back.
//
// Thread-safety: a reader is a view over a request owned by the caller.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/user.hpp>

#include <boost/json.hpp>
#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace livecourse::codec {

class RequestReader {
public:
    // `prefix` is prepended to field names in errors ("jitsi.").
    explicit RequestReader(const boost::json::object& object, std::string prefix = {})
        : object_(object), prefix_(std::move(prefix)) {}

    // The value of a field, or nullptr when absent or null.
    const boost::json::value* find(std::string_view field) const;
    std::string name(std::string_view field) const { return prefix_ + std::string(field); }

    std::string string(std::string_view field) const;
    std::optional<std::string> optional_string(std::string_view field) const;
    std::string string_or(std::string_view field, std::string fallback) const {
        auto v = optional_string(field);
        return v ? std::move(*v) : std::move(fallback);
    }

    std::int64_t integer(std::string_view field, std::int64_t min = std::numeric_limits<int>::min(),
                         std::int64_t max = std::numeric_limits<int>::max()) const;
    std::optional<std::int64_t> optional_integer(std::string_view field,
                                                 std::int64_t min = std::numeric_limits<int>::min(),
                                                 std::int64_t max = std::numeric_limits<int>::max()) const;

    // A JSON number (integer or not) within [min, max].
    std::optional<double> optional_number(std::string_view field, double min, double max) const;
    std::optional<bool> optional_boolean(std::string_view field) const;
    bool boolean_or(std::string_view field, bool fallback) const { return optional_boolean(field).value_or(fallback); }

    // RFC 3339 instants; with `allow_date`, also "YYYY-MM-DD" meaning 00:00Z.
    Instant instant(std::string_view field, bool allow_date = false) const;
    std::optional<Instant> optional_instant(std::string_view field, bool allow_date = false) const;

    // A calendar date "YYYY-MM-DD" (a valid date).
    std::optional<date::year_month_day> optional_date(std::string_view field) const;

    const boost::json::object* optional_object(std::string_view field) const;
    const boost::json::array* optional_array(std::string_view field) const;

    const boost::json::object& object() const noexcept { return object_; }

private:
    const boost::json::object& object_;
    std::string prefix_;
};

// "YYYY-MM-DD" strictly (four-digit year, valid day), else nullopt.
std::optional<date::year_month_day> parse_date(std::string_view text);

// The "actor" of a request. A missing actor (or one without user_id) is
// Error(unauthenticated); an ill-typed or invalid one is invalid_argument
// naming "actor.user_id", "actor.name", "actor.email" or "actor.avatar".
Actor read_actor(const boost::json::object& request, std::size_t max_id_bytes, std::size_t max_name_bytes,
                 std::size_t max_url_bytes);

// The actor of a request from its fields, checked as read_actor checks them
// (an empty user_id is unauthenticated; the others name "actor.<field>").
Actor make_actor(std::string user_id, std::string name, std::string email, std::string avatar,
                 std::size_t max_id_bytes, std::size_t max_name_bytes, std::size_t max_url_bytes);

// The request of an operation an actor does on one session (join, leave,
// token, heartbeat), read without building a JSON document: what a rush of
// joins sends. Views into the request text.
struct ActingOnSession {
    std::string_view user_id, name, email, avatar;  // absent: empty
    std::string_view session_id;
};

// Reads `text` if it has exactly the plain form {"actor": {"user_id": "...",
// optional "name", "email", "avatar"}, "session_id": "..."}: string values
// without escapes, each member once, nothing else, valid UTF-8. Anything else
// (escapes, nulls, other types or members, malformed JSON) is nullopt, never
// an error: the strict reader then reads the request and answers as always,
// so both paths accept the same requests and refuse them with the same errors.
std::optional<ActingOnSession> read_acting_on_session(std::string_view text);

}  // namespace livecourse::codec
