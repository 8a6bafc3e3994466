import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { Observable } from 'rxjs';
import { contextAttributes, tracingEnabled } from './tracing.js';

/**
 * With tracing on, names the request's SERVER span after its route template (`POST
 * /api/v1/conversations/:id/messages`, OpenTelemetry's HTTP convention) and records the
 * controller handler and the tenant (the auth guard has run by then). No span of its own: a
 * handler span nearly coincided with the server span and was one span in ten per request
 * (docs/adr/0019-observability.md); everything the handler awaits nests under the server span.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!tracingEnabled() || context.getType() !== 'http') return next.handle();
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return next.handle();
    const request = context.switchToHttp().getRequest<{ method: string; routeOptions?: { url?: string } }>();
    const route = request.routeOptions?.url;
    if (route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttributes({ ...contextAttributes(), 'code.function.name': `${context.getClass().name}.${context.getHandler().name}` });
    return next.handle();
  }
}
