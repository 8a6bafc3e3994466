import { RequestMethod } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { z } from 'zod';
import { SIGN_IN_RATE_LIMITED, WIDGET_RATE_LIMITED } from '../rate-limit/decorators.js';
import { routeAccess, type RouteAccess } from '../security/decorators.js';
import { API_PROBLEMS, API_RETURNS, type DocumentedErrorBody, type FilterWithErrorBody, type ReturnsSpec } from './api-contract.js';
import { apiSchemas, nameOf, problemSchema } from './api-schemas.js';
import { statusText } from './problem.js';
import { HttpErrorCode, statusOfErrorCode } from './app-error.js';
import { AccessErrorCode } from '../security/access.errors.js';
import type { ZodDtoClass } from './validation.js';

export const OPENAPI_VERSION = '3.1.0';
const PROBLEM_JSON = 'application/problem+json';

/** Errors of the transport rather than of a module (problem.filter.ts maps them). */
const TRANSPORT_ERRORS: Record<string, number> = {
  malformed_body: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  // Faults of the process rather than the request (docs/adr/0012-surviving-faults.md).
  database_unavailable: 503,
  database_timeout: 503,
  shutting_down: 503,
};

/**
 * The API's OpenAPI 3.1 document, built from the controllers' decorators (see completeOperations).
 * `strict` (npm run openapi:write) refuses an operation without a summary or a success response;
 * the served document tolerates them (end-to-end tests add undocumented test-only controllers).
 */
export function buildOpenApiDocument(app: NestFastifyApplication, { strict = false } = {}): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion(OPENAPI_VERSION)
      .setTitle('Tenantry API')
      .setDescription(
        'Multi-tenant SaaS platform. Errors are application/problem+json (RFC 9457) with a stable `code`, except on the ' +
          "seed demo's widget routes (POST /session, POST /chat), which answer `{\"detail\": ...}` as application/json.",
      )
      .setVersion('1')
      .setLicense('MIT', 'https://opensource.org/license/mit')
      .addServer('/', 'This server')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (POST /api/v1/auth/login), or an API key as `Bearer tnry_...`' }, 'bearer')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (`tnry_...`, POST /api/v1/api-keys), acting in its tenant with exactly its scopes' }, 'apiKey')
      .build(),
  );
  completeOperations(app, document, strict);
  return document;
}

/** OpenAPI document at /api/openapi.json, Swagger UI at /api/docs. */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
  });
}

interface Route {
  controller: new (...args: never[]) => unknown;
  method: string;
  handler: object;
}

/**
 * Completes every operation from the decorators the application itself runs on, so that the
 * document cannot say something else than the code does:
 * - security from the guard's decorators (@Public, @PlatformAdminOnly, @RequireUserSession);
 * - request bodies and query/path parameters from the DTOs' zod schemas (what the pipe validates);
 * - the success response from @ApiReturns, its schema from the api-schemas registry;
 * - the error responses: the codes the route declares (@ApiProblems) plus those its guard, pipe and
 *   rate limiters answer, grouped by status, as problem+json or the body of the route's filter.
 * Throws when a route lacks a summary or a success response, so `openapi:write` fails, not a client.
 */
function completeOperations(app: NestFastifyApplication, document: OpenAPIObject, strict: boolean): void {
  const schemas = (document.components!.schemas ??= {});
  Object.assign(schemas, registeredSchemas());
  const operations = new Map<string, OperationObject>();
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as OperationObject[]) if (op.operationId) operations.set(op.operationId, op);
  }
  const missing: string[] = [];
  for (const route of routesOf(app)) {
    const operationId = `${route.controller.name}_${route.method}`;
    const op = operations.get(operationId);
    if (!op) continue; // @ApiExcludeEndpoint (Stripe's webhook)
    const read = <T>(key: string): T | undefined =>
      (Reflect.getMetadata(key, route.handler) as T | undefined) ?? (Reflect.getMetadata(key, route.controller) as T | undefined);
    const access = routeAccess(read);
    const inputs = documentInputs(route, op, schemas);
    const returns = (Reflect.getMetadata(API_RETURNS, route.handler) as ReturnsSpec[] | undefined) ?? [];
    if (!op.summary) missing.push(`${operationId}: no @ApiOperation summary`);
    if (returns.length === 0) missing.push(`${operationId}: no @ApiReturns`);

    op.security = securityOf(access);
    op.responses = {};
    const defaultStatus = (Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined) ?? (isPost(route) ? 201 : 200);
    for (const spec of returns) op.responses[String(spec.status ?? defaultStatus)] = successResponse({ ...spec, status: spec.status ?? defaultStatus }, operationId);

    const codes = [
      ...((Reflect.getMetadata(API_PROBLEMS, route.controller) as string[] | undefined) ?? []),
      ...((Reflect.getMetadata(API_PROBLEMS, route.handler) as string[] | undefined) ?? []),
      ...derivedCodes(access, inputs, read),
    ];
    const errorBody = errorBodyOf(route);
    for (const [status, group] of groupByStatus(codes, operationId, errorBody)) op.responses[String(status)] = errorResponse(status, group, errorBody);
  }
  if (strict && missing.length > 0) throw new Error(`OpenAPI: incomplete operations:\n${missing.join('\n')}`);
}

