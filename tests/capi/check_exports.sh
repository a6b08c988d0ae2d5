#!/bin/sh
# Fails unless liblivecourse.so exports exactly the lc_ functions declared in
# livecourse.h: no C++ symbol, no symbol of a statically linked library, and
# no declared function missing.
set -eu
lib="$1"
header="$2"
exported=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | sort -u)
if [ -z "$exported" ]; then
  echo "check_exports: $lib exports nothing" >&2
  exit 1
fi
status=0
foreign=$(printf '%s\n' "$exported" | grep -v '^lc_' || true)
if [ -n "$foreign" ]; then
  echo "check_exports: symbols outside the lc_ namespace are exported:" >&2
  printf '  %s\n' $foreign >&2
  status=1
fi
declared=$( (grep -oE '^LC_API [^(]*[ *](lc_[a-z0-9_]+)\(' "$header" | grep -oE 'lc_[a-z0-9_]+\($' | tr -d '(';
             grep -oE '^LC_OPERATION\((lc_[a-z0-9_]+)\)' "$header" | grep -oE 'lc_[a-z0-9_]+') | sort -u)
missing=$(printf '%s\n' "$declared" | grep -vxF "$exported" || true)
extra=$(printf '%s\n' "$exported" | grep '^lc_' | grep -vxF "$declared" || true)
if [ -n "$missing" ]; then
  echo "check_exports: declared in livecourse.h but not exported:" >&2
  printf '  %s\n' $missing >&2
  status=1
fi
if [ -n "$extra" ]; then
  echo "check_exports: exported but not declared in livecourse.h:" >&2
  printf '  %s\n' $extra >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "check_exports: $(printf '%s\n' "$exported" | wc -l) lc_ symbols, all declared, nothing else"
exit "$status"
