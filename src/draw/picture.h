/* picture.h — a rendered picture and the one way the encoders write it (private to draw/): to a
 * temporary name, fsynced and renamed (core/atomic.h), so a reader never sees half a file, and on
 * any error nothing is left but the message naming the path. */
#ifndef NASH_DRAW_PICTURE_H
#define NASH_DRAW_PICTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

typedef struct {
    const unsigned char *pixels; /* rows top down, `channels` bytes a pixel (1 grey, 3 RGB) */
    int w, h, channels;
    int quality; /* lossy encoders (JPEG): 1 to 100 */
} Picture;

/* Encode p into f; false with a reason in msg on failure. */
typedef bool (*PictureEncoder)(FILE *f, const Picture *p, char *msg, size_t size);

/* Encode p to path as `format` ("PNG", "JPEG", named in errors). */
NashStatus picture_save(const char *path, const char *format, PictureEncoder encode, const Picture *p, NashError *err);

#endif
