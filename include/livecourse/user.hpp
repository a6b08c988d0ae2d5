// Who is calling: the LMS authenticates its users and tells the library who
// acts (`Actor`). Name, e-mail and avatar go into the Jitsi token and the
// calendar organizer; the id is what the roster and attendance key on.
//
// Thread-safety: values.
#pragma once

#include <string>

namespace livecourse {

struct Actor {
    std::string user_id;
    std::string name;
    std::string email;
    std::string avatar;
};

}  // namespace livecourse
