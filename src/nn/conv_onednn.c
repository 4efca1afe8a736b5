/* conv_onednn.c — convolutions and transposed convolutions on oneDNN (see conv_onednn.h).
 *
 * A Plan holds, for one (shape, batch) pair, the primitives of a layer (forward, input gradient,
 * and weight gradient over a chunk of samples and over the batch's remainder) and, for each
 * operand, the layout the primitive asked for next to nash's own: NCHW or channels-last
 * activations, OIHW weights (IOHW for a transposed convolution, as PyTorch's ConvTranspose2d).
 * Where they differ the operand is converted into a slice of the caller's work buffer; where they
 * agree the primitive reads or writes nash's tensor in place.
 *
 * The gradients with respect to the parameters are sums over the batch, and the order of that sum
 * decides how closely a batch split over ranks and summed by allreduce agrees with the whole batch
 * on one rank. oneDNN's whole-batch weight-gradient primitive sums in an order that depends on the
 * batch size, and missed tests/mpi/test_penalty_equivalence.sh's bound. So both gradients are
 * summed in sample order, as on the im2col path: the weight gradient one chunk of IM2COL_CHUNK
 * samples at a time, each chunk's written into work and added onto dW in turn (WeightPhase says
 * how), and the bias gradient by conv_bias_grad, sample by sample (docs/layers.md has the
 * measurements). oneDNN's own scratchpad stays library-managed (one buffer shared by every
 * primitive).
 */
#include "nn/conv_onednn.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/blas.h"
#include "core/clones.h"
#include "nn/im2col.h"
#include "nn/relayout.h"

/* ---- engine, stream, errors ----------------------------------------------------------------- */

static dnnl_engine_t engine;
static dnnl_stream_t stream;

/* A failed call where nothing can be done but stop: a primitive that was built refusing to run. */
static void must(dnnl_status_t st, const char *what) {
    if (st == dnnl_success) return;
    fprintf(stderr, "nash: oneDNN %s failed (status %d); run with NASH_CONV=im2col to bypass oneDNN\n", what, (int)st);
    abort();
}

static bool engine_ready(void) {
    if (stream) return true;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return false;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(engine);
        engine = NULL;
        return false;
    }
    return true;
}

/* ---- plans ---------------------------------------------------------------------------------- */

/* One operand of one pass: nash's layout, the primitive's, and where the latter lives in work.
 * relayout.h converts, where it has vector code, an input from NCHW float32 to bf16 nChw16c or
 * NHWC (what the AVX-512 BF16 and AMX kernels read) or from channels-last float32 to bf16 (a
 * cast), and an output from float32 nChw16c or NHWC to NCHW; oneDNN's reorder every other
 * (bench_relayout compares the two; docs/layers.md has the figures). */
typedef struct {
    dnnl_memory_desc_t own, want;
    dnnl_primitive_t reorder; /* own -> want (inputs) or want -> own (outputs); NULL if equal */
    size_t offset;            /* floats into work, when reorder */
    bool by_relayout, by_cast; /* when reorder: relayout.h converts into or out of `kind`, or casts */
    RelayoutKind kind;
} Operand;

/* Whether relayout.h converts between nash's float32 `own` and `want` (*cast: a bf16 cast). */
static bool relayout_takes(const dnnl_memory_desc_t *own, const dnnl_memory_desc_t *want, bool input,
                           RelayoutKind *kind, bool *cast) {
    dnnl_memory_desc_t nchw, other; /* *cast starts false (operand_as) */
    if (own->ndims != 4 || (input ? !relayout_bf16_vectorised() : !relayout_vectorised())) return false;
    if (input && !dnnl_memory_desc_init_by_tag(&other, 4, own->dims, dnnl_f32, dnnl_nhwc) &&
        dnnl_memory_desc_equal(own, &other) &&
        !dnnl_memory_desc_init_by_tag(&other, 4, own->dims, dnnl_bf16, dnnl_nhwc) &&
        dnnl_memory_desc_equal(want, &other))
        return *cast = true;
    if (dnnl_memory_desc_init_by_tag(&nchw, 4, own->dims, dnnl_f32, dnnl_nchw) || !dnnl_memory_desc_equal(own, &nchw))
        return false;
    static const struct {
        RelayoutKind kind;
        dnnl_format_tag_t tag;
    } KINDS[] = {{RELAYOUT_NCHW16C, dnnl_aBcd16b}, {RELAYOUT_NHWC, dnnl_acdb}};
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (!dnnl_memory_desc_init_by_tag(&other, 4, own->dims, input ? dnnl_bf16 : dnnl_f32, KINDS[i].tag) &&
            dnnl_memory_desc_equal(want, &other)) {
            *kind = KINDS[i].kind;
            return true;
        }
    return false;
}

