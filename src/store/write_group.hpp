// Group commit for one write connection, in the manner of LevelDB's writer
// queue and RocksDB's write groups: concurrent writers queue up; the writer
// at the front becomes the leader and runs every queued operation, in order,
// inside one transaction, each under its own savepoint; it commits once and
// then hands each writer its own result. A writer alone pays nothing extra:
// it is the leader at once and no timer waits for company.
//
// The queue is a lock-free stack of the writers' own stack frames (a writer
// pushes itself with one compare-and-swap and links to the writer before
// it), and each waiting writer sleeps on its own word (a futex), so that
// joining a group takes no lock and waking a writer wakes only that writer.
// While the leader runs its group, writers that arrive late are taken into
// the same transaction (up to `max_group`): under load, groups grow to the
// number of waiting callers instead of staying at the size the queue had
// when the leader started. A leader that knows other callers are inside the
// group commit (answered but not yet resumed) yields its core once before
// it takes its group (see run()): with more callers than cores, that is what
// makes groups form at all.
//
// Seat admission stays exact because the operations of a group run one after
// another on the same connection and see each other's effects; an operation
// that fails (session full, bad reply_to) is rolled back to its savepoint
// without touching its neighbours. Nobody is answered before the commit that
// holds their operation has succeeded; if that commit fails, every operation
// of the group fails with it.
//
// A caller that may not wait (livecourse/no_wait.hpp) is refused with
// would_block unless the queue is empty; it then leads a group of its own
// alone (nobody else's operation runs on its thread), and once it committed
// the rest of its call may wait again.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include <livecourse/error.hpp>
#include <livecourse/no_wait.hpp>

#include "store/futex.hpp"

namespace livecourse::store_detail {

class WriteGroup {
public:
    // The steps of a group's transaction, supplied by the store.
    struct Transaction {
        std::function<void()> begin;
        std::function<void()> commit;
        std::function<void()> rollback;          // must not throw
        std::function<void()> savepoint;         // before each operation
        std::function<void()> release;           // after a successful operation
        std::function<void()> rollback_to;       // after a failed operation (and release); must not throw
        std::function<std::exception_ptr(std::exception_ptr)> translate;  // driver errors -> library errors
    };

    explicit WriteGroup(Transaction tx, std::size_t max_group = 256)
        : tx_(std::move(tx)), max_group_(std::max<std::size_t>(1, max_group)) {}

    // Runs `op` inside a group transaction; returns once that transaction is
    // committed, rethrowing the operation's own exception if it failed.
    void run(const std::function<void()>& op) {
        if (NoWait::active()) {
            run_alone(op);
            return;
        }
        Inside inside(active_);
        Writer w;
        w.op = &op;
        Writer* before = newest_.load(std::memory_order_relaxed);
        do {
            w.older = before;
        } while (!newest_.compare_exchange_weak(before, &w, std::memory_order_acq_rel, std::memory_order_relaxed));
        if (before != nullptr) {
            // Someone is ahead: wait to be answered or to be made leader.
            std::uint32_t s;
            while ((s = w.state.load(std::memory_order_acquire)) == waiting) sleep_while_waiting(w.state);
            if (s == done) {
                if (w.error) std::rethrow_exception(w.error);
                return;
            }
        }
        // Other callers are inside run(): writers the last leader has just
        // answered are runnable but not yet resumed, and each will queue
        // again within microseconds. Yield the core once before taking the
        // group, so that they can; without it, on a machine with fewer cores
        // than callers, a leader finds the queue nearly empty and commits
        // groups of one or two, and every join pays a whole commit. A caller
        // alone does not yield and pays nothing.
        if (active_.load(std::memory_order_relaxed) > 1) std::this_thread::yield();
        lead(&w, true);
        if (w.error) std::rethrow_exception(w.error);
    }

    // A caller that may not wait: the leader at once, or would_block.
    void run_alone(const std::function<void()>& op) {
        Inside inside(active_);
        Writer w;
        w.op = &op;
        Writer* none = nullptr;
        if (!newest_.compare_exchange_strong(none, &w, std::memory_order_acq_rel, std::memory_order_relaxed))
            throw Error::would_block("this process's other writes");
        lead(&w, false);
        if (w.error) std::rethrow_exception(w.error);
        NoWait::wrote();
    }

    // True when writers are queued behind the group being run. Meaningful
    // only inside an operation (on the leader's thread), for tests.
    bool writers_waiting() const {
        return newest_.load(std::memory_order_acquire) != last_taken_.load(std::memory_order_relaxed);
    }

    // Groups committed and operations run, for benchmarks and tests.
    struct Counters {
        std::uint64_t groups = 0, operations = 0;
    };
    Counters counters() const {
        return {groups_.load(std::memory_order_relaxed), operations_.load(std::memory_order_relaxed)};
    }

private:
    enum : std::uint32_t { waiting, leader, done };

    // Counts a caller inside run() for as long as it lives.
    struct Inside {
        std::atomic<int>& n;
        explicit Inside(std::atomic<int>& count) : n(count) { n.fetch_add(1, std::memory_order_relaxed); }
        ~Inside() { n.fetch_sub(1, std::memory_order_relaxed); }
        Inside(const Inside&) = delete;
        Inside& operator=(const Inside&) = delete;
    };

