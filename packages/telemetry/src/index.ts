export {
  contextFromTraceHeaders,
  fetchHeadersGetter,
  fetchHeadersSetter,
  linksTo,
  type TraceHeaders,
  traceHeadersOf,
  tracingEnabled,
} from './propagation.ts';
export { inChildSpan, inSpan, recordFailure } from './spans.ts';
