import { describe, expect, it } from '@jest/globals';
import { AppError, errorClass } from './app-error.js';
import { toProblem } from './problem.filter.js';

/** Two error sets declared as the modules declare theirs; `taken` is a code string both use. */
enum ShelfErrorCode {
  NotFound = 'shelf_not_found',
  Full = 'shelf_full',
  Taken = 'taken',
}

const SHELF_STATUS: Record<ShelfErrorCode, number> = {
  [ShelfErrorCode.NotFound]: 404,
  [ShelfErrorCode.Full]: 409,
  [ShelfErrorCode.Taken]: 403,
};

class ShelfError extends errorClass(SHELF_STATUS) {
  static full(capacity: number): ShelfError {
    return new ShelfError(ShelfErrorCode.Full, `The shelf holds ${capacity} books`, { capacity }, { 'retry-after': '30' });
  }
}

enum DeskErrorCode {
  Taken = 'taken',
}

class DeskError extends errorClass({ [DeskErrorCode.Taken]: 423 }) {}

class LampError extends errorClass({ lamp_broken: 503 }) {}

/** Compile-time contract, checked by `tsc --noEmit` (Jest strips types): each set takes only its own codes. */
function _typeChecks(): void {
  // @ts-expect-error a code of another set
  new ShelfError(DeskErrorCode.Taken, 'x');
  // @ts-expect-error a bare string, not a member of the set's enum
  new ShelfError('shelf_full', 'x');
  // @ts-expect-error the table must give every code a status
  errorClass<ShelfErrorCode>({ [ShelfErrorCode.NotFound]: 404 });
  const fromFactory: ShelfError = ShelfError.full(1);
  const code: ShelfErrorCode = fromFactory.code;
  void code;
}

describe('errorClass', () => {
  it.each([
    [ShelfErrorCode.NotFound, 404],
    [ShelfErrorCode.Full, 409],
    [ShelfErrorCode.Taken, 403],
  ])('takes the status of %s from the table (%d)', (code, status) => {
    expect(new ShelfError(code, 'm').status).toBe(status);
  });

  it('makes an AppError named after the module class, and an instance of that class only', () => {
    const error = new ShelfError(ShelfErrorCode.NotFound, 'No such shelf');

    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(ShelfError);
    expect(error).not.toBeInstanceOf(DeskError);
    expect(error.name).toBe('ShelfError');
    expect(String(error.stack).split('\n')[0]).toBe('ShelfError: No such shelf');
  });

  it('captures no stack frames for a 4xx (an expected outcome), keeps them for a 5xx, and leaves the stack depth as it was', () => {
    const depth = Error.stackTraceLimit;
    const refusal = new ShelfError(ShelfErrorCode.Full, 'Full');
    const fault = new LampError('lamp_broken', 'The lamp broke');

    expect(refusal.stack).toBe('ShelfError: Full');
    expect(String(fault.stack).split('\n').length).toBeGreaterThan(1);
    expect(String(fault.stack)).toContain('app-error.spec');
    expect(Error.stackTraceLimit).toBe(depth);
  });

  it('keeps code, message, extra members and headers; extra and headers default to empty', () => {
    const plain = new ShelfError(ShelfErrorCode.NotFound, 'No such shelf');
    expect({ code: plain.code, message: plain.message, extra: plain.extra, headers: plain.headers }).toEqual({
      code: 'shelf_not_found',
      message: 'No such shelf',
      extra: {},
      headers: {},
    });

    const full = ShelfError.full(3);
    expect(full).toBeInstanceOf(ShelfError);
    expect({ code: full.code, extra: full.extra, headers: full.headers }).toEqual({ code: 'shelf_full', extra: { capacity: 3 }, headers: { 'retry-after': '30' } });
  });

  it('gives each set its own table, even where two sets share a code string', () => {
    const shelf = new ShelfError(ShelfErrorCode.Taken, 'm');
    const desk = new DeskError(DeskErrorCode.Taken, 'm');

    expect([shelf.code, desk.code]).toEqual(['taken', 'taken']);
    expect([shelf.status, desk.status]).toEqual([403, 423]);
    expect(desk).not.toBeInstanceOf(ShelfError);
    expect(desk.name).toBe('DeskError');
  });

  it('becomes the problem document the ProblemFilter sends', () => {
    expect(toProblem(ShelfError.full(3))).toEqual({
      body: {
        type: 'urn:tenantry:problem:shelf_full',
        title: 'Conflict',
        status: 409,
        detail: 'The shelf holds 3 books',
        code: 'shelf_full',
        capacity: 3,
      },
      headers: { 'retry-after': '30' },
    });
  });
});
