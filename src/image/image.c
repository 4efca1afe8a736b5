/* image.c — the pixel operations of image.h other than resampling (resize.c). */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

bool image_alloc(Image *im, int w, int h, int channels) {
    im->w = w, im->h = h, im->channels = channels;
    im->px = malloc((size_t)w * (size_t)h * (size_t)channels);
    return im->px != NULL;
}

void image_free(Image *im) {
    free(im->px);
    im->px = NULL;
    im->w = im->h = im->channels = 0;
}

static uint8_t over_white(uint8_t c, uint8_t a) {
    return (uint8_t)(((unsigned)c * a + 255u * (255u - a) + 127u) / 255u);
}

static uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
    return (uint8_t)(((uint32_t)r * 19595u + (uint32_t)g * 38470u + (uint32_t)b * 7471u + 0x8000u) >> 16);
}

bool image_to_channels(Image *im, int channels) {
    if (im->channels == channels) return true;
    Image out;
    if (!image_alloc(&out, im->w, im->h, channels)) return false;
    size_t n = (size_t)im->w * (size_t)im->h;
    const uint8_t *s = im->px;
    uint8_t *d = out.px;
    for (size_t i = 0; i < n; i++, s += im->channels, d += channels) {
        uint8_t r, g, b;
        if (im->channels <= 2) {
            r = g = b = im->channels == 2 ? over_white(s[0], s[1]) : s[0];
        } else if (im->channels == 4) {
            r = over_white(s[0], s[3]), g = over_white(s[1], s[3]), b = over_white(s[2], s[3]);
        } else {
            r = s[0], g = s[1], b = s[2];
        }
        if (channels == 1) {
            d[0] = im->channels <= 2 ? r : luma(r, g, b);
        } else {
            d[0] = r, d[1] = g, d[2] = b;
        }
    }
    image_free(im);
    *im = out;
    return true;
}

bool image_orient(Image *im, int orientation) {
    if (orientation < 2 || orientation > 8) return true;
    int W = im->w, H = im->h, c = im->channels;
    bool swap = orientation >= 5; /* transpose, rotations by 90 and transverse swap the sides */
    Image out;
    if (!image_alloc(&out, swap ? H : W, swap ? W : H, c)) return false;
    for (int y = 0; y < out.h; y++) {
        for (int x = 0; x < out.w; x++) {
            int sx, sy; /* the source pixel of output pixel (x, y) */
            switch (orientation) {
            case 2: sx = W - 1 - x, sy = y; break;
            case 3: sx = W - 1 - x, sy = H - 1 - y; break;
            case 4: sx = x, sy = H - 1 - y; break;
            case 5: sx = y, sy = x; break;
            case 6: sx = y, sy = H - 1 - x; break;
            case 7: sx = W - 1 - y, sy = H - 1 - x; break;
            default: sx = W - 1 - y, sy = x; break; /* 8 */
            }
            memcpy(out.px + ((size_t)y * (size_t)out.w + (size_t)x) * (size_t)c,
                   im->px + ((size_t)sy * (size_t)W + (size_t)sx) * (size_t)c, (size_t)c);
        }
    }
    image_free(im);
    *im = out;
    return true;
}

/* Python's round(v / 2) for an integer v >= 0: halves go to the even neighbour. */
static int half_to_even(int v) {
    int q = v / 2;
    return (v % 2 == 1 && q % 2 == 1) ? q + 1 : q;
}

bool image_fit(Image *im, int size, bool crop) {
    int w = size, h = size;
    if (crop) {
        if (im->w <= im->h) {
            h = (int)((int64_t)size * im->h / im->w);
        } else {
            w = (int)((int64_t)size * im->w / im->h);
        }
    }
    Image resized;
    if (!image_resize(im, w, h, &resized)) return false;
    image_free(im);
    *im = resized;
    if (w == size && h == size) return true;
    int top = half_to_even(h - size), left = half_to_even(w - size), c = im->channels;
    Image out;
    if (!image_alloc(&out, size, size, c)) return false;
    for (int y = 0; y < size; y++)
        memcpy(out.px + (size_t)y * (size_t)size * (size_t)c,
               im->px + ((size_t)(y + top) * (size_t)im->w + (size_t)left) * (size_t)c, (size_t)size * (size_t)c);
    image_free(im);
    *im = out;
    return true;
}
