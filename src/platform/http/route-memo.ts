import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

type Targets = [handler: (...args: never[]) => unknown, controller: abstract new (...args: never[]) => unknown];

/**
 * What a route's metadata says, read once per handler: `Reflector` walks the metadata again on
 * every call, and the guard and the throttlers ask on every request (docs/adr/0018, decision 25).
 * Remembered per handler, checked against its controller (a handler inherited by two controllers
 * is read for each in turn).
 */
export function perRoute<T>(read: (reflector: Reflector, targets: Targets) => T): (reflector: Reflector, context: ExecutionContext) => T {
  const known = new WeakMap<object, { controller: object; value: T }>();
  return (reflector, context) => {
    const handler = context.getHandler();
    const controller = context.getClass();
    const entry = known.get(handler);
    if (entry?.controller === controller) return entry.value;
    const value = read(reflector, [handler, controller] as unknown as Targets);
    known.set(handler, { controller, value });
    return value;
  };
}
