import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Logger } from '@notes/logger';

/** Turns a service's own (domain) error into a ConnectError; undefined for errors it does not know. */
export type ErrorMapper = (error: unknown) => ConnectError | undefined;

/**
 * The one place where a service's errors become gRPC statuses. Anything unexpected is logged
 * with its stack and answered INTERNAL with no detail, so no SQL or host name leaves the service.
 */
export function errorInterceptor(mapError: ErrorMapper, logger: Logger): Interceptor {
  return (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      const mapped = mapError(error);
      if (mapped !== undefined) throw mapped;
      logger.error({ err: error, procedure: request.method.name }, 'unexpected error in rpc');
      throw new ConnectError('internal error', Code.Internal);
    }
  };
}

/**
 * mapError, then UNAVAILABLE (retry later: a 503 at the edge, not a 500) for what isUnavailable
 * recognises: a dependency that cannot serve now, such as a database that does not answer. Each
 * is logged at debug only: the outage itself is told once, by the service's dependency watch
 * (startDependencyWatch of @notes/operations), not once per call it fails.
 */
export function unavailableWhen(
  isUnavailable: (error: unknown) => boolean,
  mapError: ErrorMapper,
  logger: Logger,
): ErrorMapper {
  return (error) => {
    const mapped = mapError(error);
    if (mapped !== undefined || !isUnavailable(error)) return mapped;
    logger.debug({ err: error }, 'a dependency is unavailable; answered UNAVAILABLE');
    return new ConnectError('unavailable', Code.Unavailable);
  };
}
