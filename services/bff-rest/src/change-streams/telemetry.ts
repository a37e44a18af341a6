import { inSpan } from '@notes/telemetry';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CloseReason, NoteChangeSignal } from './change-feed.ts';

/** What the change streams of this replica report: streams open, changes sent, and how fast. */
export interface ChangeStreamTelemetry {
  opened(): void;
  closed(reason: CloseReason): void;
  refused(): void;
  changeSent(): void;
  /** Runs a read-and-send answering `signals` in a span linked to their writes' traces, and times each signal. */
  deliver(signals: readonly NoteChangeSignal[], work: () => Promise<void>): Promise<void>;
}

const tracer = trace.getTracer('@notes/bff-rest');

/** A span links to at most this many writes (one read may answer a burst of them). */
const maxLinks = 32;

export function createChangeStreamTelemetry(registry: Registry, now: () => number = Date.now): ChangeStreamTelemetry {
  const open = new Gauge({
    name: 'change_streams_open',
    help: 'Change streams open on this replica.',
    registers: [registry],
  });
  const closed = new Counter({
    name: 'change_streams_closed_total',
    help: 'Change streams ended, by reason (token-expired, slow-client, shutting-down, upstream-unavailable, client-gone).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'change_streams_refused_total',
    help: 'Change streams refused (429) because the user had as many open as allowed.',
    registers: [registry],
  });
  const sent = new Counter({
    name: 'change_stream_changes_sent_total',
    help: 'Changes sent on change streams (events fanned out).',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'change_stream_delivery_seconds',
    help: 'From a note write committed (its event) to the stream that was waiting for it having sent it.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    opened: () => open.inc(),
    closed(reason) {
      open.dec();
      closed.inc({ reason });
    },
    refused: () => refused.inc(),
    changeSent: () => sent.inc(),
    async deliver(signals, work) {
      if (signals.length === 0) return work();
      const links = signals
        .flatMap((signal) => (signal.trace === undefined ? [] : [{ context: signal.trace }]))
        .slice(0, maxLinks);
      // A root of its own: the stream outlives any one request, and one read answers many writes.
      await inSpan(tracer, 'change-stream deliver', { kind: SpanKind.PRODUCER, links }, work, ROOT_CONTEXT);
      const at = now();
      for (const signal of signals) latency.observe(Math.max(0, at - signal.occurredAt.getTime()) / 1000);
    },
  };
}
