// Draws build/icon.png (512×512 RGBA) with no dependencies and no network: a blue rounded square
// with a white ring and beacon dot ("outpost"). electron-builder derives .ico/.icns from it.
// Run: node build/make-icon.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZE = 512;
const SS = 4; // supersamples per axis, for smooth edges

function insideRoundedSquare(x, y) {
  const r = 104;
  const m = 16;
  const cx = Math.min(Math.max(x, m + r), SIZE - m - r);
  const cy = Math.min(Math.max(y, m + r), SIZE - m - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= m && x <= SIZE - m && y >= m && y <= SIZE - m;
}

function insideMark(x, y) {
  const d = Math.hypot(x - 256, y - 276);
  const ring = d <= 150 && d >= 100;
  const beacon = Math.hypot(x - 256, y - 276) <= 44;
  const mast = Math.abs(x - 256) <= 14 && y >= 96 && y <= 132;
  const tip = Math.hypot(x - 256, y - 96) <= 26;
  return ring || beacon || mast || tip;
}

function pixel(px, py) {
  let bg = 0;
  let mark = 0;
  for (let i = 0; i < SS; i++) {
    for (let j = 0; j < SS; j++) {
      const x = px + (i + 0.5) / SS;
      const y = py + (j + 0.5) / SS;
      if (insideRoundedSquare(x, y)) {
        bg++;
        if (insideMark(x, y)) mark++;
      }
    }
  }
  const n = SS * SS;
  const a = bg / n;
  const w = bg ? mark / bg : 0;
  // Mantine blue 7 (#1c7ed6) blended with white by mark coverage.
  const mix = (c) => Math.round(c + (255 - c) * w);
  return [mix(0x1c), mix(0x7e), mix(0xd6), Math.round(a * 255)];
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function drawIcon() {
  const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (SIZE * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');
  writeFileSync(out, drawIcon());
  console.log(`wrote ${out}`);
}
