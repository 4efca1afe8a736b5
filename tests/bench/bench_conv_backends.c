/* bench_conv_backends.c — the SNGAN ResNet's convolutions (configs/sngan-resnet32.ini, batch 64) on
 * nash's im2col + OpenBLAS layer and on oneDNN's convolution primitives, one thread each. A
 * benchmark, not a test: it prints figures (docs/benchmarks.md, "Convolution backends").
 *
 *     build/tests/bench/bench_conv_backends [seconds per measurement, default 0.5]
 *
 * For each shape, ms per call of the forward pass and
 * of the backward pass (input gradient and weight gradient together, as nash's conv2d_backward
 * does them):
 *   nash           conv2d_forward / conv2d_backward (src/nn/conv2d.c) on the im2col path (the
 *                  program sets it: under NASH_CONV=auto these shapes would go to oneDNN), NCHW;
 *   dnnl_nchw      oneDNN with nash's own layouts (NCHW activations, OIHW weights): a drop-in;
 *   dnnl_blocked   oneDNN with the layouts it prefers (format "any": blocked, e.g. nChw16c), the
 *                  reorders to and from NCHW left out — what a backend keeping its activations
 *                  blocked between layers would pay;
 *   dnnl_bf16      the same with bf16 activations and weights, float32 weight gradient;
 *   *_reorders     the same with the reorders from and to nash's float32 NCHW/OIHW tensors timed
 *                  in (forward: input and weights in, output out; backward: output gradient in,
 *                  input and weight gradients out; the blocked input and weights kept from the
 *                  forward pass) — a drop-in layer that converts at its own boundaries.
 * Each pass gets its operands in the layouts its own primitive asks for: where the backward passes
 * want the weights, input or output gradient in another layout than the forward pass holds, the
 * reorder into it is timed in the backward figure (marked +weights-reorder etc. on the line).
 * The implementation oneDNN chose is printed (its impl info string). One line per measurement:
 *     conv BACKEND SHAPE FORWARD_MS BACKWARD_MS IMPL_FWD IMPL_BWD_DATA IMPL_BWD_WEIGHTS
 */
#include "bench_util.h"
#include "nn/conv2d.h"
#include "nn/conv_onednn.h"
#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int cin, cout, hw, k, pad; /* stride 1, square images */
} BenchShape;

/* The ResNet's convolutions, as its layer lines give them (G's blocks upsample to 8, 16, 32; D's
 * blocks pool from 32 to 16 to 8). */
static const BenchShape SHAPES[] = {
    {"g_3x3_32c_8", 32, 32, 8, 3, 1},   {"g_3x3_32c_16", 32, 32, 16, 3, 1},   {"g_3x3_32c_32", 32, 32, 32, 3, 1},
    {"g_1x1_32c_32", 32, 32, 32, 1, 0}, {"g_out_3x3_3c_32", 32, 3, 32, 3, 1}, {"d_in_3x3_3c_32", 3, 32, 32, 3, 1},
};
enum { BATCH = 64 };

static void check(dnnl_status_t st, const char *what) {
    if (st != dnnl_success) {
        fprintf(stderr, "bench_conv_backends: %s failed (oneDNN status %d)\n", what, (int)st);
        exit(1);
    }
}

static float *random_floats(size_t n) {
    float *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "bench_conv_backends: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return x;
}

/* ms per call (bench_seconds_per_call). */
static double time_ms(void (*f)(void *), void *arg, double seconds) {
    return 1e3 * bench_seconds_per_call(f, arg, seconds);
}

/* nash's layer */
typedef struct {
    Conv2d l;
    float *x, *y, *dy, *dx, *work;
} NashConv;

static void nash_fwd(void *p) {
    NashConv *c = p;
    conv2d_forward(&c->l, c->x, c->y, BATCH, c->work);
}
static void nash_bwd(void *p) {
    NashConv *c = p;
    conv2d_backward(&c->l, c->x, c->dy, c->dx, BATCH, true, c->work);
}

