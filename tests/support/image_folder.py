#!/usr/bin/python3
"""image_folder.py — make folders of PNG and JPEG files for the importer's tests, with Pillow.

    image_folder.py good DIR [--n N] [--classes K] [--seed S]
        N files (default 1000) spread over K class folders (default 4; 0: no subfolders), of
        several sizes and aspect ratios (16 to 320 pixels a side), in every layout nash reads:
        PNG RGB, RGBA, grey, grey + alpha, palette (some with a transparent colour), 1-bit and
        16-bit grey; JPEG colour and grey, baseline and progressive, some with an EXIF orientation
        of 2 to 8. The pictures are gradients, discs and noise, so resizing has detail to keep.
        Also a README.txt and a notes.csv, which are not images.
    image_folder.py bad DIR KIND
        DIR/good/ holds a few good files and one bad file of KIND (its path is printed):
        corrupt (a PNG with damaged image data), truncated-png, truncated-jpeg, empty (0 bytes),
        not-image (text named .png), huge (a PNG header of 100000 x 100000 pixels), symlink-loop
        (a link to itself), dir-loop (a folder link back to its parent), unreadable (mode 000),
        webp (a .webp file).

Used by tests/cli/test_import.sh; the reference pipeline is tests/support/import_reference.py.
"""
import io
import os
import random
import struct
import sys
import zlib

import numpy as np
from PIL import Image


def picture(rng, w, h):
    """An RGB picture with smooth and sharp detail: a gradient, discs, a noise patch."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    c0, c1 = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = (x / max(w - 1, 1) + y / max(h - 1, 1)) / 2
    img = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    for _ in range(rng.integers(1, 4)):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, max(w, h) / 2)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
    px, py = rng.integers(0, max(w - 8, 1)), rng.integers(0, max(h - 8, 1))
    img[py:py + 8, px:px + 8] = rng.integers(0, 256, (min(8, h - py), min(8, w - px), 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def exif_bytes(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


KINDS = ['png-rgb', 'png-rgba', 'png-l', 'png-la', 'png-p', 'png-p-trns', 'png-1', 'png-16',
         'jpg-rgb', 'jpg-l', 'jpg-progressive', 'jpg-exif']


def write_one(path_noext, kind, rng):
    w, h = int(rng.integers(16, 321)), int(rng.integers(16, 321))
    rgb = picture(rng, w, h)
    im = Image.fromarray(rgb, 'RGB')
    if kind.startswith('png'):
        path = path_noext + '.png'
        if kind == 'png-rgba':
            a = rng.integers(0, 256, (h, w), dtype=np.uint8)
            a[: h // 2] = 255
            im = Image.fromarray(np.dstack([rgb, a]), 'RGBA')
        elif kind == 'png-l':
            im = im.convert('L')
        elif kind == 'png-la':
            im = im.convert('LA')
        elif kind == 'png-p':
            im = im.convert('P', palette=Image.ADAPTIVE, colors=64)
        elif kind == 'png-p-trns':
            im = im.convert('P', palette=Image.ADAPTIVE, colors=32)
            im.info['transparency'] = 0
        elif kind == 'png-1':
            im = im.convert('1')
        elif kind == 'png-16':
            g = np.asarray(im.convert('L'), dtype=np.uint16) * 257 + rng.integers(0, 200, (h, w)).astype(np.uint16)
            im = Image.fromarray(g.astype(np.uint16), 'I;16')
        kw = {'transparency': 0} if kind == 'png-p-trns' else {}
        im.save(path, **kw)
    else:
        path = path_noext + ('.jpeg' if rng.random() < 0.3 else '.jpg')
        q = int(rng.integers(70, 96))
        if kind == 'jpg-l':
            im.convert('L').save(path, quality=q)
        elif kind == 'jpg-progressive':
            im.save(path, quality=q, progressive=True)
        elif kind == 'jpg-exif':
            im.save(path, quality=q, exif=exif_bytes(int(rng.integers(2, 9))))
        else:
            im.save(path, quality=q, subsampling=int(rng.integers(0, 3)))
    return path


def make_good(root, n, classes, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    names = ['class_%c' % (ord('a') + k) for k in range(classes)]
    for k in names:
        os.makedirs(os.path.join(root, k), exist_ok=True)
    if classes:
        os.makedirs(os.path.join(root, names[0], 'nested'), exist_ok=True)
    for i in range(n):
        if classes:
            d = os.path.join(root, names[i % classes])
            if i % 50 == 0:
                d = os.path.join(root, names[0], 'nested')
        else:
            d = root
        write_one(os.path.join(d, 'img_%05d' % i), KINDS[i % len(KINDS)], rng)
    with open(os.path.join(root, names[0] if classes else '', 'README.txt'), 'w') as f:
        f.write('not an image\n')
    with open(os.path.join(root, 'notes.csv'), 'w') as f:
        f.write('a,b\n')


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)


def make_bad(root, kind):
    make_good(os.path.join(root, 'good'), 6, 2, 1)
    d = os.path.join(root, 'good', 'class_b')
    path = os.path.join(d, 'bad.png')
    buf = io.BytesIO()
    Image.fromarray(picture(np.random.default_rng(2), 64, 48), 'RGB').save(buf, format='PNG')
    png = buf.getvalue()
    if kind == 'corrupt':
        b = bytearray(png)
        at = png.index(b'IDAT') + 40
        for i in range(at, at + 16):
            b[i] ^= 0x5a
        open(path, 'wb').write(bytes(b))
    elif kind == 'truncated-png':
        open(path, 'wb').write(png[: len(png) // 2])
    elif kind == 'truncated-jpeg':
        path = os.path.join(d, 'bad.jpg')
        buf = io.BytesIO()
        Image.fromarray(picture(np.random.default_rng(3), 64, 48), 'RGB').save(buf, format='JPEG')
        open(path, 'wb').write(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    elif kind == 'empty':
        open(path, 'wb').close()
    elif kind == 'not-image':
        open(path, 'w').write('this is a text file with a .png name\n')
    elif kind == 'huge':
        ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0)
        idat = zlib.compress(b'\0' * 64)
        open(path, 'wb').write(png[:8] + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', idat) + png_chunk(b'IEND', b''))
    elif kind == 'symlink-loop':
        os.symlink('bad.png', path)
    elif kind == 'dir-loop':
        path = os.path.join(d, 'up')
        os.symlink('..', path)
    elif kind == 'unreadable':
        open(path, 'wb').write(png)
        os.chmod(path, 0)
    elif kind == 'webp':
        path = os.path.join(d, 'bad.webp')
        open(path, 'wb').write(b'RIFF\0\0\0\0WEBP')
    else:
        sys.exit('image_folder.py: unknown bad kind %r' % kind)
    print(path)


def main(argv):
    if len(argv) >= 3 and argv[1] == 'good':
        opts = dict(zip(argv[3::2], argv[4::2]))
        make_good(argv[2], int(opts.get('--n', 1000)), int(opts.get('--classes', 4)), int(opts.get('--seed', 0)))
    elif len(argv) == 4 and argv[1] == 'bad':
        make_bad(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
