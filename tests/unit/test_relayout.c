/* test_relayout.c — NCHW to and from nChw16c and NHWC (nn/relayout.h), bit for bit against the
 * plain loops and against oneDNN's own reorders between the same layouts, which are what
 * conv_onednn.c would run otherwise. Shapes cover whole and partial channel blocks (3, 20, 40
 * channels), with one and several samples, and pixel counts that are and are not multiples of 16
 * (the DCGAN's 7x7 and 14x14 among them). No call writes past its output's end, and the way back
 * ignores what nChw16c's padding lanes hold. The bf16 conversion meets values with something to
 * get wrong: ties to even both ways, the largest float (which rounds to infinity), infinities,
 * quiet and signalling NaNs of both signs, and subnormals (which oneDNN's conversion and
 * vcvtneps2bf16 flush to a signed zero).
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/conv_onednn.h"
#include "nn/relayout.h"

typedef struct {
    int n, c, h, w;
} Shape4;

static const Shape4 shapes[] = {
    {2, 16, 7, 7}, {3, 32, 14, 14}, {1, 20, 1, 7}, {2, 3, 4, 4},  {1, 40, 1, 1},
    {2, 64, 3, 11}, {1, 16, 32, 32}, {2, 3, 7, 7},  {2, 20, 5, 5}, {3, 40, 3, 11},
};

/* Values past each output's end, filled with a marker that no call may touch. */
enum { TAIL = 32 };
static void mark_tail(void *end, size_t width) { memset(end, 0x5a, TAIL * width); }
static bool tail_intact(const void *end, size_t width) {
    const unsigned char *t = end;
    for (size_t i = 0; i < TAIL * width; i++)
        if (t[i] != 0x5a) return false;
    return true;
}

static const uint32_t SPECIAL[] = {
    0x3f808000u,              /* 1 + 2^-8: a tie, rounds down to even 0x3f80 */
    0x3f818000u,              /* a tie that rounds up to even 0x3f82 */
    0x3f808001u,              /* just above a tie: up */
    0x7f7fffffu,              /* the largest float: to infinity */
    0x7f800000u, 0xff800000u, /* infinities */
    0x7fc00000u, 0xffc00001u, /* quiet NaNs */
    0x7f800001u, 0xff810000u, /* signalling NaNs: quiet, their sign kept */
    0x00000001u, 0x807fffffu, /* subnormals: signed zeros */
    0x00800000u, 0x80000000u, /* the smallest normal, negative zero */
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

/* oneDNN's reorder of x (dims, from layout to layout and type) into out. */
static bool onednn_reorder(const Shape4 *s, dnnl_data_type_t from_type, dnnl_format_tag_t from, const void *x,
                           dnnl_data_type_t to_type, dnnl_format_tag_t to, void *out) {
    dnnl_dims_t dims = {s->n, s->c, s->h, s->w};
    dnnl_memory_desc_t a, b;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t ma = NULL, mb = NULL;
    bool ok = !dnnl_memory_desc_init_by_tag(&a, 4, dims, from_type, from) &&
              !dnnl_memory_desc_init_by_tag(&b, 4, dims, to_type, to) &&
              !dnnl_reorder_primitive_desc_create(&pd, &a, engine, &b, engine, NULL) &&
              !dnnl_primitive_create(&prim, pd) && !dnnl_memory_create(&ma, &a, engine, (void *)x) &&
              !dnnl_memory_create(&mb, &b, engine, out);
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, ma}, {DNNL_ARG_TO, mb}};
        ok = !dnnl_primitive_execute(prim, stream, 2, args) && !dnnl_stream_wait(stream);
    }
    if (ma) dnnl_memory_destroy(ma);
    if (mb) dnnl_memory_destroy(mb);
    if (prim) dnnl_primitive_destroy(prim);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return ok;
}

static const struct {
    RelayoutKind kind;
    dnnl_format_tag_t tag;
    const char *name;
} KINDS[] = {{RELAYOUT_NCHW16C, dnnl_aBcd16b, "nChw16c"}, {RELAYOUT_NHWC, dnnl_acdb, "NHWC"}};

