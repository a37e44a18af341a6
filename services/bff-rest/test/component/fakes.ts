// In-memory stand-ins for auth-service, notes-service and saga-orchestrator (and their
// grpc.health.v1), served with Connect's router transport, plus RSA key pairs to mint access
// tokens the BFF accepts (the fake auth-service publishes them in its JWKS).
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createClient,
  createRouterTransport,
  type Interceptor,
  type UnaryResponse,
} from '@connectrpc/connect';
import { AuthService, type TokenPair, TokenPairSchema } from '@notes/contracts/auth/v1';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { type Note, NoteOrder, NoteSchema, NotesService } from '@notes/contracts/notes/v1';
import { type Saga, SagaSchema, SagaService } from '@notes/contracts/saga/v1';
import { validationInterceptor } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
import { createMetricsRegistry } from '@notes/operations';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  type GenerateKeyPairResult,
  generateKeyPair,
  SignJWT,
} from 'jose';
import { type BffApp, buildApp } from '../../src/app.ts';
import type { OpenChangeStreams } from '../../src/change-streams/open-streams.ts';
import { loadBffConfig } from '../../src/config.ts';
import { createOpenChangeStreams } from '../../src/http/change-streams.ts';

export const issuer = 'notes-platform';
export const audience = 'notes-api';

export interface SigningKeys extends GenerateKeyPairResult {
  publicKeyPem: string;
  /** The RFC 7638 thumbprint, as auth-service names its keys. */
  kid: string;
}

export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
  return { privateKey, publicKey, publicKeyPem: await exportSPKI(publicKey), kid };
}

/** The public half of keys as auth-service's JWKS lists it. */
export async function publicJwk(keys: SigningKeys) {
  return { ...(await exportJWK(keys.publicKey)), kid: keys.kid, alg: 'RS256', use: 'sig' };
}

export interface TokenOverrides {
  issuer?: string;
  audience?: string;
  /** jose's expiration: a duration like '15m', or seconds since the epoch. */
  expiresIn?: string | number;
  /** Sign with another key than the one the kid names. */
  privateKey?: GenerateKeyPairResult['privateKey'];
}

/** An access token as auth-service issues it, but for what `overrides` change. */
export function mintAccessToken(keys: SigningKeys, userId: string, overrides: TokenOverrides = {}): Promise<string> {
  return new SignJWT()
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
    .setSubject(userId)
    .setIssuer(overrides.issuer ?? issuer)
    .setAudience(overrides.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime(overrides.expiresIn ?? '15m')
    .setJti(randomUUID())
    .sign(overrides.privateKey ?? keys.privateKey);
}

/** One call an upstream received, for assertions on what the BFF sends. */
export interface RecordedCall {
  method: string;
  message: Record<string, unknown>;
  timeoutMs: number | undefined;
  requestId: string | null;
}

interface StoredNote {
  note: Note;
  deleted: boolean;
}

export type Upstream = 'auth' | 'notes' | 'saga';

/**
 * What an upstream does with its calls (health checks aside) instead of answering them: fail with
 * an error (the next `times` calls, or all), never answer (until the call's deadline), or answer
 * after a delay.
 */
export type Fault =
  | { kind: 'fail'; error: ConnectError; times?: number }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number };

/** The in-memory upstreams; tests flip their health or make them fail. */
export class FakeUpstreams {
  readonly calls: RecordedCall[] = [];
  /** What each upstream's health check answers: SERVING, NOT_SERVING, or an error (unreachable). */
  readonly health: Record<Upstream, 'serving' | 'not-serving' | 'down'> = {
    auth: 'serving',
    notes: 'serving',
    saga: 'serving',
  };
  /** The faults of each upstream, if any: see withFault. */
  readonly faults: Partial<Record<Upstream, Fault>> = {};
  /** The keys auth-service's JWKS lists; the first one signs the tokens it issues. */
  publishedKeys: SigningKeys[];
  private readonly users = new Map<string, { userId: string; password: string }>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly notes: StoredNote[] = [];
  private readonly sagas = new Map<string, Saga>();
  private readonly answered = new Map<string, UnaryResponse>();

  constructor(keys: SigningKeys) {
    this.publishedKeys = [keys];
  }

  /** Runs `work` while `upstream` has the fault, then clears it. */
  async withFault<T>(upstream: Upstream, fault: Fault, work: () => Promise<T>): Promise<T> {
    this.faults[upstream] = fault;
    try {
      return await work();
    } finally {
      delete this.faults[upstream];
    }
  }

