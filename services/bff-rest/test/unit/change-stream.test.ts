import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ChangeFeedPage, CloseReason, NoteChangeSignal } from '../../src/change-streams/change-feed.ts';
import { OpenChangeStreams } from '../../src/change-streams/open-streams.ts';
import type { ChangeStreamTelemetry } from '../../src/change-streams/telemetry.ts';

/**
 * A feed of numbered changes: change n has cursor "n"; a read sees what was appended before it
 * started (its snapshot), even if it answers later.
 */
class FakeFeed {
  changes: number[] = [];
  reads: (string | undefined)[] = [];
  failNext = false;
  pageSize = 100;
  /** While set, a started read waits for it before it answers. */
  gate: Promise<void> | undefined;

  read = async (_ownerId: string, cursor: string | undefined): Promise<ChangeFeedPage> => {
    this.reads.push(cursor);
    const after = cursor === undefined ? 0 : Number(cursor);
    const seen = this.changes.filter((n) => n > after);
    const page = seen.slice(0, this.pageSize);
    const last = page.at(-1) ?? after;
    await this.gate;
    if (this.failNext) throw new Error('notes-service unavailable');
    return {
      changes: page.map((n) => ({ cursor: String(n), json: JSON.stringify({ op: 'upsert', n }) })),
      nextCursor: String(last),
      hasMore: seen.length > page.length,
    };
  };
}

/** A client's socket: keeps what it is sent; `full` makes every write report back-pressure and never drain. */
class FakeClient extends Writable {
  text = '';
  readonly full: boolean;
  constructor(full = false) {
    super({ highWaterMark: full ? 1 : 1 << 20 });
    this.full = full;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    if (!this.full) done();
  }
  /** The ids of the `change` events received, in order. */
  get ids(): string[] {
    return [...this.text.matchAll(/^id: (.*)\nevent: change\n/gm)].map((match) => match[1] as string);
  }
  get closeReason(): string | undefined {
    const match = /^event: close\ndata: (.*)$/m.exec(this.text);
    return match === null ? undefined : (JSON.parse(match[1] as string) as { reason: string }).reason;
  }
}

function fakeTelemetry() {
  const record = { opened: 0, closed: [] as CloseReason[], refused: 0, sent: 0, delivered: [] as number[] };
  const telemetry: ChangeStreamTelemetry = {
    opened: () => record.opened++,
    closed: (reason) => record.closed.push(reason),
    refused: () => record.refused++,
    changeSent: () => record.sent++,
    async deliver(signals, work) {
      await work();
      record.delivered.push(signals.length);
    },
  };
  return { telemetry, record };
}

const settings = { maxPerUser: 2, heartbeatSeconds: 3600, drainTimeoutMs: 50 };
const hour = 3_600_000;
const signalOf = (ownerId: string): NoteChangeSignal => ({ ownerId, occurredAt: new Date() });

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function setUp(overrides: Partial<typeof settings> = {}) {
  const feed = new FakeFeed();
  const { telemetry, record } = fakeTelemetry();
  const streams = new OpenChangeStreams({ settings: { ...settings, ...overrides }, read: feed.read, telemetry });
  const open = async (ownerId: string, client = new FakeClient(), expiresAtMs = Date.now() + hour) => {
    const stream = streams.add(ownerId, expiresAtMs);
    stream.open(client, await streams.read(ownerId, undefined));
    return { stream, client };
  };
  return { feed, streams, record, open };
}

