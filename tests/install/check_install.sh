#!/bin/sh
# Installs the build into a temporary prefix, builds a consumer with
# find_package(livecourse) and runs it; checks the SONAMEs on the way.
set -eu
build="$1"; source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
lib=$(ls "$work"/prefix/lib*/liblivecourse-cpp.so.*.*.* 2>/dev/null || ls "$work"/prefix/lib/*/liblivecourse-cpp.so.*.*.*)
objdump -p "$lib" | grep -q 'SONAME *liblivecourse-cpp.so.0' || { echo "bad SONAME for $lib"; exit 1; }
cmake -S "$source_dir" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH=$(dirname "$lib") "$work/consumer/consumer" "$work/db.sqlite" | grep -q ' scheduled$'
echo "installed package: find_package(livecourse) and livecourse::livecourse work"
