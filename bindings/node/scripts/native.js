'use strict';
// The C++ the npm package carries, and what binding.gyp reads from it.
//
//   node scripts/native.js copy      (prepack)  copies the library's sources from
//                                    the source tree into native/
//   node scripts/native.js clean     (postpack) removes native/ again
//   node scripts/native.js root      (binding.gyp) where the C++ is: native/, or
//                                    the source tree when building in it
//   node scripts/native.js sources   (binding.gyp) the library's .cpp files there
//   node scripts/native.js version   (binding.gyp) the library's version
//
// native/ mirrors the source tree's layout (src/, include/, capi/), so the
// package builds the same files the project's CMake builds, from the tarball
// alone.

const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const nativeDir = path.join(packageDir, 'native');
const sourceRoot = path.resolve(packageDir, '..', '..');

function walk(dir, keep, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, keep, out);
    else if (keep(entry.name)) out.push(full);
  }
  return out;
}

const cxx = (name) => /\.(cpp|hpp|h|def)$/.test(name);

function projectVersion() {
  const cmake = fs.readFileSync(path.join(sourceRoot, 'CMakeLists.txt'), 'utf8');
  const m = /^project\(livecourse VERSION ([0-9.]+)/m.exec(cmake);
  if (!m) throw new Error('livecourse: no project(livecourse VERSION ...) in CMakeLists.txt');
  return m[1];
}

function copy() {
  if (!fs.existsSync(path.join(sourceRoot, 'capi', 'include', 'livecourse.h'))) {
    throw new Error(`livecourse: packing needs the project's source tree at ${sourceRoot}`);
  }
  const version = projectVersion();
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  if (pkg.version !== version) {
    throw new Error(`livecourse: package.json has version ${pkg.version}, the library ${version}`);
  }
  fs.rmSync(nativeDir, { recursive: true, force: true });
  for (const sub of ['src', 'include', 'capi']) {
    for (const file of walk(path.join(sourceRoot, sub), cxx)) {
      const target = path.join(nativeDir, path.relative(sourceRoot, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
  }
  fs.writeFileSync(path.join(nativeDir, 'VERSION'), version + '\n');
}

function root() {
  return fs.existsSync(nativeDir) ? nativeDir : sourceRoot;
}

// Relative to binding.gyp, with forward slashes, as gyp wants them.
function relative(file) {
  return path.relative(packageDir, file).split(path.sep).join('/') || '.';
}

function sources() {
  const dir = root();
  const files = [...walk(path.join(dir, 'src'), (n) => n.endsWith('.cpp')),
    ...walk(path.join(dir, 'capi'), (n) => n.endsWith('.cpp'))];
  return files.map(relative);
}

const command = process.argv[2];
if (command === 'copy') copy();
else if (command === 'clean') fs.rmSync(nativeDir, { recursive: true, force: true });
else if (command === 'root') process.stdout.write(relative(root()));
else if (command === 'sources') process.stdout.write(sources().join('\n') + '\n');
else if (command === 'version') {
  const file = path.join(nativeDir, 'VERSION');
  process.stdout.write(fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : projectVersion());
} else {
  process.stderr.write('usage: node scripts/native.js copy|clean|sources|version\n');
  process.exit(2);
}
