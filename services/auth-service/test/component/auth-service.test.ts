import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { AuthService, type TokenPair } from '@notes/contracts/auth/v1';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { createLocalJWKSet, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { type AuthServiceInstance, composeAuthService } from '../../src/compose.ts';
import { testConfig } from '../support/config.ts';

const password = 'correct horse battery staple';
let database: TestDatabase;
let service: AuthServiceInstance;
let publicKeyPem: string;
let auth: Client<typeof AuthService>;
let health: Client<typeof Health>;

before(async () => {
  database = await createTestDatabase('auth_component');
  const setup = testConfig(database.url);
  publicKeyPem = setup.publicKeyPem;
  // migrateOnStart is on in config.yaml: the empty database gets its schema from start().
  service = composeAuthService(setup.config);
  const { port } = await service.start();
  const transport = createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined });
  auth = createClient(AuthService, transport);
  health = createClient(Health, transport);
});

after(async () => {
  await service?.stop();
  await database?.drop();
});

const uniqueEmail = (prefix = 'user') => `${prefix}-${randomUUID()}@example.com`;

async function signedUp(): Promise<{ email: string; userId: string }> {
  const email = uniqueEmail();
  const { user } = await auth.signUp({ email, password });
  assert.ok(user !== undefined);
  return { email, userId: user.userId };
}

async function signedIn(): Promise<{ userId: string; tokens: TokenPair }> {
  const { email, userId } = await signedUp();
  const { tokens } = await auth.signIn({ email, password });
  assert.ok(tokens !== undefined);
  return { userId, tokens };
}

