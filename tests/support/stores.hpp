// The backends the store conformance suite runs against. Each entry opens a
// fresh, empty store; a second backend adds itself here and runs the same
// suite unchanged.
#pragma once

#include "support/fixtures.hpp"
#include "support/postgres.hpp"

#include <functional>

namespace lc_test {

struct Backend {
    std::string name;
    // Opens a store on a fresh database that lives as long as `dir`.
    std::function<std::shared_ptr<Store>(TempDir& dir)> open;
};

inline std::vector<Backend> backends() {
    return {
        {"sqlite", [](TempDir& dir) { return std::shared_ptr<Store>(open_sqlite_store({dir.file("store.db")})); }},
        // A fresh database on this test process's throwaway server (started
        // at first use; see support/postgres.hpp). It outlives `dir`: the
        // whole server is deleted when the process exits.
        {"postgres",
         [](TempDir&) { return std::shared_ptr<Store>(open_postgres_store({postgres::fresh_database()})); }},
    };
}

}  // namespace lc_test
