// Calls that may not wait. An event-loop host (Node's JavaScript thread, an
// asyncio loop) can run a short call on its own thread, without the hop to a
// worker and back, only if the call cannot stall the loop: waiting for a lock
// another thread or process holds, for a free database connection, or for a
// database server's answer. While a NoWait lives on a thread, a call made on
// that thread that would have to wait fails at once with
// ErrorCode::would_block, before it changed anything; the host then runs it
// where waiting is allowed. Once the call has committed a write it is
// finished as a normal call (waiting if it must), so that would_block always
// means "nothing happened": a NoWait covers one call.
//
// What never waits under a NoWait: a SQLite read or write whose connection and
// lock are free at once (this process's group commit idle, no other process
// holding or owed the write lock). What always answers would_block: the
// PostgreSQL store (every call is a round trip to the server). Host hooks (a
// host roster) are the host's own code and are called as usual.
#pragma once

namespace livecourse {

class NoWait {
public:
    NoWait() noexcept;
    ~NoWait();
    NoWait(const NoWait&) = delete;
    NoWait& operator=(const NoWait&) = delete;

    // True while the calling thread's current call may not wait.
    static bool active() noexcept;
    // Stores call this once a write of the call has committed: from then on
    // the call may wait (would_block must mean that nothing changed).
    static void wrote() noexcept;

private:
    bool outer_;
};

}  // namespace livecourse
