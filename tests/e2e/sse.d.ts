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
export declare function openEventStream(url: string, headers: Record<string, string>): Promise<EventStreamReader>;