/* The weight gradient of `mb` consecutive samples: its primitive, its inputs (converted chunk by
 * chunk when not sliced), its output (in work), and the reorder adding it onto the accumulator
 * when their layouts differ (else a plain loop adds it). */
typedef struct {
    int mb;
    dnnl_primitive_t prim, add;
    Operand src, ddst;
    dnnl_memory_desc_t dwei;
} WeightPass;

/* The weight gradient of a batch: chunks of WEIGHT_CHUNK samples, then the rest, each chunk's
 * added in turn onto an accumulator holding dW in the chunks' layout (copied from nash's once
 * before and back once after: a reorder adding each chunk onto nash's dW cost 4.5 ms of a bf16
 * DCGAN step). Where every chunk's layout is a slice of one batch layout (samples not blocked), x
 * and dy are converted once for the batch, dy's by the input-gradient pass where it ran and
 * asked for the same layout, and each chunk reads its slice. */
typedef struct {
    WeightPass chunk, tail;
    bool sliced;
    Operand src, ddst;          /* when sliced: the batch's x and dy in the chunks' layout */
    size_t src_step, ddst_step; /* bytes per sample in those layouts */
    bool ddst_from_data;        /* ddst is where the input-gradient pass left dy converted */
    Operand acc;                /* dW: nash's layout, and the chunks' */
    dnnl_primitive_t acc_back;  /* the accumulator back into nash's dW, when acc.reorder */
    size_t dwei_offset;         /* where each chunk writes its own */
} WeightPhase;

typedef struct Plan {
    ConvShape s;
    int n;
    ConvPrecision precision;
    dnnl_primitive_t fwd, bwd_data;
    Operand f_src, f_wei, f_dst;   /* forward */
    dnnl_memory_desc_t bias;       /* the forward's bias, nash's (Cout) */
    Operand d_ddst, d_wei, d_dsrc; /* input gradient */
    WeightPhase wg;                /* weight gradient */
    struct Plan *next;
} Plan;

static Plan *plans;

/* The weight gradient's chunk of samples: the im2col path's (see the top of the file). */
enum { WEIGHT_CHUNK = IM2COL_CHUNK };

static bool same_shape(const ConvShape *a, const ConvShape *b) {
    return a->transposed == b->transposed && a->cin == b->cin && a->cout == b->cout && a->h == b->h && a->w == b->w &&
           a->ho == b->ho && a->wo == b->wo && a->kh == b->kh && a->kw == b->kw && a->sh == b->sh && a->sw == b->sw &&
           a->ph == b->ph && a->pw == b->pw && a->has_bias == b->has_bias && a->nhwc_in == b->nhwc_in &&
           a->nhwc_out == b->nhwc_out;
}

/* Floats rounded up to 16 (64 bytes), so every slice of work stays aligned. */
static size_t whole_slices(size_t floats) { return (floats + 15) / 16 * 16; }

/* A descriptor's memory in floats, as a slice. */
static size_t floats_of(const dnnl_memory_desc_t *md) {
    return whole_slices((dnnl_memory_desc_get_size(md) + sizeof(float) - 1) / sizeof(float));
}

static dnnl_status_t make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, bool add,
                                  dnnl_primitive_t *out) {
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_success;
    if (add) {
        if ((st = dnnl_primitive_attr_create(&attr)) || (st = dnnl_post_ops_create(&ops)) ||
            (st = dnnl_post_ops_append_sum(ops, 1.0f)) || (st = dnnl_primitive_attr_set_post_ops(attr, ops)))
            goto done;
    }
    if (!(st = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, attr)))
        st = dnnl_primitive_create(out, pd);
done:
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

/* Fill in an operand: what the primitive wants, and the reorder and work slice if it differs
 * from nash's layout. *used grows by the slice. An input reorders own -> want, an output back. */
