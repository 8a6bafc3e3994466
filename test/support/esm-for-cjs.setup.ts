import * as common from '@nestjs/common';
import * as core from '@nestjs/core';

/**
 * Jest on Node < 24.9 cannot require() an ES module, and two of our dependencies are CommonJS that
 * require the ESM-only @nestjs/common and @nestjs/core: @nestjs/throttler and
 * @nest-lab/throttler-storage-redis (Node itself, 20.19+, loads them natively, so the application
 * needs nothing of this). test/support/require-esm-transform.cjs rewrites their require() of the two
 * Nest packages to read these very module instances, so the throttler shares one @nestjs/common
 * (decorators, Logger, metadata) with the code under test.
 */
(globalThis as { __tenantryEsmForCjs?: Record<string, unknown> }).__tenantryEsmForCjs = { '@nestjs/common': common, '@nestjs/core': core };