function routesOf(app: NestFastifyApplication): Route[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const routes: Route[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as Route['controller'] | null;
    if (!controller) continue;
    for (const method of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[method];
      if (typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler)) routes.push({ controller, method, handler });
    }
  }
  return routes;
}

function isPost(route: Route): boolean {
  return Reflect.getMetadata(METHOD_METADATA, route.handler) === RequestMethod.POST;
}

/** The response schemas (api-schemas.ts) as components, JSON Schema 2020-12 as OpenAPI 3.1 takes it. */
function registeredSchemas(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(apiSchemas, { io: 'output', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema)]));
}

function bare(schema: object): SchemaObject {
  const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
  return rest;
}

interface Inputs {
  body: boolean;
  validated: boolean;
  /** A cursor-paginated list (pagination.ts): a cursor it cannot read is 400 invalid_cursor. */
  paginated: boolean;
}

/** Request body and query/path parameters from the zod schemas of the handler's DTO classes. */
function documentInputs(route: Route, op: OperationObject, schemas: Record<string, SchemaObject | ReferenceObject>): Inputs {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.method) as Record<string, { index: number; data?: unknown }> | undefined) ?? {};
  const types = (Reflect.getMetadata('design:paramtypes', route.controller.prototype as object, route.method) as unknown[] | undefined) ?? [];
  const inputs: Inputs = { body: false, validated: false, paginated: false };
  for (const [key, arg] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]);
    const dto = types[arg.index] as Partial<ZodDtoClass> | undefined;
    if (kind === RouteParamtypes.BODY) inputs.body = true;
    if (!dto?.schema || arg.data !== undefined) continue;
    inputs.validated = true;
    const json = bare(z.toJSONSchema(dto.schema, { io: 'input', unrepresentable: 'any' })) as SchemaObject & {
      properties?: Record<string, SchemaObject>;
      required?: string[];
    };
    if (kind === RouteParamtypes.BODY) {
      const name = (dto as { name: string }).name;
      schemas[name] = json;
      op.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    } else if (kind === RouteParamtypes.QUERY || kind === RouteParamtypes.PARAM) {
      const where = kind === RouteParamtypes.QUERY ? 'query' : 'path';
      if (where === 'query' && json.properties?.cursor) inputs.paginated = true;
      const others = ((op.parameters ?? []) as ParameterObject[]).filter((p) => p.in !== where);
      const mine: ParameterObject[] = Object.entries(json.properties ?? {}).map(([name, schema]) => {
        const { description, ...rest } = schema as SchemaObject & { description?: string };
        return { name, in: where, required: where === 'path' || (json.required?.includes(name) ?? false), ...(description ? { description } : {}), schema: rest };
      });
      op.parameters = [...others, ...mine];
    }
  }
  return inputs;
}

function securityOf(access: RouteAccess): Array<Record<string, string[]>> {
  if (access.isPublic) return [];
  // API keys act in their tenant as no user: not platform administrators, and no user session.
  if (access.platformAdminOnly || access.userSessionOnly) return [{ bearer: [] }];
  return [{ bearer: [] }, { apiKey: [] }];
}

