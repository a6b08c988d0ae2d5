#include "store/write_handoff.hpp"

#include <livecourse/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <random>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/futex.hpp"

namespace livecourse::store_detail {

// The shared words. Plain integers accessed through std::atomic_ref: the
// mapping is shared by processes, and these atomics are lock-free (hence
// address-free) on every platform that builds the library.
struct WriteHandoff::Shared {
    std::uint32_t release_seq;   // bumped (and futex-woken) when a writer releases while someone waits
    std::uint32_t acquire_seq;   // bumped when a writer that had to wait gets the lock
    std::uint64_t waiter;        // identity of the last writer that announced it waits
    std::int64_t waiting_until;  // CLOCK_MONOTONIC ns: that announcement lapses then; 0 = none
    std::int64_t waiting_since;  // CLOCK_MONOTONIC ns: when that writer began to wait
};

namespace {

constexpr std::size_t region_size = 4096;
// How long a deferring writer polls before it sleeps.
constexpr std::int64_t poll_ns = 100'000;
std::int64_t ns(std::chrono::microseconds d) { return std::int64_t(d.count()) * 1000; }

template <class T> std::atomic_ref<T> word(T& t) { return std::atomic_ref<T>(t); }

std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw Error::storage(fmt::format("refusing the handoff file {}: {}; remove it (no process needs it while the "
                                     "database is closed) or turn the handoff off",
                                     path, why));
}

// Opens the handoff file `path` next to a database whose status is `db`,
// creating it if needed: the descriptor, or -1 when it cannot be created or
// opened (a read-only directory). Throws when something is there that is
// not what this library creates: a process (root, often) must never be
// made to write into, or chown, a file it was pointed at.
int open_handoff_file(const std::string& path, const struct stat& db) {
    // The database's owner and group bits, as SQLite's -wal and -shm files
    // take the database's mode: 0600 for a database the library created,
    // and every process that may write to a database the host shares with a
    // group may open this file too. Never more: only writers use it.
    const mode_t mode = db.st_mode & 0660;
    for (int attempt = 0; attempt < 8; ++attempt) {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0) {
            // Created here, so this process may give it the database's mode
            // (umask may have narrowed it) and, as root, its owner: nobody
            // else can have swapped it since.
            struct stat st {};
            if (::fstat(fd, &st) == 0 && (st.st_mode & 0777) != mode) (void)::fchmod(fd, mode);
            if (::geteuid() == 0 && (st.st_uid != db.st_uid || st.st_gid != db.st_gid))
                (void)::fchown(fd, db.st_uid, db.st_gid);
            return fd;
        }
        if (errno != EEXIST) return -1;
        // Something is there: open it only if it is a plain file of ours.
        // O_NOFOLLOW refuses a symbolic link; O_NONBLOCK keeps a FIFO from
        // blocking the open before fstat can refuse it.
        fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // removed in between: create it again
            if (errno == ELOOP) refuse(path, "it is a symbolic link");
            return -1;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            ::close(fd);
            return -1;
        }
        std::string why;
        if (!S_ISREG(st.st_mode)) why = "it is not a regular file";
        else if (st.st_nlink != 1) why = "it has other hard links";
        // Made by a process of the database's owner (or, earlier, of this
        // user): anything else was put there by someone else.
        else if (st.st_uid != db.st_uid && st.st_uid != ::geteuid())
            why = fmt::format("it is owned by uid {}, not by the database's owner (uid {})", st.st_uid, db.st_uid);
        if (!why.empty()) {
            ::close(fd);
            refuse(path, why);
        }
        return fd;
    }
    return -1;
}

}  // namespace

std::unique_ptr<WriteHandoff> WriteHandoff::open(const std::string& database_path,
                                                 Timing timing) {
    static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);
    static_assert(std::atomic_ref<std::int64_t>::is_always_lock_free);
    if (database_path.empty() || database_path == ":memory:" || database_path.rfind("file:", 0) == 0) return nullptr;
    // The database's status gives the handoff file its mode and owner (the
    // store opens the database first; without one, this user's and 0600).
    struct stat db {};
    if (::stat(database_path.c_str(), &db) != 0) {
        db.st_mode = S_IFREG | 0600;
        db.st_uid = ::geteuid();
        db.st_gid = ::getegid();
    }
    if (!S_ISREG(db.st_mode)) return nullptr;
    const std::string path = database_path + "-handoff";
    int fd = open_handoff_file(path, db);
    if (fd < 0) return nullptr;
    struct stat st {};
    // Growing a new file to its size is idempotent: racing processes all
    // write the same zeros, the initial state.
    if (::fstat(fd, &st) != 0 || (st.st_size < off_t(region_size) && ::ftruncate(fd, region_size) != 0)) {
        ::close(fd);
        return nullptr;
    }
    void* p = ::mmap(nullptr, region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        ::close(fd);
        return nullptr;
    }
    return std::unique_ptr<WriteHandoff>(new WriteHandoff(fd, static_cast<Shared*>(p), timing));
}