static void bench_nash(const BenchShape *s, double seconds) {
    NashConv c = {.l = {.cin = s->cin,
                        .cout = s->cout,
                        .kh = s->k,
                        .kw = s->k,
                        .sh = 1,
                        .sw = 1,
                        .ph = s->pad,
                        .pw = s->pad,
                        .h = s->hw,
                        .w = s->hw,
                        .ho = s->hw,
                        .wo = s->hw,
                        .has_bias = true}};
    size_t nw = (size_t)s->cout * s->cin * s->k * s->k, nx = (size_t)BATCH * s->cin * s->hw * s->hw,
           ny = (size_t)BATCH * s->cout * s->hw * s->hw;
    c.l.weight = random_floats(nw), c.l.bias = random_floats(s->cout);
    c.l.dweight = random_floats(nw), c.l.dbias = random_floats(s->cout);
    c.x = random_floats(nx), c.dx = random_floats(nx), c.y = random_floats(ny), c.dy = random_floats(ny);
    c.work = random_floats(conv2d_work_floats(&c.l, BATCH) + 1);
    double f = time_ms(nash_fwd, &c, seconds), b = time_ms(nash_bwd, &c, seconds);
    printf("conv nash %s %.3f %.3f im2col+sgemm im2col+sgemm im2col+sgemm\n", s->name, f, b);
    free(c.l.weight), free(c.l.bias), free(c.l.dweight), free(c.l.dbias);
    free(c.x), free(c.dx), free(c.y), free(c.dy), free(c.work);
}

/* oneDNN */
typedef struct {
    dnnl_stream_t stream;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    dnnl_memory_t src, wei, bias, dst, diff_dst, diff_src, diff_wei, diff_bias;
    /* with_reorders: nash's float32 NCHW/OIHW tensors, and the reorders between them and the above */
    int with_reorders;
    dnnl_memory_t n_src, n_wei, n_dst, n_diff_dst, n_diff_src, n_diff_wei;
    dnnl_primitive_t r_src, r_wei, r_dst, r_diff_dst, r_diff_src, r_diff_wei;
    /* Each pass may want its operands in layouts of its own (e.g. the weights OIhw16i16o forward,
     * OIhw16o16i for the input gradient): copies in those layouts and the reorders into them, or
     * NULL where the layout is the one already held. Always timed: a real layer pays them too. */
    dnnl_memory_t wei_bd, ddst_bw, src_bw;
    dnnl_primitive_t r_wei_bd, r_ddst_bw, r_src_bw;
} DnnlConv;

static void dnnl_run(dnnl_primitive_t p, dnnl_stream_t st, int n, const dnnl_exec_arg_t *args) {
    check(dnnl_primitive_execute(p, st, n, args), "execute");
    check(dnnl_stream_wait(st), "stream wait");
}
static void run_reorder(dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to, dnnl_stream_t st) {
    dnnl_exec_arg_t a[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_run(r, st, 2, a);
}
static void dnnl_fwd(void *p) {
    DnnlConv *c = p;
    if (c->with_reorders) {
        run_reorder(c->r_src, c->n_src, c->src, c->stream);
        run_reorder(c->r_wei, c->n_wei, c->wei, c->stream);
    }
    dnnl_exec_arg_t a[] = {
        {DNNL_ARG_SRC, c->src}, {DNNL_ARG_WEIGHTS, c->wei}, {DNNL_ARG_BIAS, c->bias}, {DNNL_ARG_DST, c->dst}};
    dnnl_run(c->fwd, c->stream, 4, a);
    if (c->with_reorders) run_reorder(c->r_dst, c->dst, c->n_dst, c->stream);
}
static void dnnl_bwd(void *p) {
    DnnlConv *c = p;
    /* the blocked src and weights are kept from the forward pass */
    if (c->with_reorders) run_reorder(c->r_diff_dst, c->n_diff_dst, c->diff_dst, c->stream);
    if (c->r_wei_bd) run_reorder(c->r_wei_bd, c->wei, c->wei_bd, c->stream);
    if (c->r_ddst_bw) run_reorder(c->r_ddst_bw, c->diff_dst, c->ddst_bw, c->stream);
    if (c->r_src_bw) run_reorder(c->r_src_bw, c->src, c->src_bw, c->stream);
    dnnl_exec_arg_t d[] = {{DNNL_ARG_DIFF_DST, c->diff_dst},
                           {DNNL_ARG_WEIGHTS, c->wei_bd ? c->wei_bd : c->wei},
                           {DNNL_ARG_DIFF_SRC, c->diff_src}};
    dnnl_run(c->bwd_data, c->stream, 3, d);
    dnnl_exec_arg_t w[] = {{DNNL_ARG_SRC, c->src_bw ? c->src_bw : c->src},
                           {DNNL_ARG_DIFF_DST, c->ddst_bw ? c->ddst_bw : c->diff_dst},
                           {DNNL_ARG_DIFF_WEIGHTS, c->diff_wei},
                           {DNNL_ARG_DIFF_BIAS, c->diff_bias}};
    dnnl_run(c->bwd_weights, c->stream, 4, w);
    if (c->with_reorders) {
        run_reorder(c->r_diff_src, c->diff_src, c->n_diff_src, c->stream);
        run_reorder(c->r_diff_wei, c->diff_wei, c->n_diff_wei, c->stream);
    }
}

static const char *impl_name(const_dnnl_primitive_desc_t pd) {
    const char *s = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s);
    return s;
}

