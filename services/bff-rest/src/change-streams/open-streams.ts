import type { CloseReason, NoteChangeSignal, ReadChangeFeed } from './change-feed.ts';
import { ChangeStream } from './change-stream.ts';
import { shareFeedReads } from './shared-feed-reads.ts';
import type { ChangeStreamTelemetry } from './telemetry.ts';

export interface ChangeStreamSettings {
  /** Streams one owner may hold open at once on this replica. */
  maxPerUser: number;
  heartbeatSeconds: number;
  drainTimeoutMs: number;
}

export interface OpenChangeStreamsOptions {
  settings: ChangeStreamSettings;
  read: ReadChangeFeed;
  telemetry: ChangeStreamTelemetry;
}

/**
 * The change streams open on this replica, by owner: a signal about an owner's note wakes their
 * streams, and each owner may hold at most `maxPerUser` at once. Their reads of the feed are shared
 * (shareFeedReads): the owner's streams a signal wakes at the same cursor cost one read.
 */
export class OpenChangeStreams {
  readonly settings: ChangeStreamSettings;
  /** The feed as the streams read it, shared between those at the same cursor. */
  readonly read: ReadChangeFeed;
  #byOwner = new Map<string, Set<ChangeStream>>();
  #telemetry: ChangeStreamTelemetry;

  constructor(options: OpenChangeStreamsOptions) {
    this.settings = options.settings;
    this.read = shareFeedReads(options.read);
    this.#telemetry = options.telemetry;
  }

  /** Whether `ownerId` may open one more stream (else the request is a 429). */
  admits(ownerId: string): boolean {
    const admitted = (this.#byOwner.get(ownerId)?.size ?? 0) < this.settings.maxPerUser;
    if (!admitted) this.#telemetry.refused();
    return admitted;
  }

  /** A new stream of `ownerId`'s changes, taking signals from now on; open() it once its first page is read. */
  add(ownerId: string, expiresAtMs: number): ChangeStream {
    const stream = new ChangeStream({
      ownerId,
      read: this.read,
      heartbeatMs: this.settings.heartbeatSeconds * 1000,
      expiresAtMs,
      drainTimeoutMs: this.settings.drainTimeoutMs,
      telemetry: this.#telemetry,
      onClose: (ended) => this.#remove(ended),
    });
    const streams = this.#byOwner.get(ownerId) ?? new Set();
    streams.add(stream);
    this.#byOwner.set(ownerId, streams);
    return stream;
  }

  signal(signal: NoteChangeSignal): void {
    const streams = this.#byOwner.get(signal.ownerId);
    if (streams !== undefined) for (const stream of streams) stream.signal(signal);
  }

  /** Wakes every stream: it reads the feed after its cursor, whether or not it missed a change. */
  wakeAll(): void {
    for (const streams of this.#byOwner.values()) for (const stream of streams) stream.wake();
  }

  /** Ends every stream (shutdown: their clients reconnect to another replica) and waits until they have. */
  async closeAll(reason: CloseReason): Promise<void> {
    const all = [...this.#byOwner.values()].flatMap((streams) => [...streams]);
    for (const stream of all) stream.close(reason);
    await Promise.all(all.map((stream) => stream.ended));
  }

  #remove(stream: ChangeStream): void {
    const streams = this.#byOwner.get(stream.ownerId);
    if (streams?.delete(stream) && streams.size === 0) this.#byOwner.delete(stream.ownerId);
  }
}
