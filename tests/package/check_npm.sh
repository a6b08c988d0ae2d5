#!/bin/sh
# The npm package, as a Node developer gets it: `npm pack` in bindings/node
# gives a tarball that carries the library's C++ (native/); `npm install` of
# that tarball in an empty folder, offline and with an empty npm cache, builds
# the addon (node-gyp against the installed Node's headers, ccache when
# there); the quick start of bindings/node/README.md then runs there as an ES
# module, the package loads through require() too, and tsc --strict checks an
# ES module and a CommonJS host against the installed package's types.
set -eu
source_dir="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package_npm: $*"; exit 1; }
unset LIVECOURSE_NODE_ADDON LIVECOURSE_LIBRARY NODE_PATH || true
npm_flags="--offline --no-audit --no-fund --cache $work/npm-cache --loglevel=warn"

started=$(date +%s)
# shellcheck disable=SC2086 # the flags are words
(cd "$source_dir/bindings/node" && npm pack $npm_flags --pack-destination "$work") >"$work/pack.log" 2>&1 \
  || { cat "$work/pack.log"; fail "npm pack failed"; }
version=$(sed -n 's/^project(livecourse VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
tarball="$work/livecourse-$version.tgz"
[ -f "$tarball" ] || fail "no livecourse-$version.tgz (has: $(ls "$work"))"
[ ! -e "$source_dir/bindings/node/native" ] || fail "npm pack left bindings/node/native behind"

# Self-contained: the library's sources and the build description are inside,
# nothing built or installed is.
tar tzf "$tarball" >"$work/contents"
for f in package/package.json package/binding.gyp package/scripts/install.js package/src/addon.cpp \
         package/index.js package/index.mjs package/index.d.ts package/README.md \
         package/native/capi/include/livecourse.h package/native/capi/livecourse_capi.cpp \
         package/native/include/livecourse/operations.def package/native/src/engine/engine.cpp; do
  grep -qx "$f" "$work/contents" || fail "$f is missing from the tarball"
done
sources=$(find "$source_dir/src" "$source_dir/capi" -name '*.cpp' | wc -l)
packed=$(grep -c '^package/native/.*\.cpp$' "$work/contents")
[ "$sources" -eq "$packed" ] || fail "the tarball has $packed of the library's $sources .cpp files"
if grep -E '^package/(node_modules|build)/|\.node$|\.o$' "$work/contents"; then fail "build output in the tarball"; fi
packed_at=$(date +%s)

mkdir "$work/app"
# shellcheck disable=SC2086
(cd "$work/app" && npm install $npm_flags --foreground-scripts "$tarball") >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "npm install of the tarball failed"; }
installed_at=$(date +%s)
addon="$work/app/node_modules/livecourse/build/Release/livecourse.node"
[ -f "$addon" ] || { cat "$work/install.log"; fail "npm install built no build/Release/livecourse.node"; }

# The README's quick start, verbatim, as an ES module.
awk '/^## Quick start$/ {q = 1} q && /^```js$/ {on = 1; next} on && /^```$/ {exit} on' \
  "$source_dir/bindings/node/README.md" >"$work/app/quickstart.mjs"
[ -s "$work/app/quickstart.mjs" ] || fail "bindings/node/README.md has no js quick start"
(cd "$work/app" && node quickstart.mjs) >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the quick start failed"; }
grep -q '^https://meet\.jit\.si/' "$work/run.log" || { cat "$work/run.log"; fail "the quick start printed no join link"; }

# CommonJS: the same objects as the ES module, and the addon the install built.
cat >"$work/app/check.cjs" <<'EOF'
const livecourse = require('livecourse');
const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
if (loaded.length !== 1 || loaded[0] !== process.argv[2]) throw new Error(`loaded ${loaded.join(', ')}`);
import('livecourse').then((esm) => {
  if (esm.Engine !== livecourse.Engine || esm.default !== livecourse) throw new Error('two copies of the module');
  console.log(livecourse.version);
});
EOF
found=$(cd "$work/app" && node check.cjs "$addon") || fail "require('livecourse') failed"
[ "$found" = "$version" ] || fail "require('livecourse') reports version '$found', not $version"

# The installed package's types, for an ES module and a CommonJS host.
tsc="$source_dir/bindings/node/node_modules/.bin/tsc"
if [ -x "$tsc" ]; then
  cat >"$work/app/host.mts" <<'EOF'
import livecourse, { Engine, LiveCourseError, type JoinResult } from 'livecourse';
const engine: Engine = await Engine.open({ database: 'typed.db' });
const joined: JoinResult = await engine.join('ana', 'a-session');
const url: string = joined.jitsi_join_url;
const same: typeof Engine = livecourse.Engine;
export const checked: [string, typeof same, boolean] = [url, same, new LiveCourseError('x') instanceof Error];
EOF
  cat >"$work/app/host.cts" <<'EOF'
import livecourse = require('livecourse');
export async function open(): Promise<string> {
  const engine: livecourse.Engine = await livecourse.Engine.open({ database: 'typed.db' });
  const role: livecourse.Role = await engine.roleOf('gov-101', 'ana');
  return role + livecourse.version;
}
EOF
  (cd "$work/app" && "$tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
     host.mts host.cts) >"$work/tsc.log" 2>&1 || { cat "$work/tsc.log"; fail "tsc --strict rejects a host of the installed package"; }
fi
done_at=$(date +%s)
echo "npm package: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB, $packed C++ sources); packed in" \
  "$((packed_at - started)) s, installed (addon built) in $((installed_at - packed_at)) s; the quick start," \
  "require() and tsc --strict pass ($((done_at - installed_at)) s)"
