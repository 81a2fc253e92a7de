// RGBA pixels → PNG, with the deflate on libuv's thread pool. resvg-js's own asPng() compresses on
// the main thread (35–55 ms CPU for a full chart measured here), longer than a slice of the event
// loop may take; this keeps the main thread's share to copying rows and the CRCs (a few ms).
import { createDeflate } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * An 8-bit RGBA PNG. Rows are unfiltered: a per-byte filter loop in JavaScript would cost the main
 * thread more than it saves, and deflate already folds runs of one flat chart colour.
 */
export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Buffer> {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new RangeError(`expected ${stride * height} bytes of RGBA, got ${rgba.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, adaptive filtering, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', await deflateRows(rgba, stride, height)), chunk('IEND', Buffer.alloc(0))]);
}

/** Bytes of rows the deflate is given at a time. */
const BAND_BYTES = 64 * 1024;

/**
 * The rows, each behind its filter byte (0: none), deflated a band at a time through one reused
 * buffer: a whole filtered copy of the image beside its pixels was 5 MB of RSS for a report chart.
 * A band is refilled only once zlib has taken it (the write's callback); deflate's output does not
 * depend on how its input is cut.
 */
async function deflateRows(rgba: Uint8Array, stride: number, height: number): Promise<Buffer> {
  const rowsPerBand = Math.max(1, Math.floor(BAND_BYTES / (stride + 1)));
  const band = Buffer.alloc((stride + 1) * rowsPerBand);
  const deflate = createDeflate();
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
  });
  for (let y0 = 0; y0 < height; y0 += rowsPerBand) {
    const n = Math.min(rowsPerBand, height - y0);
    for (let y = 0; y < n; y++) band.set(rgba.subarray((y0 + y) * stride, (y0 + y + 1) * stride), y * (stride + 1) + 1);
    await new Promise<void>((resolve, reject) => deflate.write(band.subarray(0, (stride + 1) * n), (err) => (err ? reject(err) : resolve())));
  }
  deflate.end();
  await ended;
  return Buffer.concat(out);
}
