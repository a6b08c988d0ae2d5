// index.d.ts is checked by compiling a host's use of the binding with the
// TypeScript compiler that the bootstrap installs (bindings/node/node_modules).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { PACKAGE_DIR } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = path.join(PACKAGE_DIR, 'node_modules', '.bin', 'tsc');

test('index.d.ts: tsc --noEmit --strict accepts types-check.ts', () => {
  assert.ok(existsSync(tsc), `TypeScript is missing: run scripts/bootstrap (npm install in ${PACKAGE_DIR})`);
  try {
    execFileSync(tsc, [
      '--noEmit', '--strict',
      '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      path.join(here, 'types-check.ts'),
    ], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    assert.fail(`tsc reported errors:\n${err.stdout}${err.stderr}`);
  }
});