    struct Writer {
        const std::function<void()>* op = nullptr;
        Writer* older = nullptr;  // the writer queued just before, until it is answered
        std::exception_ptr error;
        std::atomic<std::uint32_t> state{waiting};
    };

    // A writer sleeps on its own state word; it is woken by address (see
    // futex.hpp): the waker must not touch the writer once it may have
    // returned.
    static std::uint32_t* word_of(std::atomic<std::uint32_t>& state) {
        static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
        return reinterpret_cast<std::uint32_t*>(&state);
    }

    static void sleep_while_waiting(std::atomic<std::uint32_t>& state) {
        futex::wait(word_of(state), waiting, futex::Scope::process);
    }

    static void answer(Writer* w, std::uint32_t state) {
        auto* word = word_of(w->state);
        w->state.store(state, std::memory_order_release);
        futex::wake(word, futex::Scope::process, false);
    }

    // Appends to `group`, oldest first, the writers queued after `last` up
    // to `newest`, at most `room` of them. Returns the last one taken.
    static Writer* take(Writer* last, Writer* newest, std::size_t room, std::vector<Writer*>& scratch,
                        std::vector<Writer*>& group) {
        scratch.clear();
        for (Writer* w = newest; w != last; w = w->older) scratch.push_back(w);
        std::size_t n = std::min(room, scratch.size());
        for (std::size_t i = 0; i < n; ++i) group.push_back(scratch[scratch.size() - 1 - i]);
        return n ? group.back() : last;
    }

    // Runs one operation; `savepoint` unless it is alone in its transaction.
    void run_one(Writer* w, bool savepoint) {
        try {
            if (savepoint) tx_.savepoint();
            (*w->op)();
            if (savepoint) tx_.release();
        } catch (...) {
            w->error = tx_.translate(std::current_exception());
            if (savepoint) tx_.rollback_to();
        }
    }

    // Called by the writer that reached the front of the queue: every writer
    // older than `self` has been answered, so only the leader touches the
    // queue's tail.
    // `others`: false for a leader that may not wait, whose group is itself.
    void lead(Writer* self, bool others) {
        std::size_t max_group = others ? max_group_ : 1;
        std::vector<Writer*> group, scratch;
        group.reserve(others ? 32 : 1);
        group.push_back(self);
        Writer* last = take(self, newest_.load(std::memory_order_acquire), max_group - 1, scratch, group);
        last_taken_.store(last, std::memory_order_relaxed);
        bool open = false;
        try {
            tx_.begin();
            open = true;
        } catch (...) {
            auto e = tx_.translate(std::current_exception());
            for (auto* g : group) g->error = e;
        }
        if (open) {
            // A lone operation runs without a savepoint: if it fails, the
            // transaction holds nothing else and is rolled back whole.
            bool savepoints = group.size() > 1;
            std::size_t ran = 0;
            for (;;) {
                for (; ran < group.size(); ++ran) run_one(group[ran], savepoints);
                // Take in whoever arrived meanwhile, while there is room.
                if (group.size() >= max_group) break;
                Writer* newest = newest_.load(std::memory_order_acquire);
                if (newest == last) break;
                if (!savepoints && group[0]->error) break;  // its failure is rolled back below, alone
                savepoints = true;
                last = take(last, newest, max_group - group.size(), scratch, group);
                last_taken_.store(last, std::memory_order_relaxed);
            }
            bool lone_failure = group.size() == 1 && group[0]->error;
            if (lone_failure) {
                tx_.rollback();
            } else {
                try {
                    tx_.commit();
                } catch (...) {
                    auto e = tx_.translate(std::current_exception());
                    tx_.rollback();
                    for (auto* g : group)
                        if (!g->error) g->error = e;
                }
            }
        }
        groups_.fetch_add(1, std::memory_order_relaxed);
        operations_.fetch_add(group.size(), std::memory_order_relaxed);

        // Hand the lead to the writer queued right after the group, if any,
        // before waking the group: the next transaction starts at once. (The
        // order matters for correctness too: until its members are answered,
        // none of them can queue again, so `last` cannot reappear in the
        // queue at the same address while the successor is searched for.)
        Writer* expected = last;
        if (!newest_.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel, std::memory_order_acquire)) {
            Writer* next = expected;
            while (next->older != last) next = next->older;
            answer(next, leader);
        }
        // Answer the followers. A follower may return (and its frame vanish)
        // as soon as it sees `done`: nothing of it is touched after that.
        for (std::size_t i = 1; i < group.size(); ++i) answer(group[i], done);
    }

    Transaction tx_;
    std::size_t max_group_;
    std::atomic<Writer*> newest_{nullptr};
    std::atomic<int> active_{0};  // callers inside run(), answered or not
    std::atomic<Writer*> last_taken_{nullptr};  // the newest writer of the running group
    std::atomic<std::uint64_t> groups_{0}, operations_{0};
};

}  // namespace livecourse::store_detail
