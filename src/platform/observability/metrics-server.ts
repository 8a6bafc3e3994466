import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, renderMetrics } from './metrics.js';

/**
 * The Prometheus endpoint on its own port (METRICS_PORT), never on the public one: a small
 * node:http server answering GET /metrics and nothing else. Bind it to an internal interface
 * (METRICS_HOST) or keep the port closed to the outside.
 */
export class MetricsServer {
  private server?: Server;

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      renderMetrics().then(
        (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
