// The default roster: the store's own enrollment table, read through the
// Store interface, so that it is the same for every backend.
//
// Thread-safety: as safe as the store it reads (every Store is).
#pragma once

#include <livecourse/roster.hpp>
#include <livecourse/store.hpp>

namespace livecourse::store_detail {

class StoreRoster final : public Roster {
public:
    explicit StoreRoster(Store& s) : store_(s) {}
    Role role_of(std::string_view course, std::string_view user) override;
    std::vector<Enrollment> courses_of(std::string_view user) override;
    std::optional<std::int64_t> count_students(std::string_view course) override;
    std::optional<std::vector<Member>> members(std::string_view course) override;

private:
    Store& store_;
};

}  // namespace livecourse::store_detail
