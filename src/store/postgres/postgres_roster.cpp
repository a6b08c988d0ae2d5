// The PostgreSQL store's built-in roster (enrollments) and user profiles.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
const Statement delete_enrollment{"lc_delete_enrollment", R"sql(
DELETE FROM enrollments WHERE course_id = $1 AND user_id = $2
)sql"};
const Statement upsert_enrollment{"lc_upsert_enrollment", R"sql(
INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, $3)
ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role
)sql"};
const Statement enrollment_role{"lc_enrollment_role", R"sql(
SELECT role FROM enrollments WHERE course_id = $1 AND user_id = $2
)sql"};
const Statement enrollments_of{"lc_enrollments_of", R"sql(
SELECT course_id, role FROM enrollments WHERE user_id = $1 ORDER BY course_id
)sql"};
const Statement count_students{"lc_count_students", R"sql(
SELECT COUNT(*) FROM enrollments WHERE course_id = $1 AND role = 'student'
)sql"};
const Statement course_members{"lc_course_members", R"sql(
SELECT user_id, role FROM enrollments WHERE course_id = $1 ORDER BY user_id
)sql"};
const Statement upsert_user{"lc_upsert_user", R"sql(
INSERT INTO users (id, name, email, avatar) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, avatar = EXCLUDED.avatar
)sql"};
const Statement find_user{"lc_find_user", R"sql(
SELECT id, name, email, avatar FROM users WHERE id = $1
)sql"};
// clang-format on
}  // namespace sql

}  // namespace

Role PostgresStore::enrollment_role(std::string_view course, std::string_view user) {
    return run("read an enrollment", [&](Connection& c) {
        auto r = c.exec(sql::enrollment_role, Params().text(course).text(user));
        return r.rows() ? parse_role(r.view(0, 0)).value_or(Role::none) : Role::none;
    });
}

std::vector<Enrollment> PostgresStore::enrollments_of(std::string_view user) {
    return run("read enrollments", [&](Connection& c) {
        auto r = c.exec(sql::enrollments_of, Params().text(user));
        std::vector<Enrollment> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::none)});
        return out;
    });
}

std::int64_t PostgresStore::count_enrolled_students(std::string_view course) {
    return run("count students", [&](Connection& c) {
        return c.exec(sql::count_students, Params().text(course)).integer(0, 0);
    });
}

std::vector<Member> PostgresStore::course_members(std::string_view course) {
    return run("read a course's members", [&](Connection& c) {
        auto r = c.exec(sql::course_members, Params().text(course));
        std::vector<Member> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::none)});
        return out;
    });
}

void PostgresStore::put_user(const Actor& p) {
    run("save a user", [&](Connection& c) {
        c.exec(sql::upsert_user, Params().text(p.user_id).text(p.name).text(p.email).text(p.avatar));
    });
}

std::optional<Actor> PostgresStore::find_user(std::string_view id) {
    return run("read a user", [&](Connection& c) -> std::optional<Actor> {
        auto r = c.exec(sql::find_user, Params().text(id));
        if (!r.rows()) return std::nullopt;
        return Actor{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3)};
    });
}

void PostgresStore::set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) {
    transaction("set an enrollment", [&](Connection& c) {
        lock_course(c, course);
        if (role == Role::none) c.exec(sql::delete_enrollment, Params().text(course).text(user));
        else c.exec(sql::upsert_enrollment, Params().text(course).text(user).text(to_string(role)));
        plan_enrollment(c, course, user, role, now);
    });
}

}  // namespace livecourse::pg
