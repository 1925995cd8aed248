// Passwords are hashed with argon2id (@node-rs/argon2: a maintained Rust binding whose Linux binary ships
// inside an npm package), at OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane). The hash is a
// PHC string, so the cost can be raised later and old hashes still verify.
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

// algorithm 2 is Algorithm.Argon2id, a const enum that verbatimModuleSyntax cannot import.
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Long enough to resist guessing, short enough that hashing cannot be made a denial of service. */
export const passwordSchema = z.string().min(12, 'a password needs at least 12 characters').max(256, 'a password has at most 256 characters');

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

// Verified against when the email has no password, so an unknown email costs the same time as a wrong password.
let decoyHash: Promise<string> | null = null;

/** Whether `password` matches `passwordHash`; a null hash still spends the time of one verification, then says no. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    decoyHash ??= hashPassword('decoy password that matches nothing');
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