/** The ConnectError a call fails with. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  assert.fail('the call succeeded');
}

test('sign-up answers the user with a lower-cased email and its creation time', async () => {
  const email = uniqueEmail('Mixed.Case');
  const startedAt = Date.now();
  const { user } = await auth.signUp({ email, password });
  assert.ok(user?.createdAt !== undefined);
  assert.equal(user.email, email.toLowerCase());
  assert.match(user.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const createdAt = timestampMs(user.createdAt);
  assert.ok(createdAt >= startedAt && createdAt <= Date.now(), 'created during the call');
});

test('signing up an email taken in another case is ALREADY_EXISTS', async () => {
  const { email } = await signedUp();
  const error = await failure(auth.signUp({ email: email.toUpperCase(), password }));
  assert.equal(error.code, Code.AlreadyExists);
});

test('an invalid email and a short password are INVALID_ARGUMENT naming both fields', async () => {
  const error = await failure(auth.signUp({ email: 'not-an-email', password: 'short' }));
  assert.equal(error.code, Code.InvalidArgument);
  const fields = error
    .findDetails(ViolationsSchema)
    .flatMap((details) => details.violations)
    .map((violation) => violation.field?.elements.map((element) => element.fieldName).join('.'));
  assert.deepEqual(fields.sort(), ['email', 'password']);
});

test('a password of 12 emoji is long enough (code points, not UTF-16 units)', async () => {
  const { user } = await auth.signUp({ email: uniqueEmail(), password: '🔑'.repeat(12) });
  assert.ok(user?.userId);
});

test('sign-in issues an RS256 access token that the JWKS verifies, with the expected claims', async () => {
  const { userId, tokens } = await signedIn();
  assert.equal(tokens.tokenType, 'Bearer');
  assert.equal(tokens.expiresIn, 900n);
  assert.equal(tokens.refreshExpiresIn, 2_592_000n);
  assert.ok(tokens.refreshToken.length >= 43);

  const { jwksJson } = await auth.getJwks({});
  const jwks = JSON.parse(jwksJson);
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].alg, 'RS256');
  assert.equal(jwks.keys[0].use, 'sig');
  assert.equal(jwks.keys[0].kid, decodeProtectedHeader(tokens.accessToken).kid);

  const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, createLocalJWKSet(jwks), {
    issuer: 'notes-platform',
    audience: 'notes-api',
    algorithms: ['RS256'],
  });
  assert.equal(protectedHeader.typ, 'JWT');
  assert.equal(payload.sub, userId);
  assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900);
  assert.ok(payload.jti);
  // The JWKS key is the public half of the configured private key.
  await jwtVerify(tokens.accessToken, await importSPKI(publicKeyPem, 'RS256'));
});

test('a wrong password and an unknown email are both UNAUTHENTICATED with the same message', async () => {
  const { email } = await signedUp();
  const wrongPassword = await failure(auth.signIn({ email, password: `${password}?` }));
  const unknownEmail = await failure(auth.signIn({ email: uniqueEmail('nobody'), password }));
  assert.equal(wrongPassword.code, Code.Unauthenticated);
  assert.equal(unknownEmail.code, Code.Unauthenticated);
  assert.equal(wrongPassword.rawMessage, unknownEmail.rawMessage);
});

test('a refresh token is single-use; presenting it again revokes the newest token of the family too', async () => {
  const { tokens: first } = await signedIn();
  const { tokens: second } = await auth.refresh({ refreshToken: first.refreshToken });
  assert.ok(second !== undefined);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.notEqual(second.accessToken, first.accessToken);

  const reuse = await failure(auth.refresh({ refreshToken: first.refreshToken }));
  assert.equal(reuse.code, Code.Unauthenticated);
  const newest = await failure(auth.refresh({ refreshToken: second.refreshToken }));
  assert.equal(newest.code, Code.Unauthenticated);
});

test('sign-out revokes the family and is idempotent', async () => {
  const { tokens } = await signedIn();
  await auth.signOut({ refreshToken: tokens.refreshToken });
  await auth.signOut({ refreshToken: tokens.refreshToken });
  await auth.signOut({ refreshToken: 'never-issued' });
  const error = await failure(auth.refresh({ refreshToken: tokens.refreshToken }));
  assert.equal(error.code, Code.Unauthenticated);
});

test('after delete-user, sign-in fails like a wrong password and refresh tokens are dead', async () => {
  const { email, userId } = await signedUp();
  const { tokens } = await auth.signIn({ email, password });
  assert.ok(tokens !== undefined);
  await auth.deleteUser({ userId });
  await auth.deleteUser({ userId });

  const signIn = await failure(auth.signIn({ email, password }));
  assert.equal(signIn.code, Code.Unauthenticated);
  const wrongPassword = await failure(auth.signIn({ email: uniqueEmail('nobody'), password }));
  assert.equal(signIn.rawMessage, wrongPassword.rawMessage);
  const refresh = await failure(auth.refresh({ refreshToken: tokens.refreshToken }));
  assert.equal(refresh.code, Code.Unauthenticated);
});

test('after begin-user-deletion, sign-in fails like a wrong password and every refresh token is dead', async () => {
  const { email, userId } = await signedUp();
  const first = await auth.signIn({ email, password });
  const second = await auth.signIn({ email, password });
  assert.ok(first.tokens !== undefined && second.tokens !== undefined);
  await auth.beginUserDeletion({ userId });
  await auth.beginUserDeletion({ userId });

  const signIn = await failure(auth.signIn({ email, password }));
  const wrongPassword = await failure(auth.signIn({ email: uniqueEmail('nobody'), password }));
  assert.equal(signIn.code, Code.Unauthenticated);
  assert.equal(signIn.rawMessage, wrongPassword.rawMessage);
  for (const tokens of [first.tokens, second.tokens]) {
    const refresh = await failure(auth.refresh({ refreshToken: tokens.refreshToken }));
    assert.equal(refresh.code, Code.Unauthenticated);
  }
  // The account is still there (the saga deletes it later): its email stays taken until then.
  const signUpAgain = await failure(auth.signUp({ email, password }));
  assert.equal(signUpAgain.code, Code.AlreadyExists);
});

test('begin-user-deletion of an unknown user is NOT_FOUND; of a non-UUID, INVALID_ARGUMENT', async () => {
  assert.equal((await failure(auth.beginUserDeletion({ userId: randomUUID() }))).code, Code.NotFound);
  assert.equal((await failure(auth.beginUserDeletion({ userId: 'not-a-uuid' }))).code, Code.InvalidArgument);
});

test('delete-user refuses an id that is not a UUID', async () => {
  const error = await failure(auth.deleteUser({ userId: 'not-a-uuid' }));
  assert.equal(error.code, Code.InvalidArgument);
});

test('the gRPC health check answers SERVING', async () => {
  const response = await health.check({ service: '' });
  assert.equal(response.status, HealthCheckResponse_ServingStatus.SERVING);
});

test('the 11th sign-in of an email within 15 minutes is RESOURCE_EXHAUSTED with retry-after, even with the right password', async () => {
  const { email } = await signedUp();
  for (let i = 0; i < 10; i++) {
    assert.equal((await failure(auth.signIn({ email, password: `${password}?` }))).code, Code.Unauthenticated);
  }
  const locked = await failure(auth.signIn({ email, password }));
  assert.equal(locked.code, Code.ResourceExhausted);
  const retryAfter = Number(locked.metadata.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900, String(retryAfter));
});

test('a key rotation signs nobody out: the new instance signs with its key and publishes the previous one', async () => {
  const { userId, tokens: beforeRotation } = await signedIn();
  const rotated = composeAuthService(testConfig(database.url, { 'jwt.previousPublicKeys': publicKeyPem }).config);
  const { port } = await rotated.start();
  try {
    const rotatedAuth = createClient(AuthService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
    const jwks = JSON.parse((await rotatedAuth.getJwks({})).jwksJson);
    const { tokens: afterRotation } = await rotatedAuth.refresh({ refreshToken: beforeRotation.refreshToken });
    assert.ok(afterRotation !== undefined);
    assert.deepEqual(
      jwks.keys.map((key: { kid: string }) => key.kid),
      [decodeProtectedHeader(afterRotation.accessToken).kid, decodeProtectedHeader(beforeRotation.accessToken).kid],
    );
    for (const token of [beforeRotation.accessToken, afterRotation.accessToken]) {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
      assert.equal(payload.sub, userId);
    }
  } finally {
    await rotated.stop();
  }
});
