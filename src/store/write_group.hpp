// Group commit for one write connection, in the manner of LevelDB's writer
// queue and RocksDB's write groups: concurrent writers queue up; the writer
// at the front becomes the leader and runs every queued operation, in order,
// inside one transaction, each under its own savepoint; it commits once and
// then hands each writer its own result. A writer alone pays nothing extra:
// it is the leader at once and no timer waits for company.
//
// Seat admission stays exact because the operations of a group run one after
// another on the same connection and see each other's effects; an operation
// that fails (session full, bad reply_to) is rolled back to its savepoint
// without touching its neighbours. Nobody is answered before the commit that
// holds their operation has succeeded; if that commit fails, every operation
// of the group fails with it.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace livecourse::store_detail {

class WriteGroup {
public:
    // The three steps of a group's transaction, supplied by the store.
    struct Transaction {
        std::function<void()> begin;
        std::function<void()> commit;
        std::function<void()> rollback;          // must not throw
        std::function<void()> savepoint;         // before each operation
        std::function<void()> release;           // after a successful operation
        std::function<void()> rollback_to;       // after a failed operation (and release); must not throw
        std::function<std::exception_ptr(std::exception_ptr)> translate;  // driver errors -> library errors
    };

    explicit WriteGroup(Transaction tx, std::size_t max_group = 256) : tx_(std::move(tx)), max_group_(max_group) {}

    // Runs `op` inside a group transaction; returns once that transaction is
    // committed, rethrowing the operation's own exception if it failed.
    void run(const std::function<void()>& op) {
        Writer w;
        w.op = &op;
        std::unique_lock lock(mutex_);
        queue_.push_back(&w);
        w.cv.wait(lock, [&] { return w.done || queue_.front() == &w; });
        if (w.done) {
            if (w.error) std::rethrow_exception(w.error);
            return;
        }
        // Leader: take everyone queued so far (self first).
        std::size_t n = std::min(queue_.size(), max_group_);
        std::vector<Writer*> group(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        lock.unlock();
        execute(group);
        lock.lock();
        for (std::size_t i = 0; i < n; ++i) queue_.pop_front();
        for (auto* g : group) {
            g->done = true;
            if (g != &w) g->cv.notify_one();
        }
        if (!queue_.empty()) queue_.front()->cv.notify_one();
        lock.unlock();
        if (w.error) std::rethrow_exception(w.error);
    }

    // Groups committed and operations run, for benchmarks and tests.
    struct Counters {
        std::uint64_t groups = 0, operations = 0;
    };
    Counters counters() const {
        std::lock_guard lock(mutex_);
        return counters_;
    }

private:
    struct Writer {
        const std::function<void()>* op = nullptr;
        std::exception_ptr error;
        bool done = false;
        std::condition_variable cv;
    };

    void execute(std::vector<Writer*>& group) {
        try {
            tx_.begin();
        } catch (...) {
            auto e = tx_.translate(std::current_exception());
            for (auto* g : group) g->error = e;
            return;
        }
        bool alone = group.size() == 1;
        for (auto* g : group) {
            try {
                // A lone operation needs no savepoint: its failure rolls back
                // the whole transaction, which holds nothing else.
                if (!alone) tx_.savepoint();
                (*g->op)();
                if (!alone) tx_.release();
            } catch (...) {
                g->error = tx_.translate(std::current_exception());
                if (!alone) tx_.rollback_to();
            }
        }
        try {
            if (alone && group[0]->error) {
                tx_.rollback();
            } else {
                tx_.commit();
            }
        } catch (...) {
            auto e = tx_.translate(std::current_exception());
            tx_.rollback();
            for (auto* g : group)
                if (!g->error) g->error = e;
        }
        std::lock_guard lock(mutex_);
        ++counters_.groups;
        counters_.operations += group.size();
    }

    Transaction tx_;
    std::size_t max_group_;
    mutable std::mutex mutex_;
    std::deque<Writer*> queue_;
    Counters counters_;
};

}  // namespace livecourse::store_detail
