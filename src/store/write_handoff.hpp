// Fair hand-off of SQLite's write lock between processes on one file.
//
// SQLite cannot wake a process that waits for its write lock: the waiter's
// busy handler can only retry. Two processes that write continuously then
// share the lock badly: the one that commits starts its next transaction
// microseconds later, long before the waiting one retries, and a join may
// wait for dozens of the other's transactions (20-50 ms).
//
// A few words in a small shared file next to the database (`<db>-handoff`)
// make the hand-off fair:
// - a writer whose BEGIN finds the lock taken *announces* that it waits (who,
//   and until when it will look again), then waits on a futex word that is
//   bumped on release;
// - a writer that releases the lock while someone is announced wakes them;
// - a writer about to begin that held the lock last, while another process
//   has been announced for a while (1 ms by default), *defers*: it lets the
//   waiter take the lock first (until the waiter has it, or its
//   announcement lapses, and by default never longer than 2 ms).
// So a process may commit several transactions in a row (each a whole write
// group), which keeps its page cache warm (another process's commit
// invalidates it), but no waiter is passed over for long.
// SQLite's lock stays the only lock: these words only decide who asks for it
// first. Every wait is bounded, so a process killed at any point (even
// while announced) delays the others by at most its announcement, about a
// millisecond; nothing needs cleaning up, and a file of zeros is the
// initial state. Not a correctness mechanism: if the file cannot be opened
// (read-only directory), writers simply retry as before. But a file planted
// under its name (a symbolic link to another file, say) makes the store
// refuse to open rather than write through it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace livecourse::store_detail {

class WriteHandoff {
public:
    struct Timing {
        // The longest a writer defers to a waiting one.
        std::chrono::microseconds max_deferral{2000};
        // A writer defers only to a waiter that has waited this long.
        std::chrono::microseconds patience{1000};
        // An announcement lasts this long past the waiter's next look at
        // the lock.
        std::chrono::microseconds announce_margin{1000};
        // Announcements further ahead than this are not live (written
        // before a reboot restarted the monotonic clock, or garbage); a
        // waiter's own pauses are at most 500 us.
        std::chrono::microseconds max_announcement{10000};
    };

    // Maps `<database_path>-handoff`, creating it if needed (with the
    // database's owner and group permission bits, so 0600 for a database
    // the library created; owned like the database when created by root);
    // null when that is not possible (an in-memory database, a read-only
    // directory). Throws Error (storage, naming the path) when that path
    // holds anything but a regular file with one link owned by the
    // database's owner or this process's user: a symbolic link, a FIFO, a
    // hard link to another file. Such a file is never written, chmod-ed
    // or chown-ed.
    static std::unique_ptr<WriteHandoff> open(const std::string& database_path, Timing timing);
    static std::unique_ptr<WriteHandoff> open(const std::string& database_path) { return open(database_path, Timing{}); }

    WriteHandoff(const WriteHandoff&) = delete;
    WriteHandoff& operator=(const WriteHandoff&) = delete;
    ~WriteHandoff();

    // Writer side, around each write transaction of this process.
    // Before BEGIN: defer to an announced waiter if this process held the
    // lock last. Returns true if it deferred. With `may_wait` false it only
    // wakes that waiter and returns true at once: the caller must not begin.
    bool before_begin(bool may_wait = true);
    // After BEGIN succeeded; `waited`: the busy handler ran for this BEGIN.
    void acquired(bool waited);
    // After COMMIT or ROLLBACK: wakes an announced waiter.
    void released();

    // Busy-handler side: announce that this process waits for the lock
    // (for `waited` so far) and will look again within `at_most`, then wait
    // until a release (or for `at_most`); with zero, only yield the core.
    void wait_for_release(std::chrono::microseconds at_most,
                          std::chrono::microseconds waited = std::chrono::microseconds(0));

private:
    struct Shared;
    WriteHandoff(int fd, Shared* shared, Timing timing);
    void announce(std::int64_t since_ns, std::int64_t until_ns);
    void wake();

    int fd_;
    Shared* shared_;
    std::int64_t max_deferral_ns_, patience_ns_, announce_margin_ns_, max_announcement_ns_;
    std::uint64_t self_;           // this handoff's identity in the shared words
    std::uint32_t seen_acquire_ = 0;  // acquisitions counted when this process last released
    bool released_once_ = false;
};

}  // namespace livecourse::store_detail
