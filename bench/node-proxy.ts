/**
 * The barest Node.js hop the query benchmark compares the gateway with: Fastify (the gateway's
 * HTTP framework) taking each request and undici (its client) forwarding it, over a keep-alive pool,
 * to UPSTREAM with the caller's headers, the answer sent back whole. No authentication, metering or
 * validation: what is left of the gateway's cost when its own work is taken away. Run by
 * query-throughput.bench.ts as `node --import tsx bench/node-proxy.ts` with PORT and UPSTREAM set.
 */
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM!, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false });

app.get('/*', async (request, reply) => {
  const { host: _host, connection: _connection, ...headers } = request.headers as Record<string, string>;
  const res = await upstream.request({ method: 'GET', path: request.url, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return reply.status(res.statusCode).header('content-type', res.headers['content-type']).send(body);
});

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => console.log('up'));
