/* jpeg.h — sample grids as JPEG files, written with libjpeg(-turbo): the same picture as
 * png_write_grid_scaled (draw/png.h), for sharing where PNG is unwelcome. Written to a temporary
 * name and renamed (core/atomic.h), as the PNGs are. */
#ifndef NASH_DRAW_JPEG_H
#define NASH_DRAW_JPEG_H

#include "core/status.h"

/* The libjpeg this binary was built with ("libjpeg 62, libjpeg-turbo 2.1.5"). */
const char *jpeg_library_version(char *buf, int size);

/* A grid of images (N,C,H,W), C = 1 or 3, values in [lo, hi], as JPEG at `quality` (1 to 100;
 * 4:4:4, no chroma subsampling: the tiles are small). */
NashStatus jpeg_write_grid(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                           float hi, int scale, int quality, NashError *err);

#endif