static dnnl_status_t operand_as(Operand *o, const dnnl_memory_desc_t *own, const dnnl_memory_desc_t *want, bool input,
                                size_t *used) {
    o->own = *own;
    o->want = *want;
    o->reorder = NULL;
    o->by_relayout = o->by_cast = false;
    if (dnnl_memory_desc_equal(&o->own, &o->want)) return dnnl_success;
    o->offset = *used;
    *used += floats_of(&o->want);
    o->by_relayout = relayout_takes(own, want, input, &o->kind, &o->by_cast);
    return input ? make_reorder(&o->own, &o->want, false, &o->reorder)
                 : make_reorder(&o->want, &o->own, false, &o->reorder);
}

static dnnl_status_t operand(Operand *o, const dnnl_memory_desc_t *own, const_dnnl_primitive_desc_t pd,
                             dnnl_query_t what, bool input, size_t *used) {
    return operand_as(o, own, dnnl_primitive_desc_query_md(pd, what, 0), input, used);
}

/* After a failed build: the primitives made so far destroyed, the plan left without any. */
static void plan_drop_primitives(Plan *p) {
    WeightPhase *g = &p->wg;
    dnnl_primitive_t *prims[] = {&p->fwd,           &p->bwd_data,       &p->f_src.reorder,     &p->f_wei.reorder,
                                 &p->f_dst.reorder, &p->d_ddst.reorder, &p->d_wei.reorder,     &p->d_dsrc.reorder,
                                 &g->chunk.prim,    &g->chunk.add,      &g->chunk.src.reorder, &g->chunk.ddst.reorder,
                                 &g->tail.prim,     &g->tail.add,       &g->tail.src.reorder,  &g->tail.ddst.reorder,
                                 &g->src.reorder,   &g->ddst.reorder,   &g->acc.reorder,       &g->acc_back};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (*prims[i]) dnnl_primitive_destroy(*prims[i]), *prims[i] = NULL;
}

/* The memory descriptors of a pass over mb samples: nash's layouts (float32), and "any" for the
 * primitive, whose inputs are the precision's type and whose outputs are float32. So x, W and dy
 * are rounded to bf16 by the conversions, and y, dx and dW come back in float32, summed in
 * float32 by oneDNN's kernels. When either of nash's activations is channels-last the primitive
 * gets channels-last activations on both sides, which it then reads and writes in place (float32);
 * a kernel mixing layouts would be oneDNN's slow reference code. */
typedef struct {
    dnnl_memory_desc_t src, wei, bias, dst;
    dnnl_memory_desc_t src_in, wei_in, dst_in;    /* x, W (and dy) as the primitive reads them */
    dnnl_memory_desc_t src_out, wei_out, dst_out; /* dx, dW, y as it writes them */
} Descs;

static dnnl_status_t descs_init(const ConvShape *s, int mb, ConvPrecision precision, Descs *d) {
    dnnl_dims_t sd = {mb, s->cin, s->h, s->w}, dd = {mb, s->cout, s->ho, s->wo}, bd = {s->cout};
    dnnl_dims_t wd = {s->cout, s->cin, s->kh, s->kw}; /* oneDNN's (OC, IC, kh, kw) for both kinds */
    dnnl_data_type_t in = precision == CONV_BF16 ? dnnl_bf16 : dnnl_f32;
    dnnl_format_tag_t act = s->nhwc_in || s->nhwc_out ? dnnl_nhwc : dnnl_format_tag_any;
    dnnl_status_t st;
    if ((st = dnnl_memory_desc_init_by_tag(&d->src, 4, sd, dnnl_f32, s->nhwc_in ? dnnl_nhwc : dnnl_nchw)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->dst, 4, dd, dnnl_f32, s->nhwc_out ? dnnl_nhwc : dnnl_nchw)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->wei, 4, wd, dnnl_f32, s->transposed ? dnnl_iohw : dnnl_oihw)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->bias, 1, bd, dnnl_f32, dnnl_x)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->src_in, 4, sd, in, act)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->dst_in, 4, dd, in, act)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->wei_in, 4, wd, in, dnnl_format_tag_any)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->src_out, 4, sd, dnnl_f32, act)) ||
        (st = dnnl_memory_desc_init_by_tag(&d->dst_out, 4, dd, dnnl_f32, act)))
        return st;
    return dnnl_memory_desc_init_by_tag(&d->wei_out, 4, wd, dnnl_f32, dnnl_format_tag_any);
}

