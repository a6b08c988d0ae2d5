#!/bin/sh
# Builds the Debian package from an already built tree (cpack over what
# `cmake --install` installs; nothing is rebuilt), unpacks it with dpkg -x
# into a throwaway root, then builds examples/c_host.c against that root with
# pkg-config alone and runs it there.
set -eu
build="$1"; source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cpack first runs the build tree's preinstall step: a no-op on a built tree.
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"; exit 1
fi
deb=$(ls "$work"/out/livecourse_*.deb)
fail() { echo "package: $*"; exit 1; }

# The control fields: name and version from the project, run-time dependencies.
[ "$(dpkg-deb -f "$deb" Package)" = livecourse ] || fail "Package is $(dpkg-deb -f "$deb" Package)"
version=$(sed -n 's/^project(livecourse VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is $(dpkg-deb -f "$deb" Version), not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libssl3 libsqlite3-0 libpq5 libc6; do
  echo "$depends" | grep -q "\b$dep\b" || fail "Depends lacks $dep: $depends"
done

# The files: both libraries, both kinds of headers, the CMake package, the .pc.
dpkg -x "$deb" "$work/root"
root="$work/root"
for f in usr/include/livecourse.h usr/include/livecourse/engine.hpp \
         usr/lib/liblivecourse.so usr/lib/liblivecourse.so.0 usr/lib/liblivecourse-cpp.so.0 \
         usr/lib/cmake/livecourse/livecourseConfig.cmake usr/lib/cmake/livecourse/livecourseTargets.cmake \
         usr/lib/pkgconfig/livecourse.pc; do
  [ -e "$root/$f" ] || fail "missing /$f (has: $(cd "$root" && find . -type f | sort | tr '\n' ' '))"
done

# A C host built with pkg-config only, against the unpacked root and nothing
# else (PKG_CONFIG_LIBDIR replaces the system's search path).
flags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/pkgconfig" PKG_CONFIG_PATH= \
        pkg-config --cflags --libs livecourse)
for word in $flags; do
  case "$word" in -I"$root"/*|-L"$root"/*|-l*) ;; *) fail "pkg-config points outside the root: $flags" ;; esac
done
# shellcheck disable=SC2086 # the flags are words
cc -std=c99 -Wall -Wextra -pedantic -Werror "$source_dir/examples/c_host.c" $flags -o "$work/c_host"
LD_LIBRARY_PATH="$root/usr/lib" ldd "$work/c_host" | grep -q "liblivecourse.so.0 => $root/usr/lib/" \
  || fail "c_host does not load the packaged library: $(LD_LIBRARY_PATH="$root/usr/lib" ldd "$work/c_host")"
LD_LIBRARY_PATH="$root/usr/lib" "$work/c_host" "$work/host.db" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
grep -q '^c_host: ok$' "$work/run.log" || { cat "$work/run.log"; exit 1; }
# The PHP binding finds the packaged library by its SONAME on the loader's path.
if command -v php >/dev/null 2>&1; then
  found=$(env -u LIVECOURSE_LIBRARY LD_LIBRARY_PATH="$root/usr/lib" php -r \
    'require $argv[1]; echo LiveCourse\Engine::libraryVersion();' "$source_dir/bindings/php/autoload.php")
  [ "$found" = "$version" ] || fail "the PHP binding loaded version '$found' from the loader's path"
fi
echo "debian package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) installs; c_host builds with pkg-config and runs"