/* A memory object of a descriptor, filled with small random values. */
static dnnl_memory_t memory_of(const dnnl_memory_desc_t *md, dnnl_engine_t eng) {
    dnnl_memory_t m;
    check(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE), "memory create");
    void *data;
    dnnl_memory_get_data_handle(m, &data);
    size_t bytes = dnnl_memory_desc_get_size(md);
    if (md->data_type == dnnl_f32) {
        float *f = data;
        for (size_t i = 0; i < bytes / sizeof *f; i++) f[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    } else { /* bf16: values in [0.5, 2) of either sign, no denormals */
        unsigned short *h = data;
        for (size_t i = 0; i < bytes / sizeof *h; i++) h[i] = (unsigned short)(0x3f00u | (rand() & 0x80ffu));
    }
    return m;
}

/* A memory object for what a primitive descriptor says. */
static dnnl_memory_t memory_for(const_dnnl_primitive_desc_t pd, dnnl_query_t what, int index, dnnl_engine_t eng) {
    return memory_of(dnnl_primitive_desc_query_md(pd, what, index), eng);
}

/* The reorder from one memory to another (layout and data type). */
static dnnl_primitive_t reorder(dnnl_memory_t from, dnnl_memory_t to, dnnl_engine_t eng) {
    const dnnl_memory_desc_t *fmd, *tmd;
    dnnl_memory_get_memory_desc(from, &fmd);
    dnnl_memory_get_memory_desc(to, &tmd);
    dnnl_primitive_desc_t pd;
    check(dnnl_reorder_primitive_desc_create(&pd, fmd, eng, tmd, eng, NULL), "reorder pd");
    dnnl_primitive_t r;
    check(dnnl_primitive_create(&r, pd), "reorder");
    dnnl_primitive_desc_destroy(pd);
    return r;
}

/* nash's float32 tensor of these dimensions: NCHW (4 dims) or OIHW. */
static dnnl_memory_t plain(const dnnl_dims_t dims, dnnl_format_tag_t tag, dnnl_engine_t eng) {
    dnnl_memory_desc_t md;
    check(dnnl_memory_desc_init_by_tag(&md, 4, dims, dnnl_f32, tag), "plain md");
    return memory_of(&md, eng);
}

