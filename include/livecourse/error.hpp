// Errors: one exception type for the whole C++ API.
//
// Every refusal the library makes carries a stable category (`ErrorCode`), an
// optional machine-readable reason (`not_enrolled`, `session_full`, ...), the
// name of the offending input field where one applies, and a human message.
// The category values and reason strings are part of the public contract: the
// C ABI maps categories to `lc_status` values and the JSON codec emits the most
// specific code (the reason when there is one). Never renumber or reuse them.
//
// Thread-safety: values; freely copyable.
#pragma once

#include <livecourse/reason.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace livecourse {

enum class ErrorCode : int {
    invalid_argument = 1,
    not_found = 2,
    forbidden = 3,
    conflict = 4,
    session_full = 5,   // a category of its own: hosts answer it differently (retry later, waitlist)
    storage = 6,
    unauthenticated = 7,
    internal = 8,
    // 9 is LC_ERR_NO_MEMORY in the C ABI (a bad_alloc, never an Error).
    host_callback = 10,  // a host-provided hook (C ABI roster callback) reported a failure
    would_block = 11,    // a call that may not wait would have had to; nothing changed (no_wait.hpp)
};

// The stable lower-case name of a category ("invalid_argument", ...).
std::string_view to_string(ErrorCode code) noexcept;

// Reason codes (`reason::not_live`, ...) are listed in reason.hpp.

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string message, std::string reason = {}, std::string field = {})
        : std::runtime_error(std::move(message)), code_(code), reason_(std::move(reason)), field_(std::move(field)) {}

    ErrorCode code() const noexcept { return code_; }
    // Machine-readable reason, empty when the category says it all.
    const std::string& reason() const noexcept { return reason_; }
    // Name of the input field at fault (JSON vocabulary name), empty if none.
    const std::string& field() const noexcept { return field_; }
    // The most specific stable code: the reason where one applies, else the category.
    std::string_view most_specific_code() const noexcept {
        return reason_.empty() ? to_string(code_) : std::string_view(reason_);
    }

    static Error invalid(std::string field, std::string message) {
        return Error(ErrorCode::invalid_argument, std::move(message), {}, std::move(field));
    }
    static Error not_found(std::string what) { return Error(ErrorCode::not_found, std::move(what) + " not found"); }
    static Error forbidden(std::string_view why, std::string message) {
        return Error(ErrorCode::forbidden, std::move(message), std::string(why));
    }
    static Error conflict(std::string_view why, std::string message) {
        return Error(ErrorCode::conflict, std::move(message), std::string(why));
    }
    static Error storage(std::string message) { return Error(ErrorCode::storage, std::move(message)); }
    // `what`: what the call would have waited for ("the write lock", ...).
    static Error would_block(std::string_view what) {
        return Error(ErrorCode::would_block, "the call would wait for " + std::string(what) + "; nothing was changed");
    }

private:
    ErrorCode code_;
    std::string reason_;
    std::string field_;
};

}  // namespace livecourse
