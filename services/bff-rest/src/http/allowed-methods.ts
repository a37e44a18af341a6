import type { FastifyInstance, RouteOptions } from 'fastify';
import FindMyWay from 'find-my-way';

/**
 * The config of a route that only refuses its method: its path is served by other methods, and
 * would otherwise fall to a route with a parameter (/v1/notes/changes beside /v1/notes/{id}). Its
 * handler calls the not-found handler, which answers 405 without counting this route's method.
 */
export const refusedMethod = { refusedMethod: true } as const;

/** The request methods a path is served for; empty for a path no route serves. */
export type AllowedMethods = (path: string) => string[];

/**
 * Which methods each registered path serves, collected from the routes as they are registered
 * (an onRoute hook), so that a route added later is covered without a list to keep. The paths are
 * matched by Fastify's own router (find-my-way, with the app's settings of it), so `/v1/notes/{id}`
 * matches exactly the URLs Fastify would route there. Only asked for requests no route answered.
 */
export function collectAllowedMethods(settings: FastifyInstance['initialConfig']): {
  onRoute(route: RouteOptions): void;
  allowedMethods: AllowedMethods;
} {
  const { caseSensitive, ignoreTrailingSlash, ignoreDuplicateSlashes, maxParamLength, useSemicolonDelimiter } =
    settings;
  const router = FindMyWay({
    ...(caseSensitive === undefined ? {} : { caseSensitive }),
    ...(ignoreTrailingSlash === undefined ? {} : { ignoreTrailingSlash }),
    ...(ignoreDuplicateSlashes === undefined ? {} : { ignoreDuplicateSlashes }),
    ...(maxParamLength === undefined ? {} : { maxParamLength }),
    ...(useSemicolonDelimiter === undefined ? {} : { useSemicolonDelimiter }),
  });
  const methods = new Set<FindMyWay.HTTPMethod>();
  return {
    onRoute(route) {
      // Fastify routes with find-my-way: the methods of its routes are find-my-way's.
      const refused = (route.config as Partial<typeof refusedMethod> | undefined)?.refusedMethod === true;
      for (const method of [route.method].flat() as FindMyWay.HTTPMethod[]) {
        router.on(method, route.url, () => {}, { refused });
        methods.add(method);
      }
    },
    allowedMethods(path) {
      return [...methods]
        .filter((method) => {
          const found = router.find(method, path);
          return found !== null && (found.store as { refused: boolean }).refused === false;
        })
        .sort();
    },
  };
}
