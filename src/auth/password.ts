import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

/**
 * scrypt at OWASP's recommendation, N=2^17, r=8, p=1: 128 MiB and about half a second of
 * one core per hash (README "Passwords"). Hashes of another cost still verify, and login
 * rehashes them (needsRehash).
 */
const PARAMS = { N: 2 ** 17, r: 8, p: 1 };
/** scrypt takes a little over 128·N·r bytes (128 MiB here); Node refuses unless maxmem covers it. */
const MAX_MEM = 256 * 1024 * 1024;
const KEY_LEN = 32;
const MAX_WORK = PARAMS.N * PARAMS.r * PARAMS.p;
/**
 * Hashes computed at once per process. Each holds 128 MiB and a libuv thread (of 4, shared
 * with file and DNS work), so a burst of logins queues here instead of taking them all.
 */
const MAX_CONCURRENT = 2;

let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** scrypt with a per-password salt, stored as `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await limited(() => scryptAsync(password, salt, KEY_LEN, { ...PARAMS, maxmem: MAX_MEM }));
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), key.toString("base64")].join("$");
}

interface Stored {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** A stored hash's parts, or null when it is not one this module could have written. */
function parse(stored: string): Stored | null {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return null;
  const [N, R, P] = [n, r, p].map((v) => (/^[0-9]{1,8}$/.test(v ?? "") ? Number(v) : 0)) as number[];
  // A power of two, at most today's work (so at most 128 MiB): a corrupt row must not stall
  // or exhaust the process.
  if (!N || !R || !P || N * R * P > MAX_WORK || (N & (N - 1)) !== 0 || N < 2) return null;
  return { N, r: R, p: P, salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const s = parse(stored);
  if (!s || s.hash.length < 16) return false;
  const key = await limited(() =>
    scryptAsync(password, s.salt, s.hash.length, { N: s.N, r: s.r, p: s.p, maxmem: MAX_MEM }),
  );
  return timingSafeEqual(key, s.hash);
}

/** True when the stored hash was made at another cost than today's: rehash it on the next login. */
export function needsRehash(stored: string): boolean {
  const s = parse(stored);
  return !s || s.N !== PARAMS.N || s.r !== PARAMS.r || s.p !== PARAMS.p;
}

/**
 * Costs as much to verify as a real hash and matches no password: login checks it when the
 * username is unknown, so the answer's timing does not reveal which usernames exist.
 */
export const DUMMY_HASH = [
  "scrypt",
  PARAMS.N,
  PARAMS.r,
  PARAMS.p,
  Buffer.alloc(16).toString("base64"),
  Buffer.alloc(KEY_LEN).toString("base64"),
].join("$");

export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;

/** Why `password` may not be `username`'s password, or null when it may. */
export function passwordPolicyError(password: string, username: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `At least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `At most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) return "Must differ from the username";
  return null;
}
