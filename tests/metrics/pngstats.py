#!/usr/bin/python3
"""pngstats.py — what a PNG screenshot shows, for tests that must not need PIL.

    /usr/bin/python3 pngstats.py FILE.png [#rrggbb ...]

Prints one JSON object: width, height, the number of distinct colours, the fraction of pixels
that differ from the most common colour (a blank page is ~0), and for each colour given, how many
pixels lie within 48 of it in every channel. Decodes 8-bit RGB/RGBA, non-interlaced PNGs (what
Chromium writes) with zlib and numpy only (PNG spec, section 9: filters 0-4 per scanline).
"""
import json
import struct
import sys
import zlib

import numpy as np


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are supported")
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    stride = width * bpp
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        elif f in (1, 3, 4):
            cur = np.zeros(stride, dtype=np.int32)
            for x in range(stride):  # left-dependent filters: sequential by nature
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 255
        else:
            raise SystemExit(f"{path}: bad filter {f} on row {y}")
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3]


def main():
    img = decode(sys.argv[1])
    flat = img.reshape(-1, 3)
    keys = flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    result = {"width": int(img.shape[1]), "height": int(img.shape[0]), "colours": int(len(values)),
              "non_background": float(1.0 - counts.max() / keys.size), "near": {}}
    for spec in sys.argv[2:]:
        rgb = np.array([int(spec[i:i + 2], 16) for i in (1, 3, 5)])
        near = np.all(np.abs(flat - rgb) <= 48, axis=1)
        result["near"][spec] = int(near.sum())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
