// What the PostgreSQL store's batched seat admission has done, for tests and
// benchmarks: admissions queued in one process go to the database as one
// statement for the group (see postgres_store.cpp).
//
// Thread-safety: the counters are read atomically, each on its own; read
// them when no admission is running for figures that agree with each other.
#pragma once

#include <livecourse/store.hpp>

#include <cstdint>
#include <optional>

namespace livecourse::pg {

struct AdmissionCounters {
    std::uint64_t groups = 0;         // groups of queued admissions, each sent by its leader
    std::uint64_t admissions = 0;     // admissions in those groups
    std::uint64_t statements = 0;     // admission statements sent, retries included
    std::uint64_t retried_alone = 0;  // admissions sent again alone after their group's statement failed
};

// The counters of `store`, or nothing when it is not a PostgreSQL store.
std::optional<AdmissionCounters> admission_counters(const Store& store);

}  // namespace livecourse::pg
