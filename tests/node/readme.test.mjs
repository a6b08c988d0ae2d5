// The README's quick start runs verbatim, as a host would write it: a module
// importing 'livecourse' by name, in a directory of its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { PACKAGE_DIR, tempDir } from './support.mjs';

function quickStart() {
  const readme = readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1];
  assert.ok(section, 'README.md has a "## Quick start" section');
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the quick start is a ```js block');
  return block[1];
}

test('README quick start: ten lines, run verbatim', (t) => {
  const code = quickStart();
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length <= 10, `the quick start has ${lines.length} lines`);

  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(PACKAGE_DIR, path.join(dir, 'node_modules', 'livecourse'), 'dir');
  writeFileSync(path.join(dir, 'quickstart.mjs'), code);
  const out = execFileSync(process.execPath, ['quickstart.mjs'], { cwd: dir, encoding: 'utf8', env: process.env });
  const url = new URL(out.trim());
  assert.equal(url.origin, 'https://meet.jit.si');
  assert.ok(url.pathname.length > 10, 'a room name');
});
