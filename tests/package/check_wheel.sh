#!/bin/sh
# The Python wheel, as a Python developer gets it: `pip wheel` on
# bindings/python builds it (setup.py compiles liblivecourse.so through the
# project's CMake, in the source tree's build-python/ unless
# LIVECOURSE_BUILD_DIR says otherwise); it is installed with pip, offline,
# into a fresh venv of Debian's interpreter, and the quick start of
# bindings/python/README.md runs there from an empty folder, with no
# environment variable pointing at the library. mypy --strict then checks the
# quick start against the installed package (its py.typed).
set -eu
source_dir="$1"
python="${2:-/usr/bin/python3}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package_wheel: $*"; exit 1; }

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1
unset LIVECOURSE_LIBRARY PYTHONPATH LD_LIBRARY_PATH || true

started=$(date +%s)
if ! "$python" -m pip wheel --no-build-isolation --no-deps --no-index -w "$work/dist" "$source_dir/bindings/python" \
    >"$work/wheel.log" 2>&1; then
  cat "$work/wheel.log"; fail "pip wheel failed"
fi
built=$(date +%s)
version=$(sed -n 's/^project(livecourse VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
set -- "$work"/dist/livecourse-"$version"-py3-none-linux_*.whl
[ -f "$1" ] || fail "no livecourse-$version-py3-none-linux_*.whl in: $(ls "$work/dist")"
wheel="$1"

# The wheel carries the library (stripped, one file, no symlinks) and py.typed.
"$python" - "$wheel" <<'EOF' || fail "the wheel's contents"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for need in ("livecourse/liblivecourse.so", "livecourse/py.typed", "livecourse/engine.py"):
    assert need in names, f"{need} missing from {names}"
assert not [n for n in names if n.startswith("livecourse/liblivecourse.so.")], names
wheel = zipfile.ZipFile(sys.argv[1]).read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
assert "Root-Is-Purelib: false" in wheel, wheel
EOF

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --no-index --quiet "$wheel" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "pip install of the wheel failed"; }
installed=$(date +%s)

# The README's quick start, verbatim, from an empty folder.
mkdir "$work/app"
awk '/^```python$/ {on = 1; next} /^```$/ {if (on) exit} on' "$source_dir/bindings/python/README.md" \
  >"$work/app/quickstart.py"
[ -s "$work/app/quickstart.py" ] || fail "bindings/python/README.md has no python block"
(cd "$work/app" && "$work/venv/bin/python" quickstart.py) >"$work/run.log" 2>&1 \
  || { cat "$work/run.log"; fail "the quick start failed in the venv"; }
grep -q '^https://meet\.jit\.si/' "$work/run.log" || { cat "$work/run.log"; fail "the quick start printed no join link"; }

# The library it ran with is the wheel's, inside the venv.
where=$(cd "$work/app" && "$work/venv/bin/python" -c 'import livecourse; print(livecourse.LIBRARY_PATH)')
case "$where" in
  "$work"/venv/lib/python3*/site-packages/livecourse/liblivecourse.so) ;;
  *) fail "the venv loaded $where, not the wheel's library" ;;
esac

# A host type-checked against the installed package, as an IDE would.
if command -v mypy >/dev/null 2>&1; then
  (cd "$work/app" && mypy --strict --no-incremental --python-executable "$work/venv/bin/python" quickstart.py) \
    >"$work/mypy.log" 2>&1 || { cat "$work/mypy.log"; fail "mypy --strict rejects the quick start against the wheel"; }
fi
done_at=$(date +%s)
echo "python wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB); built in $((built - started)) s," \
  "installed in $((installed - built)) s; the quick start and mypy --strict pass in a fresh venv ($((done_at - installed)) s)"
