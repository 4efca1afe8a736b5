/* decode.h — PNG and JPEG files to 8-bit pixels (image.h), with clear reasons for bad files.
 *
 * The format comes from the file's first bytes, not its name. PNG (libpng): grey, grey + alpha,
 * RGB, RGBA, palette (expanded; a tRNS chunk becomes alpha), 1- to 16-bit samples (16-bit samples
 * keep their high byte, as Pillow reads 16-bit RGB), interlaced or not. JPEG (libjpeg-turbo, its
 * default accurate integer IDCT and fancy upsampling, as Pillow decodes): grey or YCbCr/RGB, with
 * the EXIF orientation of an APP1 segment applied (exif.h); CMYK JPEGs are refused. A file that
 * ends early or whose data is damaged is refused (libjpeg's "premature end" warning counts as an
 * error: Pillow refuses such files too), as is a picture of more than max_pixels pixels, before its
 * pixels are decoded.
 */
#ifndef NASH_IMAGE_DECODE_H
#define NASH_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "image/image.h"

/* Pillow's decompression-bomb limit (2 * Image.MAX_IMAGE_PIXELS): above it Pillow refuses too. */
#define IMAGE_MAX_PIXELS_DEFAULT 178956970LL

typedef enum { IMAGE_FORMAT_UNKNOWN, IMAGE_FORMAT_PNG, IMAGE_FORMAT_JPEG } ImageFormat;

/* The format the first bytes say. */
ImageFormat image_sniff(const uint8_t *data, size_t size);

/* Decode data (size bytes) into *out. On failure the message starts with `name` and says what is
 * wrong with the file ("truncated or corrupt PNG (libpng: ...)", "0 bytes: the file is empty").
 * NASH_ERR_DATA for a bad file, NASH_ERR_NOMEM when the pixels do not fit in memory. */
NashStatus image_decode_memory(const uint8_t *data, size_t size, const char *name, int64_t max_pixels, Image *out,
                               NashError *err);

/* Read the file at path and decode it (NASH_ERR_IO when it cannot be read). */
NashStatus image_decode_file(const char *path, int64_t max_pixels, Image *out, NashError *err);

#endif
