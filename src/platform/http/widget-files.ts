import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.js';
import { webDistDir } from './web-app.js';

/**
 * The embeddable widget's files, from the built web app (docs/adr/0021-embeddable-widget.md):
 *
 * - `GET /widget.js`: the script tenants paste into their sites. Loadable from any page: CORP
 *   cross-origin (helmet's same-origin stays on everything else), `Access-Control-Allow-Origin: *`
 *   (for `crossorigin` + Subresource Integrity), no cookies. Cached 5 minutes, then revalidated by
 *   its ETag (a hash of the content, the same on every instance) or Last-Modified; gzip when asked.
 * - `GET /demo/widget` (and the files beside it under /demo/) outside production only: the demo
 *   page embedding the widget for the seed's tenants. It gets the app's own CSP (scripts, styles
 *   and connections from this origin only), which is what the widget needs on the app's pages too.
 *
 * Both are read from disk when they change (size and mtime), so a rebuild needs no restart; a
 * missing file is the API's 404.
 */
export const WIDGET_SCRIPT_CACHE = 'public, max-age=300';
const DEMO_FILE = /^[\w-]+(\.[\w-]+)*$/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

interface LoadedFile {
  size: number;
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  lastModified: string;
}

/** Files read once per version (size + mtime), so that each request costs one stat. */
class FileCache {
  private readonly files = new Map<string, LoadedFile>();

  async load(path: string): Promise<LoadedFile | undefined> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      this.files.delete(path);
      return undefined;
    }
    const known = this.files.get(path);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known;
    const body = await readFile(path);
    const loaded = {
      size: info.size,
      mtimeMs: info.mtimeMs,
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
    };
    this.files.set(path, loaded);
    return loaded;
  }
}

export function serveWidgetFiles(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const root = webDistDir(config);
  const cache = new FileCache();

  fastify.get('/widget.js', async (request, reply) => {
    const file = await cache.load(join(root, 'widget.js'));
    if (!file) return reply.callNotFound();
    void reply.headers({
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
      'cache-control': WIDGET_SCRIPT_CACHE,
    });
    return send(request, reply, file, TYPES['.js']!);
  });

  if (config.isProduction) return;
  const demo = join(root, 'demo');
  const demoFile = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const extension = name.slice(name.lastIndexOf('.'));
    const type = TYPES[extension];
    const file = DEMO_FILE.test(name) && type ? await cache.load(join(demo, name)) : undefined;
    if (!file || !type) return reply.callNotFound();
    void reply.header('cache-control', 'no-cache');
    return send(request, reply, file, type);
  };
  fastify.get('/demo/widget', (request, reply) => demoFile(request, reply, 'widget.html'));
  fastify.get<{ Params: { file: string } }>('/demo/:file', (request, reply) => demoFile(request, reply, request.params.file));
}

/** 304 when the browser's copy is current; else the body, gzipped when the browser accepts it. */
function send(request: FastifyRequest, reply: FastifyReply, file: LoadedFile, type: string): FastifyReply {
  void reply.headers({ etag: file.etag, 'last-modified': file.lastModified, vary: 'Accept-Encoding' });
  if (isFresh(request, file)) return reply.code(304).send();
  void reply.type(type);
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

function isFresh(request: FastifyRequest, file: LoadedFile): boolean {
  const noneMatch = request.headers['if-none-match'];
  if (noneMatch !== undefined) return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag || tag.trim() === '*');
  const since = request.headers['if-modified-since'];
  return since !== undefined && Date.parse(since) >= Date.parse(file.lastModified);
}
