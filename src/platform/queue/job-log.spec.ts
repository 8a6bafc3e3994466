import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { Job, Worker } from 'bullmq';
import { logJobEvents } from './job-log.js';

describe('job log lines', () => {
  const setup = () => {
    const lines: string[] = [];
    const logger = {
      log: (_fields: unknown, text: string) => lines.push(`info ${text}`),
      debug: (_fields: unknown, text: string) => lines.push(`debug ${text}`),
      warn: (_fields: unknown, text: string) => lines.push(`warn ${text}`),
      error: (_fields: unknown, text: string) => lines.push(`error ${text}`),
    };
    const worker = Object.assign(new EventEmitter(), { name: 'sweeps' });
    logJobEvents(worker as unknown as Worker, logger);
    return { lines, worker };
  };
  // A job scheduler's job carries its scheduler id as repeatJobKey (BullMQ's job-scheduler.js).
  const sweep = (attemptsMade = 1) => ({ id: 'repeat:a:1', name: 'reconcile', data: {}, repeatJobKey: 'reconcile-every-5s', attemptsMade, opts: { attempts: 1 } }) as unknown as Job;
  const oneOff = (attemptsMade = 1, attempts = 3) => ({ id: '42', name: 'export', data: { tenantId: 't1' }, attemptsMade, opts: { attempts } }) as unknown as Job;

  it('logs a repeatable sweep starting and completing at debug, a one-off job at info', () => {
    const { lines, worker } = setup();
    worker.emit('active', sweep());
    worker.emit('completed', sweep());
    worker.emit('active', oneOff());
    worker.emit('completed', oneOff());
    expect(lines).toEqual(['debug job started', 'debug job completed', 'info job started', 'info job completed']);
  });

  it('always logs failures: a warning while attempts remain, an error on the last one, sweeps included', () => {
    const { lines, worker } = setup();
    worker.emit('failed', oneOff(1, 3), new Error('boom'));
    worker.emit('failed', oneOff(3, 3), new Error('boom'));
    worker.emit('failed', sweep(1), new Error('boom'));
    worker.emit('failed', undefined, new Error('lost job'));
    expect(lines).toEqual(['warn job failed (will be retried)', 'error job failed', 'error job failed', 'error job failed']);
  });
});
