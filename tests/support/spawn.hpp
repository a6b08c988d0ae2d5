// Real processes for concurrency and crash tests. The library runs
// background threads (the SQLite checkpointer), and a fork()ed copy of a
// multi-threaded process may inherit a lock some other thread held, so a
// child is never a bare fork: it is this test binary started afresh, running
// one hidden test case (tag "[.child]") that reads its orders from the
// environment.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <vector>

extern char** environ;

namespace lc_test {

// Starts `<this binary> <test name>` with `env` added to the environment.
inline pid_t spawn_child(const std::string& test_name, const std::map<std::string, std::string>& env) {
    std::vector<std::string> vars;
    for (char** e = environ; *e; ++e) vars.emplace_back(*e);
    for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string self = "/proc/self/exe", name = test_name;
    char* argv[] = {self.data(), name.data(), nullptr};
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()) == 0);
    return pid;
}

// The child's orders; nullopt when the variable is not set (not a child).
inline std::optional<std::string> child_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
}

inline int wait_exit_code(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace lc_test
