// The results of the hot operations (join, token, leave, heartbeat) written
// straight to compact JSON text, without building a document first. Each
// writes exactly what to_json_text(to_json(...)) writes for the same value
// (the same fields in the same order, the same escaping); the codec tests
// hold the two to that.
//
// Thread-safety: pure functions.
#pragma once

#include <livecourse/engine.hpp>
#include <livecourse/presence.hpp>

#include <string>
#include <string_view>

namespace livecourse::codec {

std::string join_result_text(const JoinResult& join);
std::string token_result_text(const TokenResult& token);
// {"session_id", "left"}: what session_leave answers.
std::string leave_result_text(std::string_view session_id, bool left);
// A presence acknowledgement plus "session_id": what presence_heartbeat answers.
std::string heartbeat_result_text(const PresenceAck& ack, std::string_view session_id);

}  // namespace livecourse::codec
