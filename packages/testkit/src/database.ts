import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The admin connection string of the test PostgreSQL server. scripts/test.ts starts one and
 * sets TEST_POSTGRES_URL; pointing it at another server runs the tests there.
 */
export function testPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (url === undefined || url === '') {
    throw new Error('TEST_POSTGRES_URL is not set: run the tests through `make test` or `node scripts/test.ts`');
  }
  return url;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A login role of the test server with a password of its own (tests that look for secrets know it). */
export interface TestRole {
  user: string;
  password: string;
  drop(): Promise<void>;
}

/** Creates a login role with a unique name and a random password; drop it after its databases. */
export async function createTestRole(prefix: string): Promise<TestRole> {
  const adminUrl = testPostgresUrl();
  const user = uniqueName(prefix);
  const password = randomBytes(18).toString('base64url');
  await adminQuery(adminUrl, `CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  return { user, password, drop: () => adminQuery(adminUrl, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(user)}`) };
}

/**
 * Creates an empty database with a unique name, so tests never share data; owned by `owner`,
 * whose credentials its url then carries, when given.
 */
export async function createTestDatabase(
  prefix: string,
  options: { owner?: Pick<TestRole, 'user' | 'password'> } = {},
): Promise<TestDatabase> {
  const adminUrl = testPostgresUrl();
  const name = uniqueName(prefix);
  const owner = options.owner === undefined ? '' : ` OWNER ${pg.escapeIdentifier(options.owner.user)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}${owner}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (options.owner !== undefined) {
    url.username = encodeURIComponent(options.owner.user);
    url.password = encodeURIComponent(options.owner.password);
  }
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  };
}

function uniqueName(prefix: string): string {
  return `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The bootstrap brokers of the test Kafka. scripts/test.ts starts a broker (or takes
 * KAFKA_BROKERS) and sets TEST_KAFKA_BROKERS; the platform's topics exist there.
 */
export function testKafkaBrokers(): string {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (brokers === undefined || brokers === '') {
    throw new Error('TEST_KAFKA_BROKERS is not set: run the tests through `make test` or `node scripts/test.ts`');
  }
  return brokers;
}
