// The HEALTHCHECK of the service images (services/Dockerfile): exits 0 when the service answers,
// 1 otherwise. No dependency beyond Node.js, so it runs in every image as it is.
//   node healthcheck.ts grpc http://127.0.0.1:50051   grpc.health.v1.Health/Check answers SERVING
//   node healthcheck.ts http http://127.0.0.1:8080/healthz   GET answers 200
// ${NAME} in the URL is replaced by that environment variable, so the exec form of HEALTHCHECK
// (no shell) can follow the port the container was configured with: "http://127.0.0.1:${AUTH_GRPC_PORT}".
// The gRPC check speaks the Connect protocol (unary JSON over HTTP/2), which the services' servers
// accept next to gRPC, as packages/local-infra's grpcServing does: over mutual TLS with the
// service's own identity (GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY: PEM files or texts), unless
// GRPC_PLAINTEXT=true.
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';

const timeoutMs = 2_000;

/** A PEM setting: the PEM text itself or the path of a file holding it. */
function pem(setting: string | undefined): string | undefined {
  if (setting === undefined || setting === '' || setting.startsWith('-----BEGIN')) return setting;
  return readFileSync(setting, 'utf8');
}

function grpcServing(baseUrl: string): Promise<boolean> {
  const plaintext = process.env.GRPC_PLAINTEXT === 'true';
  const url = new URL(baseUrl);
  url.protocol = plaintext ? 'http:' : 'https:';
  const tls = plaintext
    ? {}
    : {
        ca: pem(process.env.GRPC_TLS_CA),
        cert: pem(process.env.GRPC_TLS_CERT),
        key: pem(process.env.GRPC_TLS_KEY),
        // The container probes its own service at 127.0.0.1, a name its certificate need not
        // carry: the chain is checked against the CA, the host name is not.
        checkServerIdentity: () => undefined,
      };
  return new Promise((resolve) => {
    const session = http2.connect(url, tls);
    const fail = () => {
      session.destroy();
      resolve(false);
    };
    session.once('error', fail);
    session.setTimeout(timeoutMs, fail);
    const request = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/json',
    });
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.once('error', fail);
    request.once('end', () => {
      session.close();
      resolve(body.includes('"SERVING"'));
    });
    request.end('{}');
  });
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.status === 200;
}

const [kind, template] = process.argv.slice(2);
const target = template?.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => process.env[name] ?? '');
if ((kind !== 'grpc' && kind !== 'http') || target === undefined) {
  console.error('usage: node healthcheck.ts grpc|http <url>');
  process.exit(2);
}
const healthy = await (kind === 'grpc' ? grpcServing(target) : httpOk(target)).catch(() => false);
if (!healthy) console.error(`unhealthy: ${kind} ${target}`);
process.exit(healthy ? 0 : 1);
