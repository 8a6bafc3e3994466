import http from 'node:http';

/** A keep-alive HTTP client for benchmarks: one agent per target, JSON in and out. */
export function httpClient(port: number, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const sent: Record<string, string | number> = { ...headers };
    if (payload !== undefined) {
      sent['content-type'] = 'application/json';
      sent['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: url, method, agent, headers: sent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}
export type HttpClient = ReturnType<typeof httpClient>;
