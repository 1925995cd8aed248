// A tiny RGB canvas that encodes itself as PNG (signature, IHDR, one zlib IDAT, IEND; filter 0 on every
// row), with filled rectangles and a 3×5 pixel font: enough for a bar chart, no native dependency.
import { crc32, deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

// Rows top to bottom, three pixels each. Text is drawn upper-case; µ is drawn as U.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001010010',
  '8': '111101111101111',
  '9': '111101111001111',
  A: '010101111101101',
  B: '110101110101110',
  C: '011100100100011',
  D: '110101101101110',
  E: '111100110100111',
  F: '111100110100100',
  G: '011100101101011',
  H: '101101111101101',
  I: '111010010010111',
  J: '001001001101010',
  K: '101101110101101',
  L: '100100100100111',
  M: '101111111101101',
  N: '110101101101101',
  O: '010101101101010',
  P: '110101110100100',
  Q: '010101101110011',
  R: '110101110101101',
  S: '011100010001110',
  T: '111010010010010',
  U: '101101101101111',
  V: '101101101101010',
  W: '101101111111101',
  X: '101101010101101',
  Y: '101101010010010',
  Z: '111001010100111',
  ' ': '000000000000000',
  '.': '000000000000010',
  '/': '001001010100100',
  '%': '101001010100101',
  '-': '000000111000000',
  '+': '000010111010000',
  ':': '000010000010000',
  '(': '010100100100010',
  ')': '010001001001010',
  ',': '000000000010100',
  '×': '000101010101000',
  '≥': '100010001010111',
  '≤': '001010100010111',
};

export class PngImage {
  readonly pixels: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.pixels = Buffer.alloc(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    const left = Math.max(0, Math.round(x));
    const top = Math.max(0, Math.round(y));
    const right = Math.min(this.width, Math.round(x + width));
    const bottom = Math.min(this.height, Math.round(y + height));
    for (let row = top; row < bottom; row++) {
      for (let column = left; column < right; column++) this.pixels.set(color, (row * this.width + column) * 3);
    }
  }

  /** Draws `text` with its top-left corner at (x, y); returns the width drawn. */
  text(x: number, y: number, text: string, color: Rgb, scale = 2): number {
    let cursor = x;
    for (const character of text.toUpperCase().replaceAll('µ', 'U')) {
      const glyph = GLYPHS[character] ?? GLYPHS[' '];
      for (let index = 0; index < 15; index++) {
        if (glyph?.[index] === '1') this.fillRect(cursor + (index % 3) * scale, y + Math.floor(index / 3) * scale, scale, scale, color);
      }
      cursor += 4 * scale;
    }
    return cursor - x;
  }

  static textWidth(text: string, scale = 2): number {
    return [...text].length * 4 * scale;
  }

  encode(): Buffer {
    const rowBytes = this.width * 3;
    const raw = Buffer.alloc((rowBytes + 1) * this.height);
    for (let row = 0; row < this.height; row++) this.pixels.copy(raw, row * (rowBytes + 1) + 1, row * rowBytes, (row + 1) * rowBytes);
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour RGB, deflate, adaptive filtering, no interlace
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}
