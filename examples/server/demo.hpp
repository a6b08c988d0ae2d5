// Demo mode (`livecourse-server --demo`, what `make run` starts): a demo
// course with an instructor, a moderator and three students, seeded on first
// start, and bearer tokens for each of them (plus an LMS admin token for the
// roster routes), printed with ready-to-paste curl lines.
//
// The tokens are minted here exactly as an LMS would mint them: HS256 over
// {"sub", "name", "email", "iss", "aud", "iat", "exp"} with the server's API
// secret.
//
// Thread-safety: called once, before the server accepts requests.
#pragma once

#include "server_config.hpp"

#include <livecourse/json_api.hpp>

#include <string>

namespace lcserver {

inline constexpr const char* demo_course_id = "demo-course";

// Enrolls the demo users unless the demo course already has its instructor.
// Returns true when it seeded.
bool seed_demo(livecourse::JsonApi& api);

// A compact HS256 JWT for `user_id`, as the server verifies them: its
// issuer and audience, valid for the maximum token lifetime.
std::string mint_bearer_token(const ServerConfig& config, const std::string& user_id, const std::string& name,
                              const std::string& email, bool admin);

// The banner: tokens and curl lines for a server listening at `base_url`.
std::string demo_banner(const ServerConfig& config, const std::string& base_url);

}  // namespace lcserver
