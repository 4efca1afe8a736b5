/* jpeg.c — JPEG grids with libjpeg (jpeg.h). libjpeg reports errors through a longjmp from its
 * error_exit hook; nothing of ours is live across it but the file, which the hook's caller drops. */
#include "draw/jpeg.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#include "draw/picture.h"
#include "draw/png.h"

const char *jpeg_library_version(char *buf, int size) {
#ifdef LIBJPEG_TURBO_VERSION
#define NASH_STR2(x) #x
#define NASH_STR(x) NASH_STR2(x)
    snprintf(buf, (size_t)size, "libjpeg %d, libjpeg-turbo %s", JPEG_LIB_VERSION, NASH_STR(LIBJPEG_TURBO_VERSION));
#else
    snprintf(buf, (size_t)size, "libjpeg %d", JPEG_LIB_VERSION);
#endif
    return buf;
}

typedef struct {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} JpegError;

static void jpeg_on_error(j_common_ptr cinfo) {
    JpegError *e = (JpegError *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jump, 1);
}

/* Encode into f; false (with msg) on a libjpeg error. */
static bool encode(FILE *f, const Picture *p, char *msg, size_t size) {
    const unsigned char *pixels = p->pixels;
    int w = p->w, h = p->h, c = p->channels, quality = p->quality;
    JpegError box = {.msg = ""}, *e = &box;
    struct jpeg_compress_struct cinfo;
    cinfo.err = jpeg_std_error(&e->mgr);
    e->mgr.error_exit = jpeg_on_error;
    if (setjmp(e->jump)) {
        jpeg_destroy_compress(&cinfo);
        snprintf(msg, size, "%s", e->msg);
        return false;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)w;
    cinfo.image_height = (JDIMENSION)h;
    cinfo.input_components = c;
    cinfo.in_color_space = c == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    for (int i = 0; i < cinfo.num_components; i++)
        cinfo.comp_info[i].h_samp_factor = cinfo.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)w * (size_t)c);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return true;
}

NashStatus jpeg_write_grid(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                           float hi, int scale, int quality, NashError *err) {
    if (quality < 1 || quality > 100)
        return nash_fail(err, NASH_ERR_INVALID, "%s: JPEG quality %d is not 1 to 100", path, quality);
    unsigned char *pixels;
    int W, H;
    NashStatus st = grid_render(path, images, n, c, h, w, cols, lo, hi, scale, &pixels, &W, &H, err);
    if (st) return st;
    Picture p = {.pixels = pixels, .w = W, .h = H, .channels = c, .quality = quality};
    st = picture_save(path, "JPEG", encode, &p, err);
    free(pixels);
    return st;
}
