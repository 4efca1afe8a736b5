#!/usr/bin/python3
"""import_reference.py — compare `nash data images` output with Pillow + torchvision.

    import_reference.py DIR FILE.h5 --size S [--channels 1|3] [--crop center|none]
                        [--max-mean M] [--max-abs A]

The reference is the usual PyTorch pipeline on the same files: torchvision.datasets.DatasetFolder (ImageFolder with nash's extensions)
(its class order, file order and labels), each file opened with Pillow, made upright with
ImageOps.exif_transpose, alpha composited on white (nash's rule, the integer formula of
src/image/image.h), converted to 'RGB' or 'L', then transforms.Resize(S) + CenterCrop(S) (or
Resize((S, S)) with --crop none). 16-bit grey PNGs are taken by their high byte first: Pillow
clips them to 255 when converting instead. For an unlabelled folder (no subfolders) the files are
the folder's images sorted by name.

Prints the mean and the largest absolute pixel difference, over all files and per layout kind,
and exits 1 when the class names, labels or count differ, or when a difference exceeds the bounds
given.
"""
import argparse
import os
import sys

import h5py
import numpy as np
from PIL import Image, ImageOps
import torchvision
from torchvision import transforms

EXTS = ('.png', '.jpg', '.jpeg')


def load(path, channels):
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    if im.mode.startswith('I'):
        im = Image.fromarray((np.asarray(im).astype(np.int64) >> 8).astype(np.uint8), 'L')
    if im.mode in ('RGBA', 'LA', 'PA') or 'transparency' in im.info:
        a = np.asarray(im.convert('RGBA')).astype(np.int64)
        rgb = (a[..., :3] * a[..., 3:] + 255 * (255 - a[..., 3:]) + 127) // 255
        im = Image.fromarray(rgb.astype(np.uint8), 'RGB')
    return im.convert('L' if channels == 1 else 'RGB')


def kind_of(path):
    im = Image.open(path)
    k = '%s %s' % (im.format, im.mode)
    if im.format == 'JPEG' and im.getexif().get(0x0112, 1) != 1:
        k += ' exif'
    if 'transparency' in im.info:
        k += ' trns'
    return k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('h5')
    ap.add_argument('--size', type=int, required=True)
    ap.add_argument('--channels', type=int, default=3)
    ap.add_argument('--crop', default='center')
    ap.add_argument('--max-mean', type=float, default=None)
    ap.add_argument('--max-abs', type=float, default=None)
    a = ap.parse_args()
    S = a.size
    tf = transforms.Compose([transforms.Resize(S), transforms.CenterCrop(S)]) if a.crop == 'center' \
        else transforms.Resize((S, S))
    subdirs = [e for e in os.scandir(a.dir) if e.is_dir()]
    if subdirs:
        ds = torchvision.datasets.DatasetFolder(a.dir, loader=lambda p: p, extensions=EXTS)
        files, classes = ds.samples, ds.classes
    else:
        names = sorted(n for n in os.listdir(a.dir) if n.lower().endswith(EXTS))
        files, classes = [(os.path.join(a.dir, n), 0) for n in names], []
    f = h5py.File(a.h5, 'r')
    got = f['images']
    ok = True
    if got.shape != (len(files), a.channels, S, S):
        print('shape: nash %s, reference %s' % (got.shape, (len(files), a.channels, S, S)))
        return 1
    names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs.get('class_names', [])]
    if list(names) != list(classes):
        print('class names: nash %s, torchvision %s' % (names, classes))
        ok = False
    if classes:
        labels = f['labels'][:]
        want = np.array([y for _, y in files])
        if not np.array_equal(labels, want):
            print('labels differ at %d samples (first %d)' % ((labels != want).sum(), np.argmax(labels != want)))
            ok = False
    per_kind = {}
    total, worst, count = 0.0, 0, 0
    for i, (path, _) in enumerate(files):
        ref = np.asarray(tf(load(path, a.channels)), dtype=np.int64)
        ref = ref[None] if ref.ndim == 2 else ref.transpose(2, 0, 1)
        diff = np.abs(got[i].astype(np.int64) - ref)
        k = kind_of(path)
        s = per_kind.setdefault(k, [0, 0.0, 0, ''])
        s[0] += 1
        s[1] += diff.mean()
        if diff.max() > s[2]:
            s[2], s[3] = int(diff.max()), os.path.relpath(path, a.dir)
        total += diff.mean()
        worst = max(worst, int(diff.max()))
        count += 1
    mean = total / max(count, 1)
    print('%-28s %6s %12s %8s  %s' % ('layout', 'files', 'mean |diff|', 'max', 'worst file'))
    for k in sorted(per_kind):
        n, m, mx, wf = per_kind[k]
        print('%-28s %6d %12.4f %8d  %s' % (k, n, m / n, mx, wf))
    print('%-28s %6d %12.4f %8d' % ('all', count, mean, worst))
    if a.max_mean is not None and mean > a.max_mean:
        print('FAIL: mean difference %.4f > %g' % (mean, a.max_mean))
        ok = False
    if a.max_abs is not None and worst > a.max_abs:
        print('FAIL: largest difference %d > %g' % (worst, a.max_abs))
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
