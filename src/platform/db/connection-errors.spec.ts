import { describe, expect, it } from '@jest/globals';
import { databaseFaultOf, isConnectionLevelError } from './connection-errors.js';

const pgError = (code: string, severity = 'ERROR') => Object.assign(new Error(`pg ${code}`), { code, severity });

describe('databaseFaultOf', () => {
  it.each([
    ['a terminated backend (57P01)', pgError('57P01', 'FATAL')],
    ['a server starting up (57P03)', pgError('57P03', 'FATAL')],
    ['a connection exception (08006)', pgError('08006')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
    ['a client that is not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['an unexpected end', new Error('Connection terminated unexpectedly')],
    ['a pool time-out', new Error('timeout exceeded when trying to connect')],
    ["Prisma's P1001", Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
    ["Prisma's P1017", Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' })],
    ['a driver adapter error around 57P01', Object.assign(new Error('wrapped'), { cause: { kind: 'postgres', code: '57P01', severity: 'FATAL' } })],
    ['an unknown request error whose cause is a closed connection', Object.assign(new Error('x'), { cause: Object.assign(new Error('y'), { cause: { kind: 'ConnectionClosed' } }) })],
  ])('is unavailable for %s', (_name, error) => {
    expect(databaseFaultOf(error)).toBe('unavailable');
  });

  it.each([
    ['a statement timeout (57014)', pgError('57014')],
    ['a lock timeout (55P03)', pgError('55P03')],
    ['Prisma around a statement timeout', Object.assign(new Error('x'), { meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57014' } } } })],
    ["Prisma's interactive transaction time-out (P2028)", Object.assign(new Error('Transaction API error'), { code: 'P2028' })],
  ])('is a timeout for %s', (_name, error) => {
    expect(databaseFaultOf(error)).toBe('timeout');
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a syntax error', pgError('42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'oops'],
    ['null', null],
  ])('is nothing for %s', (_name, error) => {
    expect(databaseFaultOf(error)).toBeUndefined();
  });
});

describe('isConnectionLevelError', () => {
  it('holds for FATALs, connection SQLSTATEs and errors without a server answer', () => {
    expect(isConnectionLevelError(pgError('57P01', 'FATAL'))).toBe(true);
    expect(isConnectionLevelError(pgError('08006'))).toBe(true);
    expect(isConnectionLevelError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
    expect(isConnectionLevelError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not hold for statement errors, which leave the connection usable', () => {
    expect(isConnectionLevelError(pgError('23505'))).toBe(false);
    expect(isConnectionLevelError(pgError('57014'))).toBe(false);
    expect(isConnectionLevelError(pgError('42P01'))).toBe(false);
  });
});
