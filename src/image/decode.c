/* decode.c — PNG (libpng) and JPEG (libjpeg-turbo) decoding from memory (decode.h).
 *
 * Both libraries report fatal errors through a callback that must not return: it copies the
 * library's message into a box on the caller's stack and longjmps back to the decoder, which frees
 * what it allocated and fails with the message. Pixels are allocated only after the header's
 * width and height passed the max_pixels check.
 */
#include "image/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/exif.h"

static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

ImageFormat image_sniff(const uint8_t *data, size_t size) {
    if (size >= 8 && memcmp(data, png_magic, 8) == 0) return IMAGE_FORMAT_PNG;
    if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return IMAGE_FORMAT_JPEG;
    return IMAGE_FORMAT_UNKNOWN;
}

static NashStatus check_pixels(const char *name, const char *what, uint64_t w, uint64_t h, int64_t max_pixels,
                               NashError *err) {
    if (w == 0 || h == 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: %s of %llux%llu pixels: nothing to import", name, what,
                         (unsigned long long)w, (unsigned long long)h);
    if (w > INT32_MAX || h > INT32_MAX || w * h > (uint64_t)max_pixels)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: %s of %llux%llu = %llu pixels, more than the limit of %lld; shrink it first, or raise "
                         "--max-pixels if it is meant",
                         name, what, (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                         (long long)max_pixels);
    return NASH_OK;
}

/* ---- PNG ---------------------------------------------------------------------------------------- */

typedef struct {
    jmp_buf jump;
    char msg[200];
    const uint8_t *data;
    size_t size, at;
} PngBox;

static void png_on_error(png_structp png, png_const_charp msg) {
    PngBox *box = png_get_error_ptr(png);
    snprintf(box->msg, sizeof box->msg, "%s", msg);
    longjmp(box->jump, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

static void png_from_memory(png_structp png, png_bytep out, png_size_t n) {
    PngBox *box = png_get_io_ptr(png);
    if (n > box->size - box->at) png_error(png, "the file ends early (truncated)");
    memcpy(out, box->data + box->at, n);
    box->at += n;
}

static NashStatus decode_png(const uint8_t *data, size_t size, const char *name, int64_t max_pixels, Image *out,
                             NashError *err) {
    PngBox box = {.data = data, .size = size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &box, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for libpng", name);
    }
    /* volatile: changed between setjmp and a longjmp back to it */
    png_bytep *volatile rows = NULL;
    uint8_t *volatile pixels = NULL;
    if (setjmp(box.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        free(pixels);
        return nash_fail(err, NASH_ERR_DATA, "%s: truncated or corrupt PNG (libpng: %s); re-export or remove the file",
                         name, box.msg);
    }
    png_set_read_fn(png, &box, png_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, colour, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &colour, &interlace, NULL, NULL);
    NashStatus st = check_pixels(name, "a PNG", w, h, max_pixels, err);
    if (st != NASH_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return st;
    }
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t stride = (size_t)w * (size_t)channels;
    if (channels < 1 || channels > 4 || png_get_rowbytes(png, info) != stride) png_error(png, "unexpected row layout");
    pixels = malloc(stride * h);
    rows = malloc(h * sizeof *rows);
    if (!pixels || !rows) png_error(png, "out of memory for the pixels");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *out = (Image){.w = (int)w, .h = (int)h, .channels = channels, .px = pixels};
    return NASH_OK;
}

/* ---- JPEG --------------------------------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr mgr; /* first: libjpeg's callbacks get a pointer to it */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX + 32];
} JpegBox;

static void jpeg_on_error(j_common_ptr cinfo) {
    JpegBox *box = (JpegBox *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, box->msg);
    longjmp(box->jump, 1);
}

/* Warnings that mean the picture is damaged (the data ends early, a segment is cut short) stop
 * the decode; libjpeg would fill the rest with grey. Extraneous bytes between segments do not. */
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; /* trace messages */
    if (cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
    jpeg_on_error(cinfo);
}

static NashStatus decode_jpeg(const uint8_t *data, size_t size, const char *name, int64_t max_pixels, Image *out,
                              NashError *err) {
    struct jpeg_decompress_struct cinfo;
    JpegBox box;
    cinfo.err = jpeg_std_error(&box.mgr);
    box.mgr.error_exit = jpeg_on_error;
    box.mgr.emit_message = jpeg_on_message;
    uint8_t *volatile pixels = NULL;
    if (setjmp(box.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: truncated or corrupt JPEG (libjpeg: %s); re-export or remove the file", name, box.msg);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&cinfo, TRUE);
    NashStatus st = check_pixels(name, "a JPEG", cinfo.image_width, cinfo.image_height, max_pixels, err);
    if (st == NASH_OK && (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK))
        st =
            nash_fail(err, NASH_ERR_DATA, "%s: a CMYK JPEG, which nash does not import; convert it to RGB first", name);
    if (st != NASH_OK) {
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    int orientation = 1;
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && orientation == 1) orientation = exif_orientation(m->data, m->data_length);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int channels = cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * (size_t)channels;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        snprintf(box.msg, sizeof box.msg, "out of memory for the pixels");
        longjmp(box.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    Image im = {.w = (int)cinfo.output_width, .h = (int)cinfo.output_height, .channels = channels, .px = pixels};
    jpeg_destroy_decompress(&cinfo);
    if (!image_orient(&im, orientation)) {
        image_free(&im);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory turning the picture upright", name);
    }
    *out = im;
    return NASH_OK;
}

/* ---- files -------------------------------------------------------------------------------------- */

NashStatus image_decode_memory(const uint8_t *data, size_t size, const char *name, int64_t max_pixels, Image *out,
                               NashError *err) {
    *out = (Image){0};
    if (size == 0) return nash_fail(err, NASH_ERR_DATA, "%s: 0 bytes: the file is empty; remove it", name);
    switch (image_sniff(data, size)) {
    case IMAGE_FORMAT_PNG: return decode_png(data, size, name, max_pixels, out, err);
    case IMAGE_FORMAT_JPEG: return decode_jpeg(data, size, name, max_pixels, out, err);
    default: break;
    }
    char head[3 * 8 + 1] = "";
    for (size_t i = 0; i < size && i < 8; i++) snprintf(head + 3 * i, sizeof head - 3 * i, "%02x ", data[i]);
    if (head[0]) head[strlen(head) - 1] = '\0';
    return nash_fail(err, NASH_ERR_DATA,
                     "%s: not a PNG or JPEG file (it starts with bytes %s); convert it to PNG, or remove it", name,
                     head);
}

NashStatus image_decode_file(const char *path, int64_t max_pixels, Image *out, NashError *err) {
    *out = (Image){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s%s", path, strerror(e),
                         e == ELOOP    ? " (a symbolic link loop)"
                         : e == EACCES ? "; check its permissions"
                                       : "");
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return nash_fail(err, NASH_ERR_IO, "%s: not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *data = malloc(size ? size : 1);
    if (!data) {
        close(fd);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for its %zu bytes", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            free(data);
            return nash_fail(err, NASH_ERR_IO, "%s: cannot read: %s", path, strerror(e));
        }
        got += (size_t)n;
    }
    close(fd);
    NashStatus st = image_decode_memory(data, size, path, max_pixels, out, err);
    free(data);
    return st;
}
