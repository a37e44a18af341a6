import {
  type Context,
  context,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/**
 * Runs work in a new span, active inside it (a child of parent, the active context by default),
 * and ends the span when work settles; a failure is recorded on it and thrown on.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Like inSpan, but only inside a span that records: work that is only worth tracing as part of
 * something (an SQL statement, a transaction) makes no trace of its own. Without tracing, it costs
 * one context lookup.
 */
export function inChildSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (trace.getActiveSpan()?.isRecording() !== true) return work(undefined);
  return inSpan(tracer, name, options, work);
}

/** Marks the span failed, with the error's type and message (never its cause's details). */
export function recordFailure(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
}
