// The backends the store conformance suite runs against. Each entry opens a
// fresh, empty store; a second backend adds itself here and runs the same
// suite unchanged.
#pragma once

#include "support/fixtures.hpp"

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
    };
}

}  // namespace lc_test
