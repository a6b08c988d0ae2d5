# A Debian package of the library (`make package`, or `cpack -G DEB` in the
# build tree): what `cmake --install` installs, under /usr. One package holds
# the C ABI (liblivecourse.so.0, livecourse.h, livecourse.pc) and the C++
# library (liblivecourse-cpp.so.0, include/livecourse/, the CMake package),
# so a host installs one file whatever its language.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME livecourse)
set(CPACK_PACKAGE_VENDOR livecourse)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live classes on Jitsi Meet for LMS backends (C ABI and C++ library)")
set(CPACK_PACKAGE_DESCRIPTION
  "livecourse runs the hard parts of live video classes for an LMS: sessions and their status machine, access checks, exact seat limits under a rush, Jitsi tokens and links, attendance, chat, calendars and iCal feeds, reminders. Hosts use the C ABI (liblivecourse.so, livecourse.h, pkg-config livecourse) from any language, or the C++ library (find_package(livecourse)).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debug information stays in the build tree (RelWithDebInfo builds carry ~10 MB of it).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # livecourse_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "livecourse maintainers <maintainers@livecourse.invalid>")
# Run-time dependencies (libssl3, libsqlite3-0, libpq5, libfmt9, ...) are read
# from the libraries' own NEEDED entries; without dpkg-shlibdeps they are
# declared by hand for Debian 12.
find_program(LIVECOURSE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(LIVECOURSE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6, libstdc++6, libgcc-s1, libssl3, libsqlite3-0, libpq5, libfmt9, libdate-tz3, libboost-json1.81.0")
endif()
# What find_package(livecourse) finds its dependencies with; C hosts need none.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
  "pkg-config, libboost-json1.81-dev, libssl-dev, libsqlitecpp-dev, libpq-dev, libhowardhinnant-date-dev, libfmt-dev")
include(CPack)
