// Sleeping on a 32-bit word until it changes and someone wakes it: the
// write group's waiting writers (one word each, in this process) and the
// handoff between processes (words in a file mapped by each of them).
//
// Linux: the futex system call. It works by address, so a waker may store
// the new value and wake without touching anything else of the sleeper,
// which may return (and its stack frame vanish) as soon as it sees the
// value. Elsewhere: C++20 atomic waiting, which may touch the word after the
// store, and timed waits simply sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#ifdef __linux__
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace livecourse::store_detail::futex {

// `shared`: the word lies in memory that several processes map.
enum class Scope { process, shared };

// Sleeps while `*word == expected`, until woken, for at most `timeout_ns`
// when it is positive (negative: no limit). May return early, spuriously:
// callers re-check the word.
inline void wait(std::uint32_t* word, std::uint32_t expected, Scope scope, std::int64_t timeout_ns = -1) {
#ifdef __linux__
    timespec rel{time_t(timeout_ns / 1'000'000'000), long(timeout_ns % 1'000'000'000)};
    ::syscall(SYS_futex, word, scope == Scope::shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, expected,
              timeout_ns < 0 ? nullptr : &rel, nullptr, 0);
#else
    (void)scope;
    if (timeout_ns < 0)
        std::atomic_ref<std::uint32_t>(*word).wait(expected, std::memory_order_acquire);
    else
        std::this_thread::sleep_for(std::chrono::nanoseconds(timeout_ns));
#endif
}

// Wakes one sleeper on `word`, or all of them.
inline void wake(std::uint32_t* word, Scope scope, bool all) {
#ifdef __linux__
    ::syscall(SYS_futex, word, scope == Scope::shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, all ? INT_MAX : 1, nullptr,
              nullptr, 0);
#else
    (void)scope;
    if (all)
        std::atomic_ref<std::uint32_t>(*word).notify_all();
    else
        std::atomic_ref<std::uint32_t>(*word).notify_one();
#endif
}

}  // namespace livecourse::store_detail::futex