static void test_shape(const Shape4 *s, int index, int k) {
    RelayoutKind kind = KINDS[k].kind;
    const char *name = KINDS[k].name;
    size_t pixels = (size_t)s->h * (size_t)s->w, count = (size_t)s->n * (size_t)s->c * pixels;
    size_t laid = relayout_size(kind, s->n, s->c, pixels);
    check_true(laid == (kind == RELAYOUT_NHWC ? count : (size_t)s->n * (size_t)((s->c + 15) / 16) * 16 * pixels),
               "%dx%dx%dx%d: %zu values in %s", s->n, s->c, s->h, s->w, laid, name);
    float *x = malloc(sizeof(float) * count), *y = malloc(sizeof(float) * (count + TAIL));
    float *y_ref = malloc(sizeof(float) * count), *y_dnnl = malloc(sizeof(float) * count);
    float *b = malloc(sizeof(float) * (laid + TAIL)), *b_ref = malloc(sizeof(float) * laid);
    float *b_in = malloc(sizeof(float) * laid), *b_dnnl = malloc(sizeof(float) * laid);
    uint16_t *h = malloc(sizeof(uint16_t) * (laid + TAIL)), *h_ref = malloc(sizeof(uint16_t) * laid);
    uint16_t *h_dnnl = malloc(sizeof(uint16_t) * laid);
    fill_uniform(x, count, -3.0f, 3.0f, 40 + (unsigned long long)index);
    for (size_t i = 0; i < sizeof SPECIAL / sizeof SPECIAL[0] && i < count; i++)
        memcpy(&x[(i * 7919) % count], &SPECIAL[i], sizeof(float));
    char what[96];
    snprintf(what, sizeof what, "%dx%dx%dx%d %s", s->n, s->c, s->h, s->w, name);

    /* the padding of the last channel block must be written as zeros: start from garbage, in
     * both the fast and the plain loops' outputs */
    memset(b, 0x7f, sizeof(float) * laid), memset(b_ref, 0x7e, sizeof(float) * laid);
    memset(h, 0x7f, sizeof(uint16_t) * laid), memset(h_ref, 0x7e, sizeof(uint16_t) * laid);
    mark_tail(b + laid, sizeof *b), mark_tail(h + laid, sizeof *h), mark_tail(y + count, sizeof *y);
    relayout_to(kind, x, s->n, s->c, pixels, b);
    relayout_to_naive(kind, x, s->n, s->c, pixels, b_ref);
    relayout_to_bf16(kind, x, s->n, s->c, pixels, h);
    relayout_to_bf16_naive(kind, x, s->n, s->c, pixels, h_ref);
    /* the way back reads nChw16c with a NaN in every padding lane */
    memcpy(b_in, b_ref, sizeof(float) * laid);
    int blocks = (s->c + 15) / 16, used = s->c - (blocks - 1) * 16;
    const uint32_t junk = 0x7fc01234u;
    if (kind == RELAYOUT_NCHW16C)
        for (int smp = 0; smp < s->n; smp++)
            for (size_t p = 0; p < pixels; p++)
                for (int lane = used; lane < 16; lane++)
                    memcpy(&b_in[(((size_t)smp * (size_t)blocks + (size_t)blocks - 1) * pixels + p) * 16 + (size_t)lane],
                           &junk, sizeof junk);
    relayout_from(kind, b_in, s->n, s->c, pixels, y);
    relayout_from_naive(kind, b_in, s->n, s->c, pixels, y_ref);
    check_true(tail_intact(b + laid, sizeof *b) && tail_intact(h + laid, sizeof *h) && tail_intact(y + count, sizeof *y),
               "%s: nothing written past the outputs' ends", what);
    check_true(!memcmp(b, b_ref, sizeof(float) * laid), "%s: to == the plain loops", what);
    check_true(!memcmp(h, h_ref, sizeof(uint16_t) * laid), "%s: to bf16 == the plain loops", what);
    check_true(!memcmp(y, y_ref, sizeof(float) * count), "%s: from == the plain loops", what);
    check_true(!memcmp(y, x, sizeof(float) * count), "%s: there and back gives x again", what);

    bool ran = onednn_reorder(s, dnnl_f32, dnnl_nchw, x, dnnl_f32, KINDS[k].tag, b_dnnl) &&
               onednn_reorder(s, dnnl_f32, dnnl_nchw, x, dnnl_bf16, KINDS[k].tag, h_dnnl) &&
               onednn_reorder(s, dnnl_f32, KINDS[k].tag, b_in, dnnl_f32, dnnl_nchw, y_dnnl);
    if (check_true(ran, "%s: oneDNN's reorders run", what)) {
        check_true(!memcmp(b, b_dnnl, sizeof(float) * laid), "%s: to == oneDNN's reorder", what);
        check_true(!memcmp(y, y_dnnl, sizeof(float) * count), "%s: from == oneDNN's reorder", what);
        /* oneDNN converts to bf16 in hardware only where the CPU has it */
        if (conv_bf16_supported())
            check_true(!memcmp(h, h_dnnl, sizeof(uint16_t) * laid), "%s: to bf16 == oneDNN's reorder", what);
    }
    free(x), free(y), free(y_ref), free(y_dnnl), free(b), free(b_ref), free(b_in), free(b_dnnl), free(h), free(h_ref);
    free(h_dnnl);
}

int main(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) || dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)) {
        check_true(false, "oneDNN's CPU engine and stream");
        return check_finish("relayout");
    }
    printf("relayout: %s path, bf16 %s path\n", relayout_vectorised() ? "AVX-512" : "plain-loop",
           relayout_bf16_vectorised() ? "AVX512_BF16" : "plain-loop");
    for (int i = 0; i < (int)(sizeof shapes / sizeof shapes[0]); i++)
        for (int k = 0; k < (int)(sizeof KINDS / sizeof KINDS[0]); k++) test_shape(&shapes[i], i, k);
    /* the scalar conversion on the values spelled out */
    const struct {
        uint32_t in;
        uint16_t out;
    } cases[] = {{0x3f808000u, 0x3f80}, {0x3f818000u, 0x3f82}, {0x3f808001u, 0x3f81}, {0x7f7fffffu, 0x7f80},
                 {0xff800000u, 0xff80}, {0x7f800001u, 0x7fc0}, {0xff810000u, 0xffc1}, {0x00000001u, 0x0000},
                 {0x807fffffu, 0x8000}, {0x00800000u, 0x0080}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float f;
        memcpy(&f, &cases[i].in, sizeof f);
        check_true(relayout_bf16(f) == cases[i].out, "bf16 of 0x%08x is 0x%04x (got 0x%04x)", cases[i].in, cases[i].out,
                   relayout_bf16(f));
    }
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return check_finish("relayout");
}
