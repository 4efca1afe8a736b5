/* bench_relayout.c — NCHW float32 to oneDNN's nChw16c (float32 and bf16) and NHWC (bf16), and
 * back from both in float32: nash's relayout (nn/relayout.h) against oneDNN's reorder primitive
 * between the same layouts, at the activation shapes of the two benchmark workloads (batch 64).
 * Prints one markdown table of microseconds per call and ns per value, best of 3. A benchmark,
 * not a test. oneDNN runs on one OpenMP thread, as under nash (conv_onednn.c gives it as many as
 * OpenBLAS has, one by default); left to OpenMP's default it takes every core, and on 2 cores
 * ran up to 3.5x faster than that.
 *
 *     build/tests/bench/bench_relayout [seconds per figure, default 0.3]
 */
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "nn/relayout.h"

typedef struct {
    const char *where;
    int n, c, h, w;
} Case;

static const Case cases[] = {
    {"DCGAN D conv2 input, G deconv1 output", 64, 64, 14, 14},
    {"DCGAN D conv2 output, G deconv1 input", 64, 128, 7, 7},
    {"SNGAN 32x32 blocks", 64, 32, 32, 32},
    {"SNGAN 16x16 blocks", 64, 32, 16, 16},
};

typedef enum { TO_F32, TO_BF16, FROM_F32 } Direction;

/* What conv_onednn.c converts: into bf16 and out of float32 in both layouts, and (oneDNN's reorder
 * doing it there) into float32 nChw16c. */
static const struct {
    RelayoutKind kind;
    dnnl_format_tag_t tag;
    Direction d;
    const char *name;
} WAYS[] = {{RELAYOUT_NCHW16C, dnnl_aBcd16b, TO_F32, "to nChw16c f32"},
            {RELAYOUT_NCHW16C, dnnl_aBcd16b, TO_BF16, "to nChw16c bf16"},
            {RELAYOUT_NCHW16C, dnnl_aBcd16b, FROM_F32, "from nChw16c f32"},
            {RELAYOUT_NHWC, dnnl_acdb, TO_BF16, "to NHWC bf16"},
            {RELAYOUT_NHWC, dnnl_acdb, FROM_F32, "from NHWC f32"}};

typedef struct {
    const Case *c;
    RelayoutKind kind;
    Direction d;
    const float *x;
    void *out;
    dnnl_primitive_t prim;
    dnnl_memory_t from, to;
    dnnl_stream_t stream;
} Job;

static void run_nash(void *arg) {
    Job *j = arg;
    size_t pixels = (size_t)j->c->h * (size_t)j->c->w;
    switch (j->d) {
    case TO_F32: relayout_to(j->kind, j->x, j->c->n, j->c->c, pixels, j->out); break;
    case TO_BF16: relayout_to_bf16(j->kind, j->x, j->c->n, j->c->c, pixels, j->out); break;
    case FROM_F32: relayout_from(j->kind, j->x, j->c->n, j->c->c, pixels, j->out); break;
    }
}

static void run_onednn(void *arg) {
    Job *j = arg;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, j->from}, {DNNL_ARG_TO, j->to}};
    dnnl_primitive_execute(j->prim, j->stream, 2, args);
    dnnl_stream_wait(j->stream);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    omp_set_num_threads(1);
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) || dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)) {
        fprintf(stderr, "bench_relayout: no oneDNN CPU engine\n");
        return 1;
    }
    printf("nash relayout: %s path\n\n", relayout_vectorised() ? "AVX-512" : "plain-loop");
    printf("| shape | where | direction | nash µs | oneDNN µs | nash ns/value | oneDNN ns/value | oneDNN / nash |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const Case *c = &cases[i];
        size_t count = (size_t)c->n * (size_t)c->c * (size_t)c->h * (size_t)c->w;
        size_t blocked = (size_t)c->n * (size_t)((c->c + 15) / 16 * 16) * (size_t)c->h * (size_t)c->w;
        float *x = malloc(sizeof(float) * (blocked > count ? blocked : count));
        float *out = malloc(sizeof(float) * (blocked > count ? blocked : count));
        for (size_t k = 0; k < blocked || k < count; k++) x[k] = (float)((k * 2654435761u) % 1000) * 1e-3f - 0.5f;
        for (size_t w = 0; w < sizeof WAYS / sizeof WAYS[0]; w++) {
            Direction d = WAYS[w].d;
            dnnl_dims_t dims = {c->n, c->c, c->h, c->w};
            dnnl_memory_desc_t a, b;
            bool to = d != FROM_F32;
            dnnl_memory_desc_init_by_tag(&a, 4, dims, dnnl_f32, to ? dnnl_nchw : WAYS[w].tag);
            dnnl_memory_desc_init_by_tag(&b, 4, dims, d == TO_BF16 ? dnnl_bf16 : dnnl_f32,
                                         to ? WAYS[w].tag : dnnl_nchw);
            dnnl_primitive_desc_t pd;
            Job j = {.c = c, .kind = WAYS[w].kind, .d = d, .x = x, .out = out, .stream = stream};
            if (dnnl_reorder_primitive_desc_create(&pd, &a, engine, &b, engine, NULL) ||
                dnnl_primitive_create(&j.prim, pd) || dnnl_memory_create(&j.from, &a, engine, x) ||
                dnnl_memory_create(&j.to, &b, engine, out)) {
                fprintf(stderr, "bench_relayout: oneDNN cannot reorder %s\n", WAYS[w].name);
                return 1;
            }
            dnnl_primitive_desc_destroy(pd);
            double tn = bench_seconds_per_call(run_nash, &j, seconds);
            double to_ = bench_seconds_per_call(run_onednn, &j, seconds);
            printf("| %dx%dx%dx%d | %s | %s | %.0f | %.0f | %.2f | %.2f | %.2fx |\n", c->n, c->c, c->h, c->w, c->where,
                   WAYS[w].name, 1e6 * tn, 1e6 * to_, 1e9 * tn / (double)count, 1e9 * to_ / (double)count, to_ / tn);
            dnnl_memory_destroy(j.from);
            dnnl_memory_destroy(j.to);
            dnnl_primitive_destroy(j.prim);
        }
        free(x), free(out);
    }
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return 0;
}
