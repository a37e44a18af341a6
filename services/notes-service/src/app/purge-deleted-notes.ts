import type { Clock } from './ports.ts';

/** Removes deleted notes for good, and with them their deletion markers in the change feed. */
export interface DeletedNotesPurge {
  /** Removes up to chunkSize notes deleted before cutoff (oldest first) in one transaction; returns how many. */
  purgeDeletedBefore(cutoff: Date, chunkSize: number): Promise<number>;
}

/** One run of the purge: every note deleted longer ago than the retention; returns how many went. */
export type PurgeDeletedNotes = () => Promise<number>;

export interface PurgeDeletedNotesDependencies {
  notes: DeletedNotesPurge;
  clock: Clock;
  /** How long a deletion marker stays in the change feed (at least 30 days, the contract's floor). */
  retentionMs: number;
  chunkSize: number;
}

/**
 * A purge in chunks, each its own short transaction, so no statement holds many locks. Replicas may
 * purge at once: each chunk skips the rows another one has locked.
 */
export function createPurgeDeletedNotes(deps: PurgeDeletedNotesDependencies): PurgeDeletedNotes {
  return async () => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.retentionMs);
    let purged = 0;
    for (;;) {
      const count = await deps.notes.purgeDeletedBefore(cutoff, deps.chunkSize);
      purged += count;
      if (count < deps.chunkSize) return purged;
    }
  };
}