/* Whether oneDNN's forward kernel adds the bias. A transposed convolution's is added by
 * conv_onednn_forward: oneDNN 2.6 runs it as a pass of its own after the kernel, which took 3.8 ms
 * of the reference DCGAN's 10.7 ms 128->64 deconvolution at batch 64 (float32; 5 of 8.6 in bf16),
 * against 6.8 ms without. */
static bool bias_in_kernel(const ConvShape *s) { return s->has_bias && !s->transposed; }

/* Operation descriptors are of different types; each fits in the largest, a convolution's. */
typedef union {
    dnnl_convolution_desc_t conv;
    dnnl_deconvolution_desc_t deconv;
} OpDesc;

typedef enum { PASS_FORWARD, PASS_DATA, PASS_WEIGHTS } Pass;

/* One pass's operation descriptor, on the "any" layouts (the weight gradient without the bias's:
 * see the top of the file). */
static dnnl_status_t op_init(const ConvShape *s, const Descs *d, Pass pass, OpDesc *op) {
    /* The same padding on both sides, as PyTorch states it. oneDNN checks the output size with
     * integer division, so the rows a strided convolution leaves over, and a transposed one's
     * output padding, pass; its kernels take the right-hand padding from the sizes themselves.
     * The output-padding and odd-size cases of test_conv2d and test_layers run on this path. */
    dnnl_dims_t strides = {s->sh, s->sw}, pad = {s->ph, s->pw};
    const dnnl_memory_desc_t *b = bias_in_kernel(s) ? &d->bias : NULL;
    if (s->transposed) switch (pass) {
        case PASS_FORWARD:
            return dnnl_deconvolution_forward_desc_init(&op->deconv, dnnl_forward_training, dnnl_deconvolution_direct,
                                                        &d->src_in, &d->wei_in, b, &d->dst_out, strides, pad, pad);
        case PASS_DATA:
            return dnnl_deconvolution_backward_data_desc_init(&op->deconv, dnnl_deconvolution_direct, &d->src_out,
                                                              &d->wei_in, &d->dst_in, strides, pad, pad);
        case PASS_WEIGHTS:
            return dnnl_deconvolution_backward_weights_desc_init(&op->deconv, dnnl_deconvolution_direct, &d->src_in,
                                                                 &d->wei_out, NULL, &d->dst_in, strides, pad, pad);
        }
    switch (pass) {
    case PASS_FORWARD:
        return dnnl_convolution_forward_desc_init(&op->conv, dnnl_forward_training, dnnl_convolution_direct, &d->src_in,
                                                  &d->wei_in, b, &d->dst_out, strides, pad, pad);
    case PASS_DATA:
        return dnnl_convolution_backward_data_desc_init(&op->conv, dnnl_convolution_direct, &d->src_out, &d->wei_in,
                                                        &d->dst_in, strides, pad, pad);
    case PASS_WEIGHTS:
        return dnnl_convolution_backward_weights_desc_init(&op->conv, dnnl_convolution_direct, &d->src_in, &d->wei_out,
                                                           NULL, &d->dst_in, strides, pad, pad);
    }
    return dnnl_invalid_arguments;
}

/* The primitive descriptor of a pass over mb samples; the forward one is every backward's hint. */
static dnnl_status_t pd_create(const ConvShape *s, const Descs *d, Pass pass, const_dnnl_primitive_desc_t hint,
                               dnnl_primitive_desc_t *pd) {
    OpDesc op;
    dnnl_status_t st = op_init(s, d, pass, &op);
    return st ? st : dnnl_primitive_desc_create(pd, &op, NULL, engine, hint);
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* The weight gradient's primitive over mb samples, and the layouts it reads and writes. */
static dnnl_status_t weight_pass_build(const ConvShape *s, int mb, ConvPrecision precision, WeightPass *w) {
    Descs d;
    dnnl_primitive_desc_t fpd = NULL, wpd = NULL;
    dnnl_status_t st;
    w->mb = mb;
    if ((st = descs_init(s, mb, precision, &d)) || (st = pd_create(s, &d, PASS_FORWARD, NULL, &fpd)) ||
        (st = pd_create(s, &d, PASS_WEIGHTS, fpd, &wpd)) || (st = dnnl_primitive_create(&w->prim, wpd)))
        goto done;
    w->src.own = d.src, w->ddst.own = d.dst;
    w->src.want = *dnnl_primitive_desc_query_md(wpd, dnnl_query_src_md, 0);
    w->ddst.want = *dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_dst_md, 0);
    w->dwei = *dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_weights_md, 0);
