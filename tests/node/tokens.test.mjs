// Tokens minted through the binding are accepted by an independent JWT
// implementation (jose), with the claims self-hosted Jitsi checks.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';

import { Engine, HOUR, MINUTE, PACKAGE_DIR, SECRET, failure, tempDir } from './support.mjs';

// jose is a dev dependency of the package (bindings/node/node_modules).
const josePath = createRequire(path.join(PACKAGE_DIR, 'package.json')).resolve('jose');
const { decodeProtectedHeader, jwtVerify } = await import(pathToFileURL(josePath).href);

const KEY = new TextEncoder().encode(SECRET);

async function openSelfHosted(t, jitsi = {}) {
  const engine = await Engine.open({
    database: path.join(tempDir(t), 'tokens.db'),
    jitsi: { mode: 'self_hosted', server_url: 'https://meet.example.org', app_id: 'lms', app_secret: SECRET, ...jitsi },
  });
  t.after(() => engine.close());
  await engine.enroll('gov-101', 'prof', 'instructor');
  await engine.enroll('gov-101', 'ana', 'student');
  const start = new Date(Date.now() - MINUTE);
  const s = await engine.createSession({ user_id: 'prof', name: 'Aminata Diallo' }, 'gov-101', {
    title: 'Q&A', starts_at: start, ends_at: new Date(start.getTime() + HOUR), recording_enabled: true,
  });
  await engine.startSession('prof', s.id);
  return { engine, session: s };
}

test('self-hosted tokens verify with jose (HS256, audience "jitsi")', async (t) => {
  const { engine, session } = await openSelfHosted(t);
  const ana = { user_id: 'ana', name: 'Ana Souza', email: 'ana@example.edu' };
  const joined = await engine.join(ana, session.id);
  const url = new URL(joined.jitsi_join_url);
  assert.equal(url.origin, 'https://meet.example.org');
  assert.ok(url.pathname.endsWith(`/${session.jitsi_room_name}`));
  const jwtInUrl = url.searchParams.get('jwt');
  assert.ok(jwtInUrl, 'the join link carries the token');

  const token = await engine.token(ana, session.id);
  assert.equal(typeof token.jwt, 'string');
  assert.ok(token.expires_at instanceof Date);
  assert.ok(token.jitsi_join_url.includes(token.jwt));

  for (const jwt of [jwtInUrl, token.jwt]) {
    const { payload, protectedHeader } = await jwtVerify(jwt, KEY, {
      algorithms: ['HS256'],
      audience: 'jitsi',
      issuer: 'lms',
      subject: 'meet.example.org',
      typ: 'JWT',
    });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(payload.room, session.jitsi_room_name);
    assert.equal(payload.context.user.id, 'ana');
    assert.equal(payload.context.user.name, 'Ana Souza');
    assert.equal(payload.context.user.email, 'ana@example.edu');
    assert.equal(payload.context.user.moderator, false);
    assert.equal(payload.context.features.recording, false);
    assert.ok(payload.nbf <= Date.now() / 1000);
    assert.ok(payload.exp > Date.now() / 1000);
  }
  const { payload } = await jwtVerify(token.jwt, KEY, { audience: 'jitsi' });
  assert.equal(payload.exp, token.expires_at.getTime() / 1000, 'expires_at is the token\'s exp');
  // Valid until the session's end plus the grace period, no longer.
  assert.ok(payload.exp <= session.ends_at.getTime() / 1000 + 15 * 60);

  // The instructor's token makes a moderator with recording.
  const host = await engine.token('prof', session.id);
  const { payload: hostClaims } = await jwtVerify(host.jwt, KEY, { audience: 'jitsi', issuer: 'lms' });
  assert.equal(hostClaims.context.user.moderator, true);
  assert.equal(hostClaims.context.features.recording, true);
  assert.equal(hostClaims.context.user.name, 'prof');
});

test('a token signed with another secret, or for another audience, is refused by jose', async (t) => {
  const { engine, session } = await openSelfHosted(t);
  await engine.join('ana', session.id);
  const { jwt } = await engine.token('ana', session.id);
  assert.equal(decodeProtectedHeader(jwt).alg, 'HS256');
  await assert.rejects(jwtVerify(jwt, new TextEncoder().encode(`${SECRET}-other`), { audience: 'jitsi' }),
    { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await assert.rejects(jwtVerify(jwt, KEY, { audience: 'somewhere-else' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  // A tampered payload breaks the signature.
  const [h, p, sig] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.context.user.moderator = true;
  const forged = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
  await assert.rejects(jwtVerify(forged, KEY, { audience: 'jitsi' }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

test('public meet.jit.si mode: no token, a room password instead', async (t) => {
  const engine = await Engine.open({ database: path.join(tempDir(t), 'public.db') });
  t.after(() => engine.close());
  await engine.enroll('c', 'prof', 'instructor');
  await engine.enroll('c', 'ana');
  const start = new Date(Date.now() + MINUTE);
  const s = await engine.createSession('prof', 'c', {
    title: 'Open', starts_at: start, ends_at: new Date(start.getTime() + HOUR), room_password: true,
  });
  assert.equal(s.jitsi_server_url, 'https://meet.jit.si');
  await engine.startSession('prof', s.id);
  const joined = await engine.join('ana', s.id);
  assert.ok(joined.jitsi_join_url.startsWith('https://meet.jit.si/'));
  assert.equal(typeof joined.jitsi_room_password, 'string');
  const token = await engine.token('ana', s.id);
  assert.equal(token.jwt, null);
  assert.ok(token.expires_at instanceof Date);
});

test('a self-hosted configuration without a usable secret is refused at open', async (t) => {
  const err = await failure(Engine.open({
    database: path.join(tempDir(t), 'bad.db'),
    jitsi: { mode: 'self_hosted', server_url: 'https://meet.example.org', app_id: 'lms', app_secret: 'short' },
  }));
  assert.equal(err.category, 'invalid_argument');
  assert.equal(err.field, 'jitsi.app_secret');
});
