/* png.h — pictures for people: sample grids and scatter plots, written with libpng.
 * Files are written to a temporary name in the same directory, fsynced and renamed, so a reader
 * never sees half a PNG; on error the temporary file is removed and the message names the path. */
#ifndef NASH_DRAW_PNG_H
#define NASH_DRAW_PNG_H

#include "core/status.h"

/* The libpng this binary runs with ("1.6.39"). */
const char *png_library_version(void);

/* images (N,C,H,W) with C = 1 (grey) or 3 (RGB), values in [lo, hi] mapped to 0..255 (clamped;
 * NaN is black), laid out `cols` per row (at most N) with a 2-pixel dark grey (64) border around
 * and between tiles; the missing tiles of a partial last row are border colour. The picture is
 * cols*(w+2)+2 by rows*(h+2)+2 pixels, grey for C = 1, RGB for C = 3. */
NashStatus png_write_grid(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                          float hi, NashError *err);

/* The same with every pixel drawn as a scale x scale block (nearest neighbour, scale 1 to 64): 64
 * Fashion-MNIST images are 242 pixels wide at scale 1, 466 at scale 2. */
NashStatus png_write_grid_scaled(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                                 float hi, int scale, NashError *err);

/* The grid of png_write_grid_scaled as pixels (malloc'd, rows top down, c bytes a pixel: grey or
 * RGB), for other encoders (draw/jpeg.h); errors name `path`. */
NashStatus grid_render(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo, float hi,
                       int scale, unsigned char **pixels, int *width, int *height, NashError *err);

/* A size x size scatter plot of 2-D points (N,2) over [-bound, bound]^2 (y up): white background,
 * a light grey frame and axes through 0, `ref` points (N_ref,2; may be NULL with 0) as grey 3x3
 * dots underneath (the real data), `points` as blue 3x3 dots on top. Points outside the bounds
 * (or NaN) are not drawn. size in [16, 32768]. */
NashStatus png_write_scatter(const char *path, const float *points, int n, const float *ref, int n_ref, float bound,
                             int size, NashError *err);

/* An RGB image (H,W,3) uint8 as it is. */
NashStatus png_write_rgb(const char *path, const unsigned char *rgb, int h, int w, NashError *err);

#endif