describe('a change stream', () => {
  it('sends the first page, then what each signal finds after its cursor, each change once and in order', async () => {
    const { feed, streams, open } = setUp();
    feed.changes = [1, 2];
    const { client, stream } = await open('alice');
    await until(() => client.ids.length === 2, 'the first page is sent');
    assert.match(client.text, /^retry: \d+\n\n/);
    assert.match(client.text, /id: 1\nevent: change\ndata: \{"op":"upsert","n":1\}\n\n/);

    feed.changes.push(3, 4);
    streams.signal(signalOf('alice'));
    await until(() => client.ids.length === 4, 'the signalled changes are sent');
    assert.deepEqual(client.ids, ['1', '2', '3', '4']);
    assert.equal(feed.reads.at(-1), '2', 'the read after a signal starts at the cursor of the last change sent');

    streams.signal(signalOf('bob'));
    streams.signal(signalOf('alice'));
    await until(() => feed.reads.length === 3, 'the repeated signal is read');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(client.ids, ['1', '2', '3', '4'], 'a signal that finds nothing new sends nothing');
    stream.close('shutting-down');
    await stream.ended;
  });

  it('answers the signals that come during a read with one more read, and reads every page when one is not enough', async () => {
    const { feed, streams, open, record } = setUp();
    const { client, stream } = await open('alice');
    let release = () => {};
    feed.gate = new Promise((resolve) => (release = resolve));
    feed.changes = [1];
    streams.signal(signalOf('alice'));
    await until(() => feed.reads.length === 2, 'a read is under way');
    feed.pageSize = 2;
    feed.changes.push(2, 3, 4, 5);
    for (let i = 0; i < 5; i++) streams.signal(signalOf('alice'));
    release();
    await until(() => client.ids.length === 5, 'every change is sent');
    assert.deepEqual(client.ids, ['1', '2', '3', '4', '5']);
    assert.deepEqual(record.delivered, [1, 5], 'the five signals during the first read were answered together');
    stream.close('shutting-down');
  });

  it('ends with a close event saying why: the token expired, the upstream failed, shutdown', async () => {
    const expiring = setUp();
    const { client: expired, stream } = await expiring.open('alice', new FakeClient(), Date.now() + 20);
    await stream.ended;
    await until(() => expired.writableFinished, 'the answer ends');
    assert.equal(expired.closeReason, 'token-expired');

    const failing = setUp();
    const { client: failed } = await failing.open('alice');
    failing.feed.failNext = true;
    failing.streams.signal(signalOf('alice'));
    await until(() => failed.writableFinished, 'the answer ends');
    assert.equal(failed.closeReason, 'upstream-unavailable');

    const stopping = setUp();
    const clients = [await stopping.open('alice'), await stopping.open('bob')].map((opened) => opened.client);
    await stopping.streams.closeAll('shutting-down');
    assert.deepEqual(
      clients.map((client) => client.closeReason),
      ['shutting-down', 'shutting-down'],
    );
    assert.deepEqual(stopping.record.closed, ['shutting-down', 'shutting-down']);
    assert.ok(stopping.streams.admits('alice'), 'closed streams no longer count');
  });

  it('drops a client that leaves its socket full, without reading further for it', async () => {
    const { feed, streams, open, record } = setUp();
    feed.changes = [1, 2, 3];
    const { stream } = await open('alice', new FakeClient(true));
    await stream.ended;
    assert.deepEqual(record.closed, ['slow-client']);
    assert.equal(record.sent, 1, 'nothing more was written after the socket filled');
    const reads = feed.reads.length;
    streams.signal(signalOf('alice'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(feed.reads.length, reads);
  });

  it("wakes the owner's streams at one cursor with one read, and each sends every change once", async () => {
    const { feed, streams, open } = setUp({ maxPerUser: 3 });
    const opened = [await open('alice'), await open('alice'), await open('alice')];
    const reads = feed.reads.length;
    feed.changes = [1, 2];
    streams.signal(signalOf('alice'));
    await until(() => opened.every(({ client }) => client.ids.length === 2), 'every stream sent the changes');
    assert.equal(feed.reads.length, reads + 1, 'one read answered the three streams');
    for (const { client } of opened) assert.deepEqual(client.ids, ['1', '2']);
    await streams.closeAll('shutting-down');
  });

  it('sends a change to a stream woken while a read from its cursor is under way, without another signal', async () => {
    const { feed, streams, open } = setUp();
    const { client, stream } = await open('alice');
    let release = () => {};
    feed.gate = new Promise((resolve) => (release = resolve));
    // Another stream of the owner opening at the same cursor: its first read is under way.
    const opening = streams.read('alice', '0');
    await until(() => feed.reads.length === 2, 'that read has started');
    feed.changes = [1];
    streams.signal(signalOf('alice'));
    release();
    assert.deepEqual((await opening).changes, []);
    await until(() => client.ids.length === 1, 'the change is sent');
    assert.deepEqual(client.ids, ['1']);
    stream.close('shutting-down');
  });

  it('ends every stream of an owner, whatever its cursor, with exactly the changes, in order, while changes come', async () => {
    const { feed, streams, open } = setUp({ maxPerUser: 10 });
    const opened: Awaited<ReturnType<typeof open>>[] = [];
    const total = 60;
    for (let n = 1; n <= total; n++) {
      feed.changes.push(n);
      // Some reads take a while, so that signals come during reads and streams drift apart.
      feed.gate = n % 3 === 0 ? new Promise((resolve) => setTimeout(resolve, n % 7)) : undefined;
      streams.signal(signalOf('alice'));
      if (n % 6 === 1) opened.push(await open('alice'));
      if (n % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const everything = Array.from({ length: total }, (_, index) => String(index + 1));
    await until(() => opened.every(({ client }) => client.ids.length >= total), 'every stream has every change');
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const { client } of opened) assert.deepEqual(client.ids, everything);
    await streams.closeAll('shutting-down');
  });

  it('reads the feed again when woken without a signal', async () => {
    const { feed, streams, open, record } = setUp();
    const { client, stream } = await open('alice');
    feed.changes = [1];
    streams.wakeAll();
    await until(() => client.ids.length === 1, 'the change found by the wake-up is sent');
    assert.deepEqual(record.delivered, [0], 'a wake-up answers no signal');
    stream.close('shutting-down');
  });

  it('writes a comment line at every heartbeat', async () => {
    const { open } = setUp({ heartbeatSeconds: 0.01 });
    const { client, stream } = await open('alice');
    await until(() => client.text.includes(': heartbeat\n\n'), 'a heartbeat');
    stream.close('shutting-down');
  });

  it('admits at most maxPerUser streams per owner, each owner counted apart', async () => {
    const { streams, open, record } = setUp();
    await open('alice');
    await open('alice');
    assert.equal(streams.admits('alice'), false);
    assert.equal(streams.admits('bob'), true);
    assert.equal(record.refused, 1);
    await streams.closeAll('shutting-down');
  });

  it('forgets a stream abandoned before it opened', async () => {
    const { streams, record } = setUp({ maxPerUser: 1 });
    streams.add('alice', Date.now() + hour).abandon();
    assert.equal(streams.admits('alice'), true);
    assert.equal(record.opened, 0);
  });
});