  /** Records every call as it arrives, before the upstream validates it (so rejected calls count too). */
  private readonly recorder: Interceptor = (next) => async (request) => {
    if (!request.stream) {
      const timeout = request.header.get('connect-timeout-ms');
      this.calls.push({
        method: request.method.name,
        message: request.message as unknown as Record<string, unknown>,
        timeoutMs: timeout === null ? undefined : Number(timeout),
        requestId: request.header.get('x-request-id'),
      });
    }
    return next(request);
  };

  /** Answers a write repeated with its idempotency key (per owner) as notes-service does: the first answer, replayed. */
  private readonly replayer: Interceptor = (next) => async (request) => {
    const { ownerId, idempotency } = request.message as { ownerId?: string; idempotency?: { key: string } };
    if (request.stream || idempotency === undefined) return next(request);
    const id = `${request.method.name} ${ownerId} ${idempotency.key}`;
    const first = this.answered.get(id);
    if (first !== undefined) return { ...first, message: { ...first.message, replayed: true } };
    const answer = await next(request);
    if (!answer.stream) this.answered.set(id, answer);
    return answer;
  };

  readonly authTransport = createRouterTransport(
    (router) => {
      router.service(AuthService, {
        signUp: async (request) => {
          const email = request.email.toLowerCase();
          if (this.users.has(email)) throw new ConnectError('email taken', Code.AlreadyExists);
          const userId = randomUUID();
          this.users.set(email, { userId, password: request.password });
          return { user: { userId, email, createdAt: timestampNow() } };
        },
        signIn: async (request) => {
          const user = this.users.get(request.email.toLowerCase());
          if (user?.password !== request.password) throw new ConnectError('invalid credentials', Code.Unauthenticated);
          return { tokens: await this.tokenPair(user.userId) };
        },
        refresh: async (request) => {
          const userId = this.refreshTokens.get(request.refreshToken);
          if (userId === undefined) throw new ConnectError('invalid refresh token', Code.Unauthenticated);
          this.refreshTokens.delete(request.refreshToken);
          return { tokens: await this.tokenPair(userId) };
        },
        signOut: async (request) => {
          this.refreshTokens.delete(request.refreshToken);
          return {};
        },
        getJwks: async () => ({
          jwksJson: JSON.stringify({ keys: await Promise.all(this.publishedKeys.map(publicJwk)) }),
        }),
      });
      this.serveHealth(router, 'auth');
    },
    { router: { interceptors: this.interceptors('auth') } },
  );