WriteHandoff::WriteHandoff(int fd, Shared* shared, Timing timing)
    : fd_(fd),
      shared_(shared),
      max_deferral_ns_(ns(timing.max_deferral)),
      patience_ns_(ns(timing.patience)),
      announce_margin_ns_(ns(timing.announce_margin)),
      max_announcement_ns_(ns(timing.max_announcement)) {
    std::random_device entropy;
    do {
        self_ = (std::uint64_t(entropy()) << 32) ^ entropy() ^ std::uint64_t(::getpid());
    } while (self_ == 0);
}

WriteHandoff::~WriteHandoff() {
    ::munmap(shared_, region_size);
    ::close(fd_);
}

void WriteHandoff::announce(std::int64_t since_ns, std::int64_t until_ns) {
    word(shared_->waiter).store(self_, std::memory_order_relaxed);
    word(shared_->waiting_since).store(since_ns, std::memory_order_relaxed);
    word(shared_->waiting_until).store(until_ns, std::memory_order_seq_cst);
}

void WriteHandoff::wake() {
    word(shared_->release_seq).fetch_add(1, std::memory_order_seq_cst);
    futex::wake(&shared_->release_seq, futex::Scope::shared, true);
}

bool WriteHandoff::before_begin(bool may_wait) {
    auto until = word(shared_->waiting_until).load(std::memory_order_seq_cst);
    if (until == 0 || !released_once_) return false;
    if (word(shared_->waiter).load(std::memory_order_relaxed) == self_) return false;
    // Someone else has had the lock since this process released it: no turn to give.
    if (word(shared_->acquire_seq).load(std::memory_order_acquire) != seen_acquire_) return false;
    auto now = monotonic_ns();
    if (now >= until) return false;
    if (until - now > max_announcement_ns_) {
        // Not a live announcement: written before a reboot (the monotonic
        // clock restarted) or garbage. Forget it.
        word(shared_->waiting_until).store(0, std::memory_order_relaxed);
        return false;
    }
    // A waiter that has not waited long yet lets this process go on: a
    // process that keeps the lock for a few transactions in a row keeps its
    // page cache (another process's commit invalidates it), and the waiter
    // still gets its turn within `patience`.
    if (now - word(shared_->waiting_since).load(std::memory_order_relaxed) < patience_ns_) return false;
    // Another process waits for the lock this process held last: let it
    // take the lock first (wake it in case it sleeps), until it has it,
    // its announcement lapses, or the deferral's bound. The waiter usually
    // takes the lock within microseconds: poll for that first, then sleep
    // (a writer that kept polling would hold a core the waiter may need).
    wake();
    if (!may_wait) return true;
    auto start = now, give_up = now + max_deferral_ns_;
    for (;;) {
        auto seq = word(shared_->acquire_seq).load(std::memory_order_acquire);
        if (seq != seen_acquire_) break;
        auto deadline = std::min(give_up, word(shared_->waiting_until).load(std::memory_order_acquire));
        if (now >= deadline) break;
        if (now - start < poll_ns)
            std::this_thread::yield();
        else
            futex::wait(&shared_->acquire_seq, seq, futex::Scope::shared, deadline - now);
        now = monotonic_ns();
    }
    return true;
}

void WriteHandoff::acquired(bool waited) {
    if (!waited) return;
    word(shared_->acquire_seq).fetch_add(1, std::memory_order_acq_rel);
    futex::wake(&shared_->acquire_seq, futex::Scope::shared, true);  // a writer that deferred to this one
    // This process's announcement is served (another process may announce
    // again at once; it refreshes its announcement each time it looks).
    if (word(shared_->waiter).load(std::memory_order_relaxed) == self_)
        word(shared_->waiting_until).store(0, std::memory_order_relaxed);
}

void WriteHandoff::released() {
    seen_acquire_ = word(shared_->acquire_seq).load(std::memory_order_acquire);
    released_once_ = true;
    auto until = word(shared_->waiting_until).load(std::memory_order_seq_cst);
    if (until != 0 && word(shared_->waiter).load(std::memory_order_relaxed) != self_ && monotonic_ns() < until) wake();
}

void WriteHandoff::wait_for_release(std::chrono::microseconds at_most, std::chrono::microseconds waited) {
    auto pause = ns(at_most);
    auto seq = word(shared_->release_seq).load(std::memory_order_seq_cst);
    auto now = monotonic_ns();
    announce(now - ns(waited), now + pause + announce_margin_ns_);
    if (pause > 0)
        futex::wait(&shared_->release_seq, seq, futex::Scope::shared, pause);
    else
        std::this_thread::yield();
}

}  // namespace livecourse::store_detail
