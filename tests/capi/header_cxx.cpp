// livecourse.h compiles as C++ (with -Wall -Wextra -Wpedantic -Werror), keeps
// C linkage, and its types are usable from C++ as they are from C.
#include "livecourse.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_enum_v<lc_status>, "lc_status is an enum");
static_assert(LC_OK == 0 && LC_ERR_INVALID_ARGUMENT == 1 && LC_ERR_NOT_FOUND == 2 && LC_ERR_FORBIDDEN == 3 &&
                  LC_ERR_CONFLICT == 4 && LC_ERR_FULL == 5 && LC_ERR_STORAGE == 6 && LC_ERR_UNAUTHENTICATED == 7 &&
                  LC_ERR_INTERNAL == 8 && LC_ERR_NO_MEMORY == 9 && LC_ERR_CALLBACK == 10,
              "status values are stable");
static_assert(LC_ROLE_NONE == 0 && LC_ROLE_STUDENT == 1 && LC_ROLE_MODERATOR == 2 && LC_ROLE_INSTRUCTOR == 3,
              "role values are stable");
static_assert(std::is_standard_layout_v<lc_host>, "lc_host is a C struct");

extern "C" int cxx_role_of(void*, const char*, const char*) { return LC_ROLE_STUDENT; }

int main() {
    lc_host host{};
    host.role_of = cxx_role_of;
    lc_status (*op)(lc_engine*, const char*, char**, char**) = lc_session_get;
    char* response = nullptr;
    char* error = nullptr;
    if (op(nullptr, "{}", &response, &error) != LC_ERR_INVALID_ARGUMENT || response || !error) return 1;
    lc_free(error);
    if (std::strcmp(lc_version(), LC_VERSION_STRING) != 0) return 1;
    std::puts("capi_header_cxx: livecourse.h compiles and links as C++");
    return host.role_of(nullptr, "c", "u") == LC_ROLE_STUDENT ? 0 : 1;
}