done:
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (wpd) dnnl_primitive_desc_destroy(wpd);
    return st;
}

/* A chunk's layout, for mb samples, as the layout of n: possible when the samples are the
 * outermost, unblocked dimension, so that sample k starts k strides in. */
static bool batch_layout(const dnnl_memory_desc_t *chunk, int n, dnnl_memory_desc_t *batch, size_t *step) {
    if (chunk->format_kind != dnnl_blocked) return false;
    const dnnl_blocking_desc_t *b = &chunk->format_desc.blocking;
    for (int i = 0; i < b->inner_nblks; i++)
        if (b->inner_idxs[i] == 0) return false;
    size_t elem = dnnl_data_type_size(chunk->data_type);
    if ((size_t)b->strides[0] * elem * (size_t)chunk->dims[0] != dnnl_memory_desc_get_size(chunk)) return false;
    *batch = *chunk;
    batch->dims[0] = batch->padded_dims[0] = n;
    *step = (size_t)b->strides[0] * elem;
    return true;
}

/* Whether operand o's layout (for its mb samples) is the batch layout's slice. */
static bool slice_of(const dnnl_memory_desc_t *batch, const dnnl_memory_desc_t *chunk) {
    dnnl_memory_desc_t cut = *batch;
    cut.dims[0] = cut.padded_dims[0] = chunk->dims[0];
    return dnnl_memory_desc_equal(&cut, chunk);
}

/* The weight-gradient phase over p->n samples (d: the batch's descriptors). *used grows by its
 * slices of work, which start where the input-gradient pass's do, at dy's conversion. */
static dnnl_status_t weight_phase_build(Plan *p, const Descs *d, size_t *used) {
    WeightPhase *g = &p->wg;
    int chunk = p->n < WEIGHT_CHUNK ? p->n : WEIGHT_CHUNK, tail = p->n % chunk;
    dnnl_status_t st;
    if ((st = weight_pass_build(&p->s, chunk, p->precision, &g->chunk))) return st;
    if (tail && (st = weight_pass_build(&p->s, tail, p->precision, &g->tail))) return st;
    dnnl_memory_desc_t src, ddst;
    g->sliced = batch_layout(&g->chunk.src.want, p->n, &src, &g->src_step) &&
                batch_layout(&g->chunk.ddst.want, p->n, &ddst, &g->ddst_step) &&
                (!tail || (slice_of(&src, &g->tail.src.want) && slice_of(&ddst, &g->tail.ddst.want)));
    WeightPass *passes[2] = {&g->chunk, tail ? &g->tail : NULL};
    if (g->sliced) {
        if ((st = operand_as(&g->ddst, &d->dst, &ddst, true, used)) ||
            (st = operand_as(&g->src, &d->src, &src, true, used)))
            return st;
        g->ddst_from_data = g->ddst.reorder && p->d_ddst.reorder && g->ddst.offset == p->d_ddst.offset &&
                            dnnl_memory_desc_equal(&g->ddst.want, &p->d_ddst.want);
    } else {
        for (int i = 0; i < 2 && passes[i]; i++) {
            WeightPass *w = passes[i];
            if ((st = operand_as(&w->src, &w->src.own, &w->src.want, true, used)) ||
                (st = operand_as(&w->ddst, &w->ddst.own, &w->ddst.want, true, used)))
                return st;
        }
    }
    if ((st = operand_as(&g->acc, &d->wei, &g->chunk.dwei, true, used))) return st;
    if (g->acc.reorder && (st = make_reorder(&g->acc.want, &g->acc.own, false, &g->acc_back))) return st;
    g->dwei_offset = *used;
    size_t dwei = floats_of(&g->chunk.dwei);
    for (int i = 0; i < 2 && passes[i]; i++) {
        WeightPass *w = passes[i];
        dwei = max_size(dwei, floats_of(&w->dwei));
        if (!dnnl_memory_desc_equal(&w->dwei, &g->acc.want) &&
            (st = make_reorder(&w->dwei, &g->acc.want, true, &w->add)))
            return st;
    }
    *used += dwei;
    return dnnl_success;
}

