/** UUIDv7 identifiers made on the device: time-ordered, so new rows append to indexes. */
let lastMs = 0;
let seq = 0;

// getRandomValues costs ~15 µs a call under Node, more than the rest of an id: draw from a pool.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;

function randomBytes(n: number): Uint8Array {
  if (poolAt + n > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const b = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return b;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(nowMs: number = Date.now()): string {
  // A 12-bit sequence keeps ids made within one millisecond in creation order.
  if (nowMs <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    seq = 0;
  }
  // Hot in bulk writes (an import makes two ids a row): a byte-to-hex table, no BigInt.
  const r = randomBytes(8);
  const hi = Math.floor(nowMs / 0x100000000);
  const lo = nowMs >>> 0;
  const H = HEX;
  return (
    H[(hi >>> 8) & 0xff]! +
    H[hi & 0xff]! +
    H[lo >>> 24]! +
    H[(lo >>> 16) & 0xff]! +
    '-' +
    H[(lo >>> 8) & 0xff]! +
    H[lo & 0xff]! +
    '-' +
    H[0x70 | ((seq >> 8) & 0x0f)]! +
    H[seq & 0xff]! +
    '-' +
    H[0x80 | (r[0]! & 0x3f)]! +
    H[r[1]!]! +
    '-' +
    H[r[2]!]! +
    H[r[3]!]! +
    H[r[4]!]! +
    H[r[5]!]! +
    H[r[6]!]! +
    H[r[7]!]!
  );
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
