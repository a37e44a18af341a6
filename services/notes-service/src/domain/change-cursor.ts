import { InvalidChangeLimit, InvalidCursor } from './errors.ts';

export const defaultChangeLimit = 100;
export const maxChangeLimit = 500;

/** The changes per page for a requested limit: 0 (not given) means the default, else 1 to 500. */
export function resolveChangeLimit(requested: number): number {
  if (requested === 0) return defaultChangeLimit;
  if (!Number.isInteger(requested) || requested < 1 || requested > maxChangeLimit)
    throw new InvalidChangeLimit(requested);
  return requested;
}

/**
 * A PostgreSQL snapshot (pg_snapshot): the transactions whose writes it sees are those below xmin,
 * and those from xmin up to xmax that are not in progress. Transaction ids are 64-bit (xid8).
 */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  /** In progress when the snapshot was taken: ascending, each in [xmin, xmax). */
  inProgress: readonly bigint[];
}

/** Where a change stands in the feed's order: the transaction that made it, then the note id. */
export interface ChangePosition {
  xid: bigint;
  noteId: string;
}

/**
 * What a client holds of the feed. `since`: the snapshot whose every change it has applied
 * (undefined: none yet, a full sync). `pass`: within a pass of several pages, the snapshot that
 * bounds the pass and the position of the last change sent.
 */
export interface ChangeCursor {
  since: Snapshot | undefined;
  pass?: { until: Snapshot; after: ChangePosition } | undefined;
}

/** The cursor of a client that has nothing yet: everything live is a change to it. */
export const fullSync: ChangeCursor = { since: undefined };

// Snapshots are written as PostgreSQL does ("xmin:xmax:xip,xip"), but with xmax and each xip as
// offsets from xmin, which keeps cursors short. A full sync's missing `since` is "*".
const partSeparator = '|';
const noSnapshot = '*';
const decimal = /^(0|[1-9]\d{0,18})$/;
// Below 2^63: every id fits PostgreSQL's xid8 (and its snapshots' parser) and a signed 64-bit int.
const maxXid = 2n ** 63n - 1n;
// PostgreSQL's snapshots hold at most max_connections-ish ids in progress; a cursor with more is not ours.
const maxInProgress = 10_000;
const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function snapshotText({ xmin, xmax, inProgress }: Snapshot): string {
  return `${xmin}:${xmax - xmin}:${inProgress.map((xid) => xid - xmin).join(',')}`;
}

/**
 * The opaque cursor: base64url of "<since>" for a finished pass, else
 * "<since>|<until>|<xid>|<note id>" (since "*" during a full sync).
 */
export function encodeChangeCursor(cursor: ChangeCursor): string {
  const since = cursor.since === undefined ? noSnapshot : snapshotText(cursor.since);
  const { pass } = cursor;
  const text =
    pass === undefined
      ? since
      : [since, snapshotText(pass.until), pass.after.xid, pass.after.noteId].join(partSeparator);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The cursor's meaning; InvalidCursor for anything encodeChangeCursor did not produce. */
export function decodeChangeCursor(cursor: string): ChangeCursor {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split(partSeparator);
  const decoded = parts.length === 1 ? finishedPass(parts) : parts.length === 4 ? passUnderWay(parts) : undefined;
  // Node's base64url decoder skips characters it does not know: only a cursor that encodes back to
  // itself is one this service issued.
  if (decoded === undefined || encodeChangeCursor(decoded) !== cursor) throw new InvalidCursor();
  return decoded;
}

function finishedPass([since = '']: string[]): ChangeCursor | undefined {
  const snapshot = parseSnapshot(since);
  return snapshot === undefined ? undefined : { since: snapshot };
}

function passUnderWay([since = '', until = '', xid = '', noteId = '']: string[]): ChangeCursor | undefined {
  const sinceSnapshot = since === noSnapshot ? undefined : parseSnapshot(since);
  const untilSnapshot = parseSnapshot(until);
  const afterXid = parseXid(xid);
  if (since !== noSnapshot && sinceSnapshot === undefined) return undefined;
  if (untilSnapshot === undefined || afterXid === undefined || !canonicalUuid.test(noteId)) return undefined;
  return { since: sinceSnapshot, pass: { until: untilSnapshot, after: { xid: afterXid, noteId } } };
}

function parseXid(text: string): bigint | undefined {
  if (!decimal.test(text)) return undefined;
  const xid = BigInt(text);
  return xid <= maxXid ? xid : undefined;
}

function parseSnapshot(text: string): Snapshot | undefined {
  const [xminText = '', spanText = '', inProgressText, ...rest] = text.split(':');
  if (inProgressText === undefined || rest.length > 0) return undefined;
  const xmin = parseXid(xminText);
  const span = parseXid(spanText);
  if (xmin === undefined || xmin === 0n || span === undefined || xmin + span > maxXid) return undefined;
  const offsets = inProgressText === '' ? [] : inProgressText.split(',');
  if (offsets.length > maxInProgress) return undefined;
  const inProgress: bigint[] = [];
  for (const offsetText of offsets) {
    const offset = parseXid(offsetText);
    const previous = inProgress.at(-1);
    // Ascending, without repeats, inside [xmin, xmax): what PostgreSQL's pg_snapshot accepts.
    if (offset === undefined || offset >= span || (previous !== undefined && xmin + offset <= previous))
      return undefined;
    inProgress.push(xmin + offset);
  }
  return { xmin, xmax: xmin + span, inProgress };
}
