import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.js';

/** Paths the web app never answers: the API, probes, the widget's API and script, the seed demo. */
const NOT_THE_APP = /^\/(api|health|session|chat|widget\.js|demo)(\/|$|\?)/;

/** Vite puts content-hashed files under assets/: they never change, so they may be cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tenantry</title></head>
<body><h1>Tenantry</h1><p>The web app is not built (see the README: <code>bash scripts/start.sh</code> builds it),
or read the API documentation at <a href="/api/docs">/api/docs</a>.</p></body></html>
`;

/** Where the built web app lives: WEB_DIST_DIR, else <repository>/web/dist. */
export function webDistDir(config: AppConfig): string {
  return resolve(config.env.WEB_DIST_DIR ?? join(process.cwd(), 'web', 'dist'));
}

/**
 * Serves the built web app from the API's origin: its files (hashed assets cached for a year,
 * everything else revalidated), and index.html for any other GET that asks for HTML outside the
 * API's paths (client-side routes such as /members or /accept-invitation). Without a build, `/`
 * says so instead of failing start-up.
 */
export async function serveWebApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const root = webDistDir(config);
  const built = existsSync(join(root, 'index.html'));
  if (!built) {
    fastify.get('/', (_request, reply) => reply.header('cache-control', REVALIDATE).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    // Served by widget-files.ts, with their own headers (and the demo outside production only).
    globIgnore: ['widget.js', 'demo/**'],
    cacheControl: false,
    setHeaders: (reply, path) => void reply.header('cache-control', path.startsWith(join(root, 'assets')) ? IMMUTABLE : REVALIDATE),
  });
  const fallback = (request: FastifyRequest, reply: FastifyReply) => {
    if (NOT_THE_APP.test(request.url) || !wantsHtml(request)) return reply.callNotFound();
    return reply.header('cache-control', REVALIDATE).sendFile('index.html');
  };
  fastify.get('/*', fallback);
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'text/html');
}
