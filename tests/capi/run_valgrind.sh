#!/bin/sh
# Runs each C test under valgrind: any invalid read or write, use of
# uninitialised memory, double free or leak fails the test. Used by
# the capi_valgrind ctest entry: run_valgrind.sh <valgrind> <program>...
set -u
valgrind="$1"
shift
status=0
for program in "$@"; do
  name=$(basename "$program")
  if "$valgrind" --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
       --show-leak-kinds=definite,indirect,possible "$program" >/dev/null; then
    echo "valgrind: $name clean"
  else
    echo "valgrind: $name FAILED" >&2
    status=1
  fi
done
exit "$status"
