// The SQLite store's built-in roster (enrollments) and user profiles.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace livecourse::sqlite {

namespace {

void set_enrollment_row(Connection& c, std::string_view course, std::string_view user, Role role) {
    if (role == Role::none) {
        Use q(c, "DELETE FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
        q->bind(1, std::string(course));
        q->bind(2, std::string(user));
        q->exec();
    } else {
        Use q(c,
              "INSERT INTO enrollments (course_id, user_id, role) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (course_id, user_id) DO UPDATE SET role = excluded.role");
        q->bind(1, std::string(course));
        q->bind(2, std::string(user));
        q->bind(3, std::string(to_string(role)));
        q->exec();
    }
}

}  // namespace

Role SqliteStore::enrollment_role(std::string_view course, std::string_view user) {
    return read([&](Connection& c) {
        Use q(c, "SELECT role FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
        q->bind(1, std::string(course));
        q->bind(2, std::string(user));
        return q->executeStep() ? parse_role(q->getColumn(0).getString()).value_or(Role::none) : Role::none;
    });
}

std::vector<Enrollment> SqliteStore::enrollments_of(std::string_view user) {
    return read([&](Connection& c) {
        Use q(c, "SELECT course_id, role FROM enrollments WHERE user_id = ?1 ORDER BY course_id");
        q->bind(1, std::string(user));
        std::vector<Enrollment> out;
        while (q->executeStep())
            out.push_back({q->getColumn(0).getString(),
                           parse_role(q->getColumn(1).getString()).value_or(Role::none)});
        return out;
    });
}

std::int64_t SqliteStore::count_enrolled_students(std::string_view course) {
    return read([&](Connection& c) {
        Use q(c, "SELECT COUNT(*) FROM enrollments WHERE course_id = ?1 AND role = 'student'");
        q->bind(1, std::string(course));
        q->executeStep();
        return q->getColumn(0).getInt64();
    });
}

std::vector<Member> SqliteStore::course_members(std::string_view course) {
    return read([&](Connection& c) {
        Use q(c, "SELECT user_id, role FROM enrollments WHERE course_id = ?1 ORDER BY user_id");
        q->bind(1, std::string(course));
        std::vector<Member> out;
        while (q->executeStep())
            out.push_back({q->getColumn(0).getString(),
                           parse_role(q->getColumn(1).getString()).value_or(Role::none)});
        return out;
    });
}

void SqliteStore::put_user(const Actor& p) {
    write([&](Connection& c) {
        Use q(c,
              "INSERT INTO users (id, name, email, avatar) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE "
              "SET name = excluded.name, email = excluded.email, avatar = excluded.avatar");
        q->bind(1, p.user_id);
        q->bind(2, p.name);
        q->bind(3, p.email);
        q->bind(4, p.avatar);
        q->exec();
    });
}

std::optional<Actor> SqliteStore::find_user(std::string_view id) {
    return read([&](Connection& c) -> std::optional<Actor> {
        Use q(c, "SELECT id, name, email, avatar FROM users WHERE id = ?1");
        q->bind(1, std::string(id));
        if (!q->executeStep()) return std::nullopt;
        return Actor{q->getColumn(0).getString(), q->getColumn(1).getString(), q->getColumn(2).getString(),
                     q->getColumn(3).getString()};
    });
}

void SqliteStore::set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) {
    write([&](Connection& c) {
        set_enrollment_row(c, course, user, role);
        plan_enrollment(c, course, user, role, now);
    });
}

}  // namespace livecourse::sqlite
