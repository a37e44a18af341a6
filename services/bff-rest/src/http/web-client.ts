import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ProblemError } from './problem.ts';

/**
 * The page's policy: scripts, styles and connections from this origin only; no inline script or
 * style, no eval, no framing, no plugins. The built page needs nothing more (ADR 0015).
 */
export const webClientContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const mediaTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * The web client (services/bff-rest/web, built by `make build` into `assetsDir`): the page at `/`,
 * revalidated on every load (`no-cache`), and its content-hashed assets under `/assets/`, cached
 * for good (`immutable`: a new build gives them new names). The files are read once, at start-up;
 * without a build, `/` is a 404 problem that says so.
 */
export function webClientRoutes(assetsDir: string): FastifyPluginAsync {
  return async (app) => {
    const page = await readFile(join(assetsDir, 'index.html')).catch(() => undefined);
    const assets = await readAssets(join(assetsDir, 'assets'));
    const withPolicy = (reply: FastifyReply) =>
      reply
        .header('content-security-policy', webClientContentSecurityPolicy)
        .header('referrer-policy', 'no-referrer')
        .header('cross-origin-opener-policy', 'same-origin');

    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      if (page === undefined) throw new ProblemError(404, 'The web client is not built here (make build).');
      return withPolicy(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
    });
    app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
      const asset = assets.get(request.params.file);
      if (asset === undefined) throw new ProblemError(404, 'No such asset.');
      return withPolicy(reply)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .type(asset.type)
        .send(asset.body);
    });
  };
}

async function readAssets(dir: string): Promise<Map<string, StaticFile>> {
  const assets = new Map<string, StaticFile>();
  const names = await readdir(dir).catch(() => []);
  for (const name of names) {
    const type = mediaTypes[extname(name)];
    if (type !== undefined) assets.set(name, { body: await readFile(join(dir, name)), type });
  }
  return assets;
}
