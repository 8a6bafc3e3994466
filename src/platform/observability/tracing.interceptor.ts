import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { context as otelContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { contextAttributes, tracer, tracingEnabled } from './tracing.js';

/**
 * With tracing on, a span per controller handler (`ConversationsController.send`), child of the
 * request's span, with the tenant and request id (the auth guard has run by then); everything the
 * handler awaits (units of work, SQL, Redis, the provider) nests under it. Off: a pass-through.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Only inside a request's trace (the tracing middleware's span): tracing off costs one check.
    if (!tracingEnabled() || context.getType() !== 'http' || !trace.getActiveSpan()?.isRecording()) return next.handle();
    const name = `${context.getClass().name}.${context.getHandler().name}`;
    return new Observable((subscriber) => {
      const span = tracer().startSpan(name, { attributes: contextAttributes() });
      const subscription = otelContext.with(trace.setSpan(otelContext.active(), span), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: Error) => {
            span.recordException(error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      );
      return () => subscription.unsubscribe();
    });
  }
}