/** The codes the guard, the validation pipe, Fastify and the rate limiters answer on this route. */
function derivedCodes(access: RouteAccess, inputs: Inputs, read: <T>(key: string) => T | undefined): string[] {
  // Any route may meet the database away or slow, or an instance draining on SIGTERM.
  const codes = ['internal_error', 'database_unavailable', 'database_timeout', 'shutting_down'];
  // The input boundary (input-boundary.ts) reads every path, query string and body before the route.
  codes.push(HttpErrorCode.InvalidText);
  if (inputs.validated) codes.push(HttpErrorCode.ValidationFailed);
  if (inputs.paginated) codes.push(HttpErrorCode.InvalidCursor);
  if (inputs.body) codes.push('malformed_body', 'payload_too_large', 'unsupported_media_type', HttpErrorCode.BodyTooDeep);
  if (read<boolean>(SIGN_IN_RATE_LIMITED) || read<boolean>(WIDGET_RATE_LIMITED)) codes.push('rate_limited');
  if (access.isPublic) return codes;
  // A platform session's token is refused on any route once its user is no longer a platform admin.
  codes.push(AccessErrorCode.Unauthenticated, 'rate_limited', AccessErrorCode.PlatformAdminRequired);
  if (access.platformAdminOnly) return codes;
  codes.push(AccessErrorCode.TenantDeleted);
  if (!access.allowSuspendedTenant) codes.push(AccessErrorCode.TenantSuspended);
  if (!access.allowPlatformSession) codes.push(AccessErrorCode.TenantRequired);
  if (access.userSessionOnly) codes.push(AccessErrorCode.SessionRequired);
  if (access.permission) codes.push(AccessErrorCode.Forbidden);
  return codes;
}

function errorBodyOf(route: Route): DocumentedErrorBody | undefined {
  const filters = [
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, route.controller) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, route.handler) as unknown[] | undefined) ?? []),
  ];
  return filters.map((f) => (f as Partial<FilterWithErrorBody>).errorBody).find((body) => body !== undefined);
}

/** Fastify answers these while reading the body, before the route and its filters: always problem+json. */
const BEFORE_ROUTE = new Set(['malformed_body', 'payload_too_large', 'unsupported_media_type', 'body_too_deep']);

interface StatusGroup {
  /** Codes answered as problem+json. */
  problem: Set<string>;
  /** Codes answered in the body of the route's own filter (the widget's). */
  own: Set<string>;
}

function groupByStatus(codes: string[], operationId: string, errorBody: DocumentedErrorBody | undefined): Array<[number, StatusGroup]> {
  const groups = new Map<number, StatusGroup>();
  for (const code of codes) {
    const status = statusOfErrorCode(code) ?? TRANSPORT_ERRORS[code];
    if (status === undefined) throw new Error(`OpenAPI: ${operationId} declares the unknown error code ${code}`);
    const own = errorBody !== undefined && !BEFORE_ROUTE.has(code);
    const answered = own ? errorBody.statusOf(status, code) : status;
    const group = groups.get(answered) ?? { problem: new Set<string>(), own: new Set<string>() };
    (own ? group.own : group.problem).add(code);
    groups.set(answered, group);
  }
  return [...groups].sort(([a], [b]) => a - b);
}

function successResponse(spec: ReturnsSpec, operationId: string): ResponseObject {
  const status = spec.status ?? 200;
  const description = spec.description ?? statusText(status) ?? 'Success';
  if (spec.schema === null) return { description };
  const name = nameOf(spec.schema);
  if (!name) throw new Error(`OpenAPI: ${operationId} returns a schema that is not registered with named()`);
  const ref = { $ref: `#/components/schemas/${name}` };
  const types = spec.contentTypes ?? ['application/json'];
  return { description, content: Object.fromEntries(types.map((type) => [type, { schema: type === 'application/json' ? ref : { type: 'string' } }])) };
}

function errorResponse(status: number, group: StatusGroup, errorBody: DocumentedErrorBody | undefined): ResponseObject {
  const codes = [...group.problem, ...group.own].sort();
  const description = `${statusText(status) ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}`;
  const content: Record<string, { schema: SchemaObject | ReferenceObject }> = {};
  if (errorBody && group.own.size > 0) content[errorBody.contentType] = { schema: { $ref: `#/components/schemas/${nameOf(errorBody.schema)!}` } };
  if (group.problem.size > 0) {
    const enumerated = { type: 'object', required: ['code'], properties: { code: { type: 'string', enum: [...group.problem].sort() } } } as SchemaObject;
    content[PROBLEM_JSON] = { schema: { allOf: [{ $ref: `#/components/schemas/${nameOf(problemSchema)!}` }, enumerated] } };
  }
  return { description, content };
}
