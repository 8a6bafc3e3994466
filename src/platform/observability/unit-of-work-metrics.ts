import { metrics } from './metrics.js';
import { trace } from '@opentelemetry/api';
import { inSpan, tracingEnabled } from './tracing.js';

/** A unit of work (TenantDb.transaction): its duration and outcome, and a span when tracing is on. */
export async function observeUnitOfWork<T>(fn: () => Promise<T>): Promise<T> {
  const end = metrics.unitOfWork.startTimer();
  try {
    const result = tracingEnabled() && trace.getActiveSpan()?.isRecording() ? await inSpan('db.unit_of_work', {}, fn) : await fn();
    end({ outcome: 'committed' });
    return result;
  } catch (error) {
    end({ outcome: 'rolled_back' });
    throw error;
  }
}