static void bench_dnnl(const BenchShape *s, const char *label, dnnl_format_tag_t act, dnnl_format_tag_t wtag,
                       dnnl_data_type_t type, int with_reorders, dnnl_engine_t eng, dnnl_stream_t st, double seconds) {
    dnnl_memory_desc_t src, wei, bias, dst, dwei, dbias;
    dnnl_dims_t sd = {BATCH, s->cin, s->hw, s->hw}, wd = {s->cout, s->cin, s->k, s->k}, bd = {s->cout},
                dd = {BATCH, s->cout, s->hw, s->hw};
    dnnl_dims_t strides = {1, 1}, pad = {s->pad, s->pad};
    check(dnnl_memory_desc_init_by_tag(&src, 4, sd, type, act), "src md");
    check(dnnl_memory_desc_init_by_tag(&wei, 4, wd, type, wtag), "weights md");
    check(dnnl_memory_desc_init_by_tag(&bias, 1, bd, dnnl_f32, dnnl_x), "bias md");
    check(dnnl_memory_desc_init_by_tag(&dst, 4, dd, type, act), "dst md");
    check(dnnl_memory_desc_init_by_tag(&dwei, 4, wd, dnnl_f32, wtag), "diff weights md");
    check(dnnl_memory_desc_init_by_tag(&dbias, 1, bd, dnnl_f32, dnnl_x), "diff bias md");
    dnnl_convolution_desc_t fd, bdd, bwd;
    check(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei, &bias,
                                             &dst, strides, pad, pad),
          "forward desc");
    check(dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct, &src, &wei, &dst, strides, pad, pad),
          "backward data desc");
    check(dnnl_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, &src, &dwei, &dbias, &dst, strides,
                                                      pad, pad),
          "backward weights desc");
    dnnl_primitive_desc_t fpd, dpd, wpd;
    check(dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL), "forward pd");
    check(dnnl_primitive_desc_create(&dpd, &bdd, NULL, eng, fpd), "backward data pd");
    check(dnnl_primitive_desc_create(&wpd, &bwd, NULL, eng, fpd), "backward weights pd");
    DnnlConv c = {.stream = st, .with_reorders = with_reorders};
    check(dnnl_primitive_create(&c.fwd, fpd), "forward");
    check(dnnl_primitive_create(&c.bwd_data, dpd), "backward data");
    check(dnnl_primitive_create(&c.bwd_weights, wpd), "backward weights");
    c.src = memory_for(fpd, dnnl_query_src_md, 0, eng);
    c.wei = memory_for(fpd, dnnl_query_weights_md, 0, eng);
    c.bias = memory_for(fpd, dnnl_query_weights_md, 1, eng);
    c.dst = memory_for(fpd, dnnl_query_dst_md, 0, eng);
    c.diff_dst = memory_for(dpd, dnnl_query_diff_dst_md, 0, eng);
    c.diff_src = memory_for(dpd, dnnl_query_diff_src_md, 0, eng);
    c.diff_wei = memory_for(wpd, dnnl_query_diff_weights_md, 0, eng);
    c.diff_bias = memory_for(wpd, dnnl_query_diff_weights_md, 1, eng);
    /* the backward passes' own layouts where they differ from what the forward pass holds */
    const dnnl_memory_desc_t *held_wei = dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0),
                             *held_src = dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0),
                             *held_ddst = dnnl_primitive_desc_query_md(dpd, dnnl_query_diff_dst_md, 0),
                             *bd_wei = dnnl_primitive_desc_query_md(dpd, dnnl_query_weights_md, 0),
                             *bw_src = dnnl_primitive_desc_query_md(wpd, dnnl_query_src_md, 0),
                             *bw_ddst = dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_dst_md, 0);
    if (!dnnl_memory_desc_equal(held_wei, bd_wei))
        c.wei_bd = memory_of(bd_wei, eng), c.r_wei_bd = reorder(c.wei, c.wei_bd, eng);
    if (!dnnl_memory_desc_equal(held_src, bw_src))
        c.src_bw = memory_of(bw_src, eng), c.r_src_bw = reorder(c.src, c.src_bw, eng);
    if (!dnnl_memory_desc_equal(held_ddst, bw_ddst))
        c.ddst_bw = memory_of(bw_ddst, eng), c.r_ddst_bw = reorder(c.diff_dst, c.ddst_bw, eng);
    if (with_reorders) {
        c.n_src = plain(sd, dnnl_nchw, eng), c.n_wei = plain(wd, dnnl_oihw, eng), c.n_dst = plain(dd, dnnl_nchw, eng);
        c.n_diff_dst = plain(dd, dnnl_nchw, eng), c.n_diff_src = plain(sd, dnnl_nchw, eng);
        c.n_diff_wei = plain(wd, dnnl_oihw, eng);
        c.r_src = reorder(c.n_src, c.src, eng), c.r_wei = reorder(c.n_wei, c.wei, eng);
        c.r_dst = reorder(c.dst, c.n_dst, eng), c.r_diff_dst = reorder(c.n_diff_dst, c.diff_dst, eng);
        c.r_diff_src = reorder(c.diff_src, c.n_diff_src, eng), c.r_diff_wei = reorder(c.diff_wei, c.n_diff_wei, eng);
    }
    double f = time_ms(dnnl_fwd, &c, seconds), b = time_ms(dnnl_bwd, &c, seconds);
    printf("conv %s %s %.3f %.3f %s %s %s%s%s%s\n", label, s->name, f, b, impl_name(fpd), impl_name(dpd),
           impl_name(wpd), c.r_wei_bd ? " +weights-reorder" : "", c.r_src_bw ? " +src-reorder" : "",
           c.r_ddst_bw ? " +diff_dst-reorder" : "");
    dnnl_memory_t all[] = {c.src, c.wei, c.bias, c.dst, c.diff_dst, c.diff_src, c.diff_wei, c.diff_bias};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) dnnl_memory_destroy(all[i]);
    dnnl_memory_t own[] = {c.wei_bd, c.src_bw, c.ddst_bw};
    dnnl_primitive_t own_r[] = {c.r_wei_bd, c.r_src_bw, c.r_ddst_bw};
    for (int i = 0; i < 3; i++)
        if (own[i]) dnnl_memory_destroy(own[i]), dnnl_primitive_destroy(own_r[i]);
    if (with_reorders) {
        dnnl_memory_t plains[] = {c.n_src, c.n_wei, c.n_dst, c.n_diff_dst, c.n_diff_src, c.n_diff_wei};
        dnnl_primitive_t rs[] = {c.r_src, c.r_wei, c.r_dst, c.r_diff_dst, c.r_diff_src, c.r_diff_wei};
        for (int i = 0; i < 6; i++) dnnl_memory_destroy(plains[i]), dnnl_primitive_destroy(rs[i]);
    }
    dnnl_primitive_destroy(c.fwd), dnnl_primitive_destroy(c.bwd_data), dnnl_primitive_destroy(c.bwd_weights);
    dnnl_primitive_desc_destroy(fpd), dnnl_primitive_desc_destroy(dpd), dnnl_primitive_desc_destroy(wpd);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    if (seconds <= 0.0) {
        fprintf(stderr, "usage: bench_conv_backends [seconds per measurement > 0]\n");
        return 2;
    }
    srand(1);
    conv_path_set(CONV_PATH_IM2COL); /* the "nash" column is im2col + OpenBLAS; before any work is sized */
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    const dnnl_version_t *v = dnnl_version();
    printf("# OpenBLAS %s; oneDNN %d.%d.%d; batch %d, one thread\n", openblas_get_config(), v->major, v->minor,
           v->patch, BATCH);
    printf("# conv BACKEND SHAPE FORWARD_MS BACKWARD_MS IMPL_FWD IMPL_BWD_DATA IMPL_BWD_WEIGHTS\n");
    dnnl_engine_t eng;
    dnnl_stream_t st;
    check(dnnl_engine_create(&eng, dnnl_cpu, 0), "engine");
    check(dnnl_stream_create(&st, eng, dnnl_stream_default_flags), "stream");
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        const BenchShape *s = &SHAPES[i];
        bench_nash(s, seconds);
        bench_dnnl(s, "dnnl_nchw", dnnl_nchw, dnnl_oihw, dnnl_f32, 0, eng, st, seconds);
        bench_dnnl(s, "dnnl_blocked", dnnl_format_tag_any, dnnl_format_tag_any, dnnl_f32, 0, eng, st, seconds);
        bench_dnnl(s, "dnnl_blocked_reorders", dnnl_format_tag_any, dnnl_format_tag_any, dnnl_f32, 1, eng, st, seconds);
        bench_dnnl(s, "dnnl_bf16", dnnl_format_tag_any, dnnl_format_tag_any, dnnl_bf16, 0, eng, st, seconds);
        bench_dnnl(s, "dnnl_bf16_reorders", dnnl_format_tag_any, dnnl_format_tag_any, dnnl_bf16, 1, eng, st, seconds);
        fflush(stdout);
    }
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    return 0;
}
