/* image.h — decoded pictures for import: 8-bit pixels, interleaved, rows top to bottom.
 *
 * The importer (data/import_images.c) turns every file into an S x S picture in the same steps as
 * torchvision's usual pipeline on Pillow (docs/data.md, "Importing images"):
 *   decode (PNG with libpng, JPEG with libjpeg-turbo: decode.h), JPEG EXIF orientation applied
 *   -> alpha composited on white (image_to_channels) -> grey or RGB
 *   -> Resize(S): the shorter side to S, antialiased bilinear (image_resize, Pillow's filter)
 *   -> CenterCrop(S) (image_fit), or a plain resize to S x S with crop = false.
 */
#ifndef NASH_IMAGE_IMAGE_H
#define NASH_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

typedef struct {
    int w, h;
    int channels; /* 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
    uint8_t *px;  /* (h, w, channels) */
} Image;

/* An image of w x h x channels, pixels uninitialised; false when out of memory. */
bool image_alloc(Image *im, int w, int h, int channels);
void image_free(Image *im);

/* Turn any of the four layouts into `channels` (1 or 3): alpha is composited on white,
 * out = (c a + 255 (255 - a) + 127) / 255; grey from RGB is ITU-R 601-2 luma in Pillow's fixed
 * point, (19595 R + 38470 G + 7471 B + 2^15) >> 16; grey to RGB repeats the value. */
bool image_to_channels(Image *im, int channels);

/* Apply an EXIF orientation (1..8; others do nothing) so the picture is upright, as Pillow's
 * ImageOps.exif_transpose: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
 * 7 transverse, 8 rotate 90 counter-clockwise. */
bool image_orient(Image *im, int orientation);

/* Resample src to w x h with Pillow's antialiased bilinear filter (Image.resize(..., BILINEAR)):
 * the triangle filter widened by the scale factor when shrinking, coefficients in 22-bit fixed
 * point, a horizontal pass then a vertical one, each rounded to 8 bits. Bit-identical to Pillow
 * (tests/unit/test_image.c, tests/cli/test_import.sh). */
bool image_resize(const Image *src, int w, int h, Image *out);

/* To size x size: with crop, torchvision's Resize(size) (the shorter side to size, the longer to
 * floor(size * long / short)) then CenterCrop(size) (offsets round((len - size) / 2), halves to
 * even as Python's round); without, a plain resize to size x size. Replaces *im. */
bool image_fit(Image *im, int size, bool crop);

#endif
