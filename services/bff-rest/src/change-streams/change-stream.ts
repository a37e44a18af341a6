import type { Writable } from 'node:stream';
import type { ChangeFeedPage, CloseReason, NoteChangeSignal, ReadChangeFeed } from './change-feed.ts';
import type { ChangeStreamTelemetry } from './telemetry.ts';

export interface ChangeStreamOptions {
  ownerId: string;
  read: ReadChangeFeed;
  heartbeatMs: number;
  /** When the access token expires: the stream ends then. */
  expiresAtMs: number;
  /** How long a client may leave its socket full before it is dropped (it resumes from its last id). */
  drainTimeoutMs: number;
  telemetry: ChangeStreamTelemetry;
  /** Called once, when the stream has ended (or was abandoned) for whatever reason. */
  onClose: (stream: ChangeStream) => void;
  now?: () => number;
}

/** Signals kept while a read is under way (for latency and trace links; one read answers them all). */
const maxPendingSignals = 1_000;

/** The SSE field `retry:` tells EventSource how soon to reconnect. */
const reconnectAfterMs = 1_000;

/**
 * One open GET /v1/notes/changes/stream: sends the feed's changes as `change` events, each with the
 * cursor after it as its id, and reads the feed again whenever a signal says one of the owner's
 * notes changed. Signals only wake it: what it sends always comes from the feed, after its own
 * cursor, so a signal lost, late or repeated never loses, reorders or repeats a change.
 * Back-pressure: it reads no further while the client's socket is full, and drops a client that
 * leaves it full for drainTimeoutMs.
 *
 * It takes signals from its creation on, before its first page is read, so that no change
 * committed meanwhile waits for the next one; open() then starts sending.
 */
export class ChangeStream {
  readonly ownerId: string;
  #ended: Promise<void> = Promise.resolve();
  #out: Writable | undefined;
  #options: ChangeStreamOptions;
  #cursor: string | undefined;
  /** Signals not yet answered by a read of the feed. */
  #pending: NoteChangeSignal[] = [];
  /** Woken without a signal (see wake()). */
  #woken = false;
  #resume: (() => void) | undefined;
  #closed = false;
  #reading = new AbortController();
  #timers: NodeJS.Timeout[] = [];
  #now: () => number;

  constructor(options: ChangeStreamOptions) {
    this.ownerId = options.ownerId;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the stream has ended or was closed before it opened (shutdown). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the stream has ended (at once if it never opened). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** Starts the stream on `out` (the answer's body) with the feed's first page, read before the answer's headers were sent. */
  open(out: Writable, firstPage: ChangeFeedPage): void {
    this.#out = out;
    this.#options.telemetry.opened();
    out.on('close', () => this.close('client-gone'));
    this.#ended = this.#run(out, firstPage);
  }

  /** Forgets a stream that will never open (its first read failed: the request is answered with a problem). */
  abandon(): void {
    this.#closed = true;
    this.#options.onClose(this);
  }

  /** One of the owner's notes changed: read the feed again (at once, or after the read under way). */
  signal(signal: NoteChangeSignal): void {
    if (this.#closed || this.#pending.length >= maxPendingSignals) return;
    this.#pending.push(signal);
    this.#resume?.();
  }

  /** Read the feed again though no signal came: changes may have been missed (this replica's consumer has just joined). */
  wake(): void {
    this.#woken = true;
    this.#resume?.();
  }

  /** Ends the stream with a last `close` event saying why. Idempotent. */
  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#reading.abort();
    this.#resume?.();
    const out = this.#out;
    if (out === undefined) {
      this.#options.onClose(this);
      return;
    }
    if (reason !== 'client-gone' && !out.destroyed) {
      out.end(`event: close\ndata: ${JSON.stringify({ reason })}\n\n`);
    }
    // A slow client gets the close event after what it has not read yet, but not for ever.
    if (reason === 'slow-client') setTimeout(() => out.destroy(), this.#options.drainTimeoutMs).unref();
    this.#options.telemetry.closed(reason);
    this.#options.onClose(this);
  }

  async #run(out: Writable, firstPage: ChangeFeedPage): Promise<void> {
    const { heartbeatMs, expiresAtMs } = this.#options;
    out.write(`retry: ${reconnectAfterMs}\n\n`);
    this.#timers.push(
      setInterval(() => {
        if (!out.writableNeedDrain) out.write(': heartbeat\n\n');
      }, heartbeatMs),
      setTimeout(() => this.close('token-expired'), Math.max(0, expiresAtMs - this.#now())),
    );
    try {
      await this.#send(firstPage);
      if (firstPage.hasMore) await this.#catchUp([]);
      while (!this.#closed) {
        if (this.#pending.length === 0 && !this.#woken) await new Promise<void>((resolve) => (this.#resume = resolve));
        this.#resume = undefined;
        this.#woken = false;
        if (this.#closed) break;
        const answered = this.#pending;
        this.#pending = [];
        await this.#catchUp(answered);
      }
    } catch (error) {
      if (!this.#closed) this.close(error instanceof SlowClient ? 'slow-client' : 'upstream-unavailable');
    }
  }

  /** Reads and sends every change after the cursor. */
  #catchUp(answered: readonly NoteChangeSignal[]): Promise<void> {
    return this.#options.telemetry.deliver(answered, async () => {
      let page: ChangeFeedPage;
      do {
        page = await this.#options.read(this.ownerId, this.#cursor, this.#reading.signal);
        await this.#send(page);
      } while (page.hasMore && !this.#closed);
    });
  }

  async #send(page: ChangeFeedPage): Promise<void> {
    for (const change of page.changes) {
      if (this.#closed) return;
      const written = (this.#out as Writable).write(`id: ${change.cursor}\nevent: change\ndata: ${change.json}\n\n`);
      this.#options.telemetry.changeSent();
      if (!written) await this.#drained();
    }
    this.#cursor = page.nextCursor;
  }

  #drained(): Promise<void> {
    const out = this.#out as Writable;
    const { drainTimeoutMs } = this.#options;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        out.off('drain', onDrain);
        out.off('close', onDrain);
        reject(new SlowClient());
      }, drainTimeoutMs);
      // Closing the stream (the client gone, shutdown) ends the wait too.
      const onDrain = () => {
        clearTimeout(timer);
        out.off('close', onDrain);
        resolve();
      };
      out.once('drain', onDrain);
      out.once('close', onDrain);
    });
  }
}

class SlowClient extends Error {
  override name = 'SlowClient';
}
