'use strict';
// `npm install livecourse` runs this: it builds build/Release/livecourse.node
// with node-gyp (the one npm carries), against the headers of the Node that
// runs it (<prefix>/include/node; nothing is downloaded), from the C++ in
// native/. ccache, when installed, makes a second install of the same version
// cheap: paths are made relative to the package, wherever it is installed.
//
// In the project's source tree (no native/), the addon is built by the
// project's CMake instead, and this does nothing.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');

function fail(message) {
  process.stderr.write(`livecourse: ${message}\n`);
  process.exit(1);
}

if (!fs.existsSync(path.join(packageDir, 'native'))) {
  if (fs.existsSync(path.join(packageDir, '..', '..', 'capi', 'include', 'livecourse.h'))) {
    process.stdout.write('livecourse: in the source tree, the addon is built by CMake (build/bindings/node)\n');
    process.exit(0);
  }
  fail('the package has no native/ sources to build the addon from');
}

// <prefix>/bin/node -> <prefix>/include/node, following symlinks; then the
// prefix Node was configured with.
function nodeDir() {
  const explicit = process.env.npm_config_nodedir || process.env.LIVECOURSE_NODEDIR;
  const candidates = explicit ? [explicit] : [];
  candidates.push(path.dirname(path.dirname(fs.realpathSync(process.execPath))));
  candidates.push(path.dirname(path.dirname(process.execPath)));
  if (process.config.variables && process.config.variables.node_prefix) {
    candidates.push(process.config.variables.node_prefix);
  }
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) &&
        fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) {
      return dir;
    }
  }
  return fail(`the headers of this Node (node_api.h, common.gypi) are not in ${candidates.map((d) => path.join(d, 'include', 'node')).join(' or ')}; ` +
    'install them (they come with Node\'s own packages) or set npm_config_nodedir');
}

function which(program) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not there
    }
  }
  return null;
}

// The node-gyp npm runs scripts with (npm_config_node_gyp), else one on PATH.
function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) {
    return bundled.endsWith('.js') ? [process.execPath, bundled] : [bundled];
  }
  const onPath = which('node-gyp');
  if (onPath) return [onPath];
  return fail('node-gyp was not found (npm carries it; run this through npm install)');
}

const env = { ...process.env };
const ccache = which('ccache');
if (ccache && !env.CXX && !env.CC) {
  env.CC = `${ccache} cc`;
  env.CXX = `${ccache} c++`;
  env.CCACHE_BASEDIR = packageDir;
}
const jobs = String(env.JOBS || (os.availableParallelism ? os.availableParallelism() : os.cpus().length));
const [command, ...prefix] = nodeGyp();
const args = [...prefix, 'rebuild', `--nodedir=${nodeDir()}`, `--jobs=${jobs}`];
const started = Date.now();
const run = spawnSync(command, args, { cwd: packageDir, env, stdio: 'inherit' });
if (run.error) fail(`could not run node-gyp: ${run.error.message}`);
if (run.status !== 0) fail(`node-gyp failed (exit ${run.status}); the build needs a C++20 compiler, make, python3 and ` +
  'the -dev packages of OpenSSL, SQLite, SQLiteCpp, libpq, Boost.JSON, fmt and date');
process.stdout.write(`livecourse: built build/Release/livecourse.node in ${((Date.now() - started) / 1000).toFixed(1)} s` +
  `${ccache ? ' (ccache)' : ''}\n`);
