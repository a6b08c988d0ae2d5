#include "store/store_roster.hpp"

namespace livecourse {

namespace store_detail {

Role StoreRoster::role_of(std::string_view course, std::string_view user) {
    return store_.enrollment_role(course, user);
}

std::vector<Enrollment> StoreRoster::courses_of(std::string_view user) { return store_.enrollments_of(user); }

std::optional<std::int64_t> StoreRoster::count_students(std::string_view course) {
    return store_.count_enrolled_students(course);
}

std::optional<std::vector<Member>> StoreRoster::members(std::string_view course) {
    return store_.course_members(course);
}

}  // namespace store_detail

std::unique_ptr<Roster> make_store_roster(Store& store) { return std::make_unique<store_detail::StoreRoster>(store); }

}  // namespace livecourse
