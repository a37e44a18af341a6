// Live updates: GET /v1/notes/changes/stream read with fetch, since EventSource cannot send the
// Authorization header the stream needs. The stream ends when the access token expires; it is
// opened again with the last event's id (Last-Event-ID), so no change is missed.
import type { NotesApiClient, Schemas } from '@notes/api-client';

export type NoteChange = Schemas['NoteChangePage']['changes'][number];

export interface LiveChangesOptions {
  onChange(change: NoteChange): void;
  /** The stream is (again) open, or broken and waiting to reconnect. */
  onStatus?(status: 'live' | 'reconnecting'): void;
  signal: AbortSignal;
}

const reconnectDelaysMs = [500, 1_000, 2_000, 5_000, 10_000];

export async function followChanges(api: NotesApiClient, options: LiveChangesOptions): Promise<void> {
  let lastEventId: string | undefined;
  let failures = 0;
  while (!options.signal.aborted) {
    try {
      const { response, data } = await api.GET('/v1/notes/changes/stream', {
        parseAs: 'stream',
        headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: options.signal,
      });
      if (response.status === 410) lastEventId = undefined; // too old: start again with every note
      if (response.ok && data) {
        failures = 0;
        options.onStatus?.('live');
        for await (const event of serverSentEvents(data)) {
          if (event.id) lastEventId = event.id;
          if (event.type === 'change') options.onChange(JSON.parse(event.data) as NoteChange);
        }
      } else {
        failures++;
      }
    } catch {
      if (options.signal.aborted) return;
      failures++;
    }
    options.onStatus?.('reconnecting');
    const delay = failures === 0 ? 0 : (reconnectDelaysMs[Math.min(failures, reconnectDelaysMs.length) - 1] ?? 10_000);
    await new Promise((done) => setTimeout(done, delay));
  }
}

interface ServerSentEvent {
  type: string;
  id: string | undefined;
  data: string;
}

/** The events of a text/event-stream body (WHATWG HTML, "Server-sent events": the fields used here). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event: ServerSentEvent = { type: 'message', id: undefined, data: '' };
  let hasData = false;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.search(/\r\n|\r|\n/);
    while (end >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      end = buffer.search(/\r\n|\r|\n/);
      if (line === '') {
        if (hasData) yield event;
        event = { type: 'message', id: event.id, data: '' };
        hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'id') event.id = value;
      else if (field === 'data') {
        event.data = hasData ? `${event.data}\n${value}` : value;
        hasData = true;
      }
    }
  }
}
