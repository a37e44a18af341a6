// The ceiling for the HTTP layer: a bare Fastify hello-world, run as its own process like the BFF.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.post('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
