import { jest } from '@jest/globals';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as contentDisposition from 'content-disposition';
import * as cookie from 'cookie';

/**
 * Jest on Node < 24.9 cannot require() an ES module; Node itself (20.19+) can, so the application
 * needs nothing of this. Some CommonJS dependencies require ESM-only packages:
 * - @nestjs/throttler requires @nestjs/common and @nestjs/core;
 * - @fastify/static (Swagger UI) requires content-disposition 3, light-my-request (`inject`) cookie 2.
 * Their require() is handed the very module instances the code under test imports (not mocks: the
 * real modules), so the throttler shares one @nestjs/common (decorators, Logger, metadata) with it.
 * Runs before every test file (jest.config.js setupFiles), ahead of the files' static imports.
 */
const ESM_ONLY: Record<string, object> = { '@nestjs/common': common, '@nestjs/core': core, 'content-disposition': contentDisposition, cookie };
for (const [name, instance] of Object.entries(ESM_ONLY)) jest.mock(name, () => instance);
