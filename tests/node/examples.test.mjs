// The Node host example (examples/node_host.mjs) runs and tells the story of use case 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const example = fileURLToPath(new URL('../../examples/node_host.mjs', import.meta.url));

test('the Node host example walks the weekly course', () => {
  const out = execFileSync(process.execPath, [example], { encoding: 'utf8', timeout: 120000 });
  assert.match(out, /12 Tuesdays/);
  assert.match(out, /jwt=/);
  assert.equal((out.match(/: joined/g) || []).length, 4);
  assert.match(out, /student-\d: session_full/);
  assert.match(out, /4\/5 students, recording https:\/\/recordings\.example\.edu\/gov-101\/1\.mp4/);
});
