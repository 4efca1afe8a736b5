/* image.c — read a PNG back as RGB for the tests (image.h). */
#include "image.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

unsigned char *test_read_png(const char *path, int *w, int *h) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        check_true(false, "%s: libpng cannot read it: %s", path, img.message);
        return NULL;
    }
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        check_true(false, "%s: libpng cannot decode it: %s", path, img.message);
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}