/* The work any plan of s at batch n may use, whatever layouts oneDNN picks, as long as they pad
 * channels to at most CHANNEL_BLOCK (16 floats: AVX-512's nChw16c, OIhw16i16o; AVX2 uses 8):
 * an input and an output activation and two weight tensors, all padded. It grows with n, so the
 * work sized at the largest batch serves every smaller one, whose layouts may differ; a plan
 * that needs more is not built (the layer then stays on im2col). */
enum { CHANNEL_BLOCK = 16 };
static size_t padded(int channels) { return ((size_t)channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK; }
static size_t work_bound(const ConvShape *s, int n) {
    size_t in = (size_t)n * padded(s->cin) * (size_t)s->h * (size_t)s->w;
    size_t out = (size_t)n * padded(s->cout) * (size_t)s->ho * (size_t)s->wo;
    size_t weights = padded(s->cin) * padded(s->cout) * (size_t)s->kh * (size_t)s->kw;
    return whole_slices(in) + whole_slices(out) + 2 * whole_slices(weights);
}

static dnnl_status_t plan_build(Plan *p) {
    const ConvShape *s = &p->s;
    Descs d;
    dnnl_primitive_desc_t fpd = NULL, dpd = NULL;
    dnnl_status_t st;
    if ((st = descs_init(s, p->n, p->precision, &d)) || (st = pd_create(s, &d, PASS_FORWARD, NULL, &fpd)) ||
        (st = pd_create(s, &d, PASS_DATA, fpd, &dpd)) || (st = dnnl_primitive_create(&p->fwd, fpd)) ||
        (st = dnnl_primitive_create(&p->bwd_data, dpd)))
        goto done;
    p->bias = d.bias;
    /* Each pass's slices of work start at 0: the passes run one after another. */
    size_t fwd_used = 0, data_used = 0, weights_used = 0;
    if ((st = operand(&p->f_src, &d.src, fpd, dnnl_query_src_md, true, &fwd_used)) ||
        (st = operand(&p->f_wei, &d.wei, fpd, dnnl_query_weights_md, true, &fwd_used)) ||
        (st = operand(&p->f_dst, &d.dst, fpd, dnnl_query_dst_md, false, &fwd_used)) ||
        (st = operand(&p->d_ddst, &d.dst, dpd, dnnl_query_diff_dst_md, true, &data_used)) ||
        (st = operand(&p->d_wei, &d.wei, dpd, dnnl_query_weights_md, true, &data_used)) ||
        (st = operand(&p->d_dsrc, &d.src, dpd, dnnl_query_diff_src_md, false, &data_used)))
        goto done;
    if ((st = weight_phase_build(p, &d, &weights_used))) goto done;
    if (max_size(max_size(fwd_used, data_used), weights_used) > work_bound(s, p->n)) {
        fprintf(stderr, "nash: oneDNN's layouts need more work than any layout padding channels to %d\n",
                CHANNEL_BLOCK);
        st = dnnl_unimplemented;
    }
done:
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (dpd) dnnl_primitive_desc_destroy(dpd);
    return st;
}

/* The plan for (s, n), built on first use; NULL, said once per (shape, batch), if oneDNN cannot
 * build it. */
static Plan *plan_for(const ConvShape *s, int n) {
    for (Plan *p = plans; p; p = p->next)
        if (p->n == n && p->precision == conv_precision() && same_shape(&p->s, s)) return p->fwd ? p : NULL;
    Plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->s = *s;
    p->n = n;
    p->precision = conv_precision();
    omp_set_num_threads(blas_threads()); /* oneDNN divides the work among threads when it builds */
    dnnl_status_t st = engine_ready() ? plan_build(p) : dnnl_runtime_error;
    if (st != dnnl_success) {
        fprintf(stderr,
                "nash: oneDNN cannot build a %s%s %d->%d k=%dx%d s=%dx%d at %dx%d, batch %d (status %d); "
                "the layer uses im2col + sgemm%s\n",
                p->precision == CONV_BF16 ? "bf16 " : "", s->transposed ? "deconv2d" : "conv2d", s->cin, s->cout, s->kh,
                s->kw, s->sh, s->sw, s->h, s->w, n, (int)st, p->precision == CONV_BF16 ? ", in float32" : "");
        plan_drop_primitives(p); /* the plan is kept without them, so the failure is said once */
    }
    p->next = plans;
    plans = p;
    return p->fwd ? p : NULL;
}

/* The input channels of the convolution oneDNN runs for a layer (conv_onednn.h: a transposed
 * convolution's are its output channels). */
static int underlying_input_channels(const ConvShape *s) { return s->transposed ? s->cout : s->cin; }

/* Whether the path, the precision and the channel rule give this shape to oneDNN (before any plan
 * is built). */
static bool wanted(const ConvShape *s) {
    ConvPath path = conv_path();
    if (path == CONV_PATH_IM2COL) return false;
    return path == CONV_PATH_ONEDNN || conv_precision() == CONV_BF16 ||
           underlying_input_channels(s) >= CONV_ONEDNN_MIN_CHANNELS;
}

/* The plan that runs a call, with as many threads as nash gives OpenBLAS; NULL when oneDNN does
 * not take it. */
static Plan *plan_to_run(const ConvShape *s, int n) {
    Plan *p = n > 0 && wanted(s) ? plan_for(s, n) : NULL;
    if (p) omp_set_num_threads(blas_threads());
    return p;
}

bool conv_onednn_takes(const ConvShape *s) { return wanted(s); }

size_t conv_onednn_work_floats(const ConvShape *s, int n) { return wanted(s) ? work_bound(s, n > 0 ? n : 1) : 0; }

/* ---- execution ------------------------------------------------------------------------------ */

/* Up to 5 arguments of one primitive call, with their memory objects. */
typedef struct {
    dnnl_exec_arg_t arg[5];
    int count;
} Args;

static void arg(Args *a, int what, const dnnl_memory_desc_t *md, const void *data) {
    dnnl_memory_t m;
    must(dnnl_memory_create(&m, md, engine, (void *)data), "memory create");
    a->arg[a->count++] = (dnnl_exec_arg_t){what, m};
}

static void run(dnnl_primitive_t prim, Args *a) {
    must(dnnl_primitive_execute(prim, stream, a->count, a->arg), "execute");
    must(dnnl_stream_wait(stream), "stream wait");
    for (int i = 0; i < a->count; i++) dnnl_memory_destroy(a->arg[i].memory);
    a->count = 0;
}

static void reorder_run(dnnl_primitive_t r, const dnnl_memory_desc_t *from_md, const void *from,
                        const dnnl_memory_desc_t *to_md, void *to) {
    Args a = {.count = 0};
    arg(&a, DNNL_ARG_FROM, from_md, from);
    arg(&a, DNNL_ARG_TO, to_md, to);
    run(r, &a);
}

/* An input operand as the primitive reads it: nash's tensor, or its reordered copy in work. */
static const void *input(const Operand *o, const float *own, float *work) {
    if (!o->reorder) return own;
    float *copy = work + o->offset;
    const dnnl_dim_t *d = o->own.dims;
    if (o->by_cast)
        relayout_cast_bf16(own, (size_t)d[0] * (size_t)d[1] * (size_t)d[2] * (size_t)d[3], (uint16_t *)copy);
    else if (o->by_relayout)
        relayout_to_bf16(o->kind, own, (int)d[0], (int)d[1], (size_t)d[2] * (size_t)d[3], (uint16_t *)copy);
    else
        reorder_run(o->reorder, &o->own, own, &o->want, copy);
    return copy;
}

/* Where the primitive writes an output operand: nash's tensor, or a slice of work. */
static void *output(const Operand *o, float *own, float *work) { return o->reorder ? work + o->offset : own; }

static void output_done(const Operand *o, float *own, float *work) {
    if (!o->reorder) return;
    const dnnl_dim_t *d = o->own.dims;
    if (o->by_relayout)
        relayout_from(o->kind, work + o->offset, (int)d[0], (int)d[1], (size_t)d[2] * (size_t)d[3], own);
    else
        reorder_run(o->reorder, &o->want, work + o->offset, &o->own, own);
}

bool conv_onednn_forward(const ConvShape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *work) {
    Plan *p = plan_to_run(s, n);
    if (!p) return false;
    Args a = {.count = 0};
    arg(&a, DNNL_ARG_SRC, &p->f_src.want, input(&p->f_src, x, work));
    arg(&a, DNNL_ARG_WEIGHTS, &p->f_wei.want, input(&p->f_wei, w, work));
    if (bias_in_kernel(s)) arg(&a, DNNL_ARG_BIAS, &p->bias, b);
    arg(&a, DNNL_ARG_DST, &p->f_dst.want, output(&p->f_dst, y, work));
    run(p->fwd, &a);
    output_done(&p->f_dst, y, work);
    if (s->has_bias && !bias_in_kernel(s)) conv_add_bias(y, b, n, s->cout, (size_t)s->ho * (size_t)s->wo, s->nhwc_out);
    return true;
}

/* acc += the weight gradient of samples [first, first + w->mb). x and dy: the batch's, nash's
 * layout; xs and dys: the batch's in the chunks' layout, when sliced. */
static void weight_pass_run(const WeightPhase *g, const WeightPass *w, const ConvShape *s, int first, const float *x,
                            const float *dy, const char *xs, const char *dys, float *acc, float *work) {
    size_t x_size = (size_t)s->cin * (size_t)s->h * (size_t)s->w,
           y_size = (size_t)s->cout * (size_t)s->ho * (size_t)s->wo;
    float *dwei = work + g->dwei_offset;
    Args a = {.count = 0};
    arg(&a, DNNL_ARG_SRC, &w->src.want,
        g->sliced ? xs + (size_t)first * g->src_step : input(&w->src, x + (size_t)first * x_size, work));
    arg(&a, DNNL_ARG_DIFF_DST, &w->ddst.want,
        g->sliced ? dys + (size_t)first * g->ddst_step : input(&w->ddst, dy + (size_t)first * y_size, work));
    arg(&a, DNNL_ARG_DIFF_WEIGHTS, &w->dwei, dwei);
    run(w->prim, &a);
    if (w->add) {
        reorder_run(w->add, &w->dwei, dwei, &g->acc.want, acc);
        return;
    }
    size_t count = dnnl_memory_desc_get_size(&w->dwei) / sizeof(float);
    for (size_t i = 0; i < count; i++) acc[i] += dwei[i];
}

/* dW += the weight gradient of the batch; dy_converted: the input-gradient pass just ran. */
static void weight_phase_run(const Plan *p, int n, const float *x, const float *dy, float *dw, float *work,
                             bool dy_converted) {
    const WeightPhase *g = &p->wg;
    const char *xs = NULL, *dys = NULL;
    if (g->sliced) {
        xs = input(&g->src, x, work);
        dys = dy_converted && g->ddst_from_data ? (const char *)(work + g->ddst.offset) : input(&g->ddst, dy, work);
    }
    float *acc = g->acc.reorder ? (float *)input(&g->acc, dw, work) : dw;
    int first = 0;
    for (; first + g->chunk.mb <= n; first += g->chunk.mb)
        weight_pass_run(g, &g->chunk, &p->s, first, x, dy, xs, dys, acc, work);
    if (first < n) weight_pass_run(g, &g->tail, &p->s, first, x, dy, xs, dys, acc, work);
    if (g->acc.reorder) reorder_run(g->acc_back, &g->acc.want, acc, &g->acc.own, dw);
}

bool conv_onednn_backward(const ConvShape *s, int n, const float *x, const float *dy, const float *w, float *dx,
                          float *dw, float *db, float *work) {
    Plan *p = plan_to_run(s, n);
    if (!p) return false;
    if (dx) {
        Args a = {.count = 0};
        arg(&a, DNNL_ARG_DIFF_DST, &p->d_ddst.want, input(&p->d_ddst, dy, work));
        arg(&a, DNNL_ARG_WEIGHTS, &p->d_wei.want, input(&p->d_wei, w, work));
        arg(&a, DNNL_ARG_DIFF_SRC, &p->d_dsrc.want, output(&p->d_dsrc, dx, work));
        run(p->bwd_data, &a);
        output_done(&p->d_dsrc, dx, work);
    }
    if (!dw) return true;
    weight_phase_run(p, n, x, dy, dw, work, dx != NULL);
    if (s->has_bias)
        (s->nhwc_out ? conv_bias_grad_nhwc : conv_bias_grad)(dy, n, s->cout, (size_t)s->ho * (size_t)s->wo, db);
    return true;
}
