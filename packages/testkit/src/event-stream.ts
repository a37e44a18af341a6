/** One Server-Sent Event as a client receives it (comments are counted apart). */
export interface ServerSentEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * An open event stream read as EventSource would: events one at a time, in order. next() waits for
 * the next event (rejecting after timeoutMs); close() aborts the connection.
 */
export interface EventStreamReader {
  status: number;
  headers: Headers;
  comments: number;
  next(timeoutMs?: number): Promise<ServerSentEvent>;
  /** Resolves when the server has ended the stream, with the events not yet taken by next(). */
  ended(timeoutMs?: number): Promise<ServerSentEvent[]>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: ServerSentEvent[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  let comments = 0;
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const parse = (block: string) => {
    const event: ServerSentEvent = { event: 'message', id: undefined, data: '' };
    let isComment = true;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      isComment = false;
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
      else if (field === 'data') event.data = event.data === '' ? value : `${event.data}\n${value}`;
    }
    if (isComment) comments++;
    else if (event.data !== '' || event.id !== undefined) events.push(event);
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body ?? []) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
        wake();
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      wake();
    }
  })();
  const waitFor = async (ready: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return {
    status: response.status,
    headers: response.headers,
    get comments() {
      return comments;
    },
    async next(timeoutMs = 10_000) {
      await waitFor(() => events.length > 0 || done, timeoutMs, 'event');
      const event = events.shift();
      if (event === undefined) throw new Error('the stream ended');
      return event;
    },
    async ended(timeoutMs = 10_000) {
      await waitFor(() => done, timeoutMs, 'end of the stream');
      return events.splice(0);
    },
    close: () => abort.abort(),
  };
}
