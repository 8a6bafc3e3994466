import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';
import { randomSecret } from '../../../platform/crypto/tokens.js';

/**
 * argon2id with OWASP's first recommended set: 19 MiB, 2 passes, 1 lane (docs/adr/0005). About
 * 19 ms per hash or verify on our 2-core machines. Raising them later is safe: hashes carry their
 * parameters, and `needsRehash` upgrades a hash at the next successful sign-in.
 */
export const ARGON2ID: Readonly<Options> = {
  algorithm: 2, // Algorithm.Argon2id (a const enum, which isolatedModules cannot inline)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummy?: string;

  /**
   * The hash checked for an unknown email (or an account without a password): made at start-up
   * with the same parameters as real hashes, so a sign-in for an unknown email does the same work,
   * on the same code path, as one with a wrong password.
   */
  async onModuleInit(): Promise<void> {
    this.dummy ??= await hash(randomSecret(), ARGON2ID);
  }

  get dummyHash(): string {
    if (!this.dummy) throw new Error('PasswordHasher used before module init');
    return this.dummy;
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  /** false for a wrong password and for anything that is not an argon2 hash. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** The hash was made with other parameters than today's (it is upgraded at sign-in). */
  needsRehash(passwordHash: string): boolean {
    try {
      const used = parseOptions(passwordHash);
      return (
        used.algorithm !== ARGON2ID.algorithm ||
        used.memoryCost !== ARGON2ID.memoryCost ||
        used.timeCost !== ARGON2ID.timeCost ||
        used.parallelism !== ARGON2ID.parallelism
      );
    } catch {
      return false;
    }
  }
}
