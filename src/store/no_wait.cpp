// The calling thread's NoWait state (livecourse/no_wait.hpp).
#include <livecourse/no_wait.hpp>

namespace livecourse {

namespace {
thread_local bool t_no_wait = false;
}

NoWait::NoWait() noexcept : outer_(t_no_wait) { t_no_wait = true; }

NoWait::~NoWait() { t_no_wait = outer_; }

bool NoWait::active() noexcept { return t_no_wait; }

void NoWait::wrote() noexcept { t_no_wait = false; }

}  // namespace livecourse