  readonly notesTransport = createRouterTransport(
    (router) => {
      router.service(NotesService, {
        createNote: async (request) => {
          const { ownerId, title, content, pinned, archived } = request;
          const now = timestampNow();
          const note = create(NoteSchema, {
            id: randomUUID(),
            ownerId,
            title,
            content,
            tags: tagsOf(request.tags),
            pinned,
            archived,
            createdAt: now,
            updatedAt: now,
            version: 1n,
          });
          this.notes.push({ note, deleted: false });
          return { note };
        },
        getNote: async (request) => {
          return { note: this.liveNote(request.ownerId, request.noteId) };
        },
        listNotes: async (request) => {
          if (!/^(offset:\d+)?$/.test(request.cursor)) throw invalidArgument('cursor', 3, 'cursor is not valid');
          const offset = Number(request.cursor.replace('offset:', ''));
          const tags = tagsOf(request.tag, 'tag');
          if (request.sort === NoteOrder.RELEVANCE && request.q === '') {
            throw invalidArgument('sort', 8, 'sort=relevance needs q');
          }
          const owned = this.notes.filter(
            ({ note, deleted }) =>
              note.ownerId === request.ownerId &&
              !deleted &&
              note.archived === request.archived &&
              (request.pinned === undefined || note.pinned === request.pinned) &&
              tags.every((tag) => note.tags.includes(tag)),
          );
          const newestFirst = owned.map((stored) => stored.note).reverse();
          const limit = request.limit === 0 ? 20 : request.limit;
          const page = newestFirst.slice(offset, offset + limit);
          const nextCursor = offset + limit < newestFirst.length ? `offset:${offset + limit}` : '';
          return { notes: page, nextCursor };
        },
        updateNote: async (request) => {
          const note = this.liveNote(request.ownerId, request.noteId);
          if (request.expectedVersion > 0n && request.expectedVersion !== note.version) {
            throw new ConnectError('version mismatch', Code.FailedPrecondition);
          }
          Object.assign(note, {
            title: request.title,
            content: request.content,
            tags: tagsOf(request.tags),
            pinned: request.pinned,
            archived: request.archived,
            version: note.version + 1n,
          });
          note.updatedAt = timestampNow();
          return { note };
        },
        patchNote: async (request) => {
          const note = this.liveNote(request.ownerId, request.noteId);
          if (request.expectedVersion > 0n && request.expectedVersion !== note.version) {
            throw new ConnectError('version mismatch', Code.FailedPrecondition);
          }
          const tags = request.tags === undefined ? note.tags : tagsOf(request.tags.tags);
          Object.assign(note, {
            title: request.title ?? note.title,
            content: request.content ?? note.content,
            tags,
            pinned: request.pinned ?? note.pinned,
            archived: request.archived ?? note.archived,
            version: note.version + 1n,
          });
          note.updatedAt = timestampNow();
          return { note };
        },
        listTags: async (request) => {
          const counts = new Map<string, number>();
          for (const { note, deleted } of this.notes) {
            if (note.ownerId !== request.ownerId || deleted) continue;
            for (const tag of note.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
          }
          // Sorted as notes-service sorts: most used first, then by name.
          const sorted = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
          return { tags: sorted.map(([tag, count]) => ({ tag, count: BigInt(count) })) };
        },
        listNoteChanges: async (request) => this.noteChanges(request),
        deleteNote: async (request) => {
          this.liveNote(request.ownerId, request.noteId);
          const stored = this.notes.find((candidate) => candidate.note.id === request.noteId);
          if (stored !== undefined) stored.deleted = true;
          return {};
        },
      });
      this.serveHealth(router, 'notes');
    },
    { router: { interceptors: this.interceptors('notes') } },
  );

  /**
   * A feed of the owner's notes in the order they were created, each at its state now, by offset
   * ("feed:<n>"); a full sync leaves the deleted ones out. "feed:expired" is past the retention.
   */
  private noteChanges(request: { ownerId: string; limit: number; cursor: string }) {
    if (request.cursor === 'feed:expired') throw new ConnectError('cursor expired', Code.OutOfRange);
    if (!/^(feed:\d+)?$/.test(request.cursor)) throw invalidArgument('cursor', 3, 'cursor is not valid');
    const offset = Number(request.cursor.replace('feed:', ''));
    const owned = this.notes.filter(
      ({ note, deleted }) => note.ownerId === request.ownerId && (request.cursor !== '' || !deleted),
    );
    const limit = request.limit === 0 ? 100 : request.limit;
    const end = Math.min(offset + limit, owned.length);
    const changes = owned.slice(offset, end).map(({ note, deleted }, index) => ({
      change: deleted
        ? { case: 'delete' as const, value: { id: note.id, version: note.version } }
        : { case: 'upsert' as const, value: note },
      cursor: `feed:${offset + index + 1}`,
    }));
    return { changes, nextCursor: `feed:${end}`, hasMore: end < owned.length };
  }

  readonly sagaTransport = createRouterTransport(
    (router) => {
      router.service(SagaService, {
        startDeleteUserSaga: async (request) => {
          const now = timestampNow();
          const saga = create(SagaSchema, {
            sagaId: randomUUID(),
            type: 'DeleteUserSaga',
            state: 'RUNNING',
            step: 'DeleteUserNotes',
            userId: request.userId,
            createdAt: now,
            updatedAt: now,
          });
          this.sagas.set(saga.sagaId, saga);
          return { saga };
        },
        getSaga: async (request) => {
          const saga = this.sagas.get(request.sagaId);
          if (saga === undefined) throw new ConnectError('saga not found', Code.NotFound);
          return { saga };
        },
      });
      this.serveHealth(router, 'saga');
    },
    { router: { interceptors: this.interceptors('saga') } },
  );

  /** The calls made to one method, oldest first. */
  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async tokenPair(userId: string): Promise<TokenPair> {
    const refreshToken = randomUUID();
    this.refreshTokens.set(refreshToken, userId);
    return create(TokenPairSchema, {
      accessToken: await mintAccessToken(this.publishedKeys[0] as SigningKeys, userId),
      tokenType: 'Bearer',
      expiresIn: 900n,
      refreshToken,
      refreshExpiresIn: 2_592_000n,
    });
  }

  private liveNote(ownerId: string, noteId: string): Note {
    const stored = this.notes.find((candidate) => candidate.note.id === noteId && candidate.note.ownerId === ownerId);
    if (stored === undefined || stored.deleted) throw new ConnectError('note not found', Code.NotFound);
    return stored.note;
  }

  /** An upstream's interceptors: every call recorded, then its fault applied, then validated. */
  private interceptors(upstream: Upstream): Interceptor[] {
    return [this.recorder, this.faultOf(upstream), validationInterceptor(), this.replayer];
  }

  /** Applies the upstream's fault, if it has one, to every call but health checks. */
  private faultOf(upstream: Upstream): Interceptor {
    return (next) => async (request) => {
      const fault = this.faults[upstream];
      if (fault === undefined || request.service.typeName === Health.typeName) return next(request);
      switch (fault.kind) {
        case 'fail':
          if (fault.times === undefined || fault.times-- > 0) throw fault.error;
          return next(request);
        case 'hang':
          await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
          throw new ConnectError('deadline exceeded', Code.DeadlineExceeded);
        case 'delay':
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          return next(request);
      }
    };
  }

  private serveHealth(router: ConnectRouter, upstream: Upstream): void {
    router.service(Health, {
      check: async () => {
        const state = this.health[upstream];
        if (state === 'down') throw new ConnectError('connection refused', Code.Unavailable);
        const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;
        return { status: state === 'serving' ? SERVING : NOT_SERVING };
      },
    });
  }
}

/**
 * Stands in for notes-service's tag rules only as far as the BFF needs one: sorted as given, and a
 * tag with a space refused the way notes-service names it (`tags[3]`).
 */
function tagsOf(tags: string[], field = 'tags'): string[] {
  const invalid = tags.findIndex((tag) => tag.includes(' '));
  if (invalid >= 0) throw invalidArgument(`${field}[${invalid}]`, 0, 'a tag must be letters, digits, - or _');
  return tags.toSorted();
}

/** INVALID_ARGUMENT with a buf.validate.Violations detail naming one field, as protovalidate sends it. */
export function invalidArgument(fieldName: string, fieldNumber: number, message: string): ConnectError {
  const violations = create(ViolationsSchema, {
    violations: [{ field: { elements: [{ fieldName, fieldNumber }] }, message, ruleId: 'test' }],
  });
  return new ConnectError(`invalid ${fieldName}`, Code.InvalidArgument, undefined, [
    { desc: ViolationsSchema, value: violations },
  ]);
}

export interface TestBff {
  app: BffApp;
  /** The app's change streams: tests signal note changes to them as notes.events would. */
  changeStreams: OpenChangeStreams;
  upstreams: FakeUpstreams;
  /** The keys auth-service signs with (published first in its JWKS). */
  keys: SigningKeys;
  /** A user (a fresh one by default) and an Authorization header for them. */
  signedInUser(userId?: string): Promise<{ userId: string; authorization: string }>;
}

/**
 * The app over fresh fake upstreams, with config.yaml's settings but for `config` (dotted paths,
 * e.g. 'upstreams.timeoutMs'); close `app` when done. Tokens are verified with the fake
 * auth-service's JWKS (no pinned key). Every injected request comes from 127.0.0.1, so the rate
 * limits are lifted unless `config` sets them. Logs nothing unless given a logger.
 */
export async function buildTestBff(
  config: Record<string, unknown> = {},
  logger: Logger = createLogger({ service: 'bff-rest-test', level: 'silent' }),
): Promise<TestBff> {
  const keys = await generateSigningKeys();
  const upstreams = new FakeUpstreams(keys);
  const settings = loadBffConfig({
    env: { GRPC_PLAINTEXT: 'true' },
    overrides: {
      'log.level': 'silent',
      'rateLimits.perIp.max': 1_000_000,
      'rateLimits.failedSignInsPerIp.max': 1_000_000,
      ...config,
    },
  });
  const registry = createMetricsRegistry();
  const notesClient = createClient(NotesService, upstreams.notesTransport);
  const changeStreams = createOpenChangeStreams({
    settings: settings.changeStreams,
    notesClient,
    timeoutMs: settings.upstreams.timeoutMs,
    registry,
  });
  const app = buildApp({
    config: settings,
    logger,
    registry,
    authClient: createClient(AuthService, upstreams.authTransport),
    notesClient,
    sagaClient: createClient(SagaService, upstreams.sagaTransport),
    changeStreams,
    upstreamHealth: {
      auth: createClient(Health, upstreams.authTransport),
      notes: createClient(Health, upstreams.notesTransport),
      saga: createClient(Health, upstreams.sagaTransport),
    },
  });
  return {
    app,
    changeStreams,
    upstreams,
    keys,
    async signedInUser(userId = randomUUID()) {
      return { userId, authorization: `Bearer ${await mintAccessToken(keys, userId)}` };
    },
  };
}
