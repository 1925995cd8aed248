import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PngImage } from './png-image.ts';

describe('PngImage', () => {
  it('encodes a valid PNG whose pixels decode back', () => {
    const image = new PngImage(4, 2, [255, 255, 255]);
    image.fillRect(1, 0, 2, 1, [10, 20, 30]);
    const png = image.encode();
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(4);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    // Row 0: filter byte, then white, colour, colour, white.
    expect([...raw.subarray(0, 13)]).toEqual([0, 255, 255, 255, 10, 20, 30, 10, 20, 30, 255, 255, 255]);
    expect(raw.length).toBe(2 * (1 + 4 * 3));
  });
});
