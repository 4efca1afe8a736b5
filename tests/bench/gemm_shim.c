/* gemm_shim.c — an experiment, not a backend: run an unchanged nash with its cblas_sgemm calls sent
 * to oneDNN, to measure what a oneDNN GEMM backend would gain per training step before building one
 * (docs/benchmarks.md, "GEMM backends").
 *
 *     NASH_GEMM_SHIM=f32  LD_PRELOAD=build/tests/bench/libgemm_shim.so build/src/nash train ...
 *     NASH_GEMM_SHIM=bf16 LD_PRELOAD=build/tests/bench/libgemm_shim.so build/src/nash train ...
 *
 * f32:  every cblas_sgemm goes to dnnl_sgemm (float32 throughout; the sums in another order).
 * bf16: both operands are rounded to bf16 (to nearest even) and multiplied by oneDNN's matmul
 *       primitive into a float32 C: the GEMMs of a mixed-precision step, with the weights, the
 *       optimizer, batch norm and every reduction still float32. The rounding is redone on every
 *       call, which a real backend would not do for the weights. alpha must be 1 and beta 0 or 1
 *       (what nash passes); any other call falls through to OpenBLAS.
 * Unset or anything else: OpenBLAS, as without the shim. One oneDNN thread per process. Where
 * oneDNN has no bf16 matmul for the CPU, the first GEMM stops the process with the reason.
 */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

typedef void (*SgemmFn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE, const enum CBLAS_TRANSPOSE, const blasint,
                        const blasint, const blasint, const float, const float *, const blasint, const float *,
                        const blasint, const float, float *, const blasint);

enum { SHIM_OFF, SHIM_F32, SHIM_BF16 };
static int mode = -1;
static SgemmFn openblas_sgemm;
static dnnl_engine_t engine;
static dnnl_stream_t stream;

typedef struct {
    int ta, tb, m, n, k, lda, ldb, ldc, accumulate;
    dnnl_primitive_t matmul;
    dnnl_memory_desc_t a, b, c; /* the operands' descriptors, made once with the primitive */
} Cached;
#define CACHE_SIZE 256
static Cached cache[CACHE_SIZE];
static int cached;
static uint16_t *round_a, *round_b;
static size_t cap_a, cap_b;

static void fail(const char *what) {
    fprintf(stderr, "gemm_shim: %s failed\n", what);
    abort();
}

static void init(void) {
    const char *m = getenv("NASH_GEMM_SHIM");
    mode = m && !strcmp(m, "f32") ? SHIM_F32 : m && !strcmp(m, "bf16") ? SHIM_BF16 : SHIM_OFF;
    void *next = dlsym(RTLD_NEXT, "cblas_sgemm"); /* POSIX: a function's address as an object pointer */
    if (!next) fail("dlsym(cblas_sgemm)");
    memcpy(&openblas_sgemm, &next, sizeof next);
    if (mode == SHIM_OFF) return;
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) fail("dnnl_engine_create");
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) fail("dnnl_stream_create");
}

static void desc(dnnl_memory_desc_t *md, int rows, int cols, int transposed, int ld, dnnl_data_type_t type) {
    dnnl_dims_t dims = {rows, cols};
    dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
    if (dnnl_memory_desc_init_by_strides(md, 2, dims, type, strides) != dnnl_success) fail("memory desc");
}

static const Cached *matmul_for(const Cached *key) {
    for (int i = 0; i < cached; i++) {
        Cached *c = &cache[i];
        if (c->ta == key->ta && c->tb == key->tb && c->m == key->m && c->n == key->n && c->k == key->k &&
            c->lda == key->lda && c->ldb == key->ldb && c->ldc == key->ldc && c->accumulate == key->accumulate)
            return c;
    }
    if (cached == CACHE_SIZE) fail("the primitive cache (more than 256 GEMM shapes)");
    Cached *c = &cache[cached];
    *c = *key;
    desc(&c->a, key->m, key->k, key->ta, key->lda, dnnl_bf16);
    desc(&c->b, key->k, key->n, key->tb, key->ldb, dnnl_bf16);
    desc(&c->c, key->m, key->n, 0, key->ldc, dnnl_f32);
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, &c->a, &c->b, NULL, &c->c) != dnnl_success) fail("dnnl_matmul_desc_init");
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t ops;
    dnnl_primitive_attr_create(&attr);
    dnnl_post_ops_create(&ops);
    if (key->accumulate) dnnl_post_ops_append_sum(ops, 1.0f);
    dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL) != dnnl_success) fail("matmul primitive desc");
    if (dnnl_primitive_create(&c->matmul, pd) != dnnl_success) fail("matmul primitive");
    cached++;
    dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(ops);
    dnnl_primitive_attr_destroy(attr);
    return c;
}

/* Rounds a rows x cols operand stored with leading dimension ld (transposed or not) into a dense
 * bf16 copy with the same leading dimension. */
static uint16_t *rounded(const float *x, int rows, int cols, int transposed, int ld, uint16_t **buf, size_t *cap) {
    size_t outer = (size_t)(transposed ? cols : rows), inner = (size_t)(transposed ? rows : cols);
    size_t need = (outer - 1) * (size_t)ld + inner;
    if (need > *cap) {
        free(*buf);
        *buf = malloc(need * sizeof **buf);
        if (!*buf) fail("malloc");
        *cap = need;
    }
    for (size_t o = 0; o < outer; o++) {
        const float *row = x + o * (size_t)ld;
        uint16_t *out = *buf + o * (size_t)ld;
        for (size_t i = 0; i < inner; i++) out[i] = bench_bf16(row[i]);
    }
    return *buf;
}

void cblas_sgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE transa, const enum CBLAS_TRANSPOSE transb,
                 const blasint m, const blasint n, const blasint k, const float alpha, const float *a,
                 const blasint lda, const float *b, const blasint ldb, const float beta, float *c, const blasint ldc) {
    if (mode < 0) init();
    if (mode == SHIM_OFF || order != CblasRowMajor || m == 0 || n == 0 || k == 0) {
        openblas_sgemm(order, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    int ta = transa != CblasNoTrans, tb = transb != CblasNoTrans;
    if (mode == SHIM_F32) {
        if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != dnnl_success)
            fail("dnnl_sgemm");
        return;
    }
    if (alpha != 1.0f || (beta != 0.0f && beta != 1.0f)) {
        openblas_sgemm(order, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    Cached key = {ta, tb, m, n, k, lda, ldb, ldc, beta == 1.0f, NULL, {0}, {0}, {0}};
    const Cached *mm = matmul_for(&key);
    uint16_t *a16 = rounded(a, m, k, ta, lda, &round_a, &cap_a);
    uint16_t *b16 = rounded(b, k, n, tb, ldb, &round_b, &cap_b);
    dnnl_memory_t am, bm, cm;
    dnnl_memory_create(&am, &mm->a, engine, a16);
    dnnl_memory_create(&bm, &mm->b, engine, b16);
    dnnl_memory_create(&cm, &mm->c, engine, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
    if (dnnl_primitive_execute(mm->matmul, stream, 3, args) != dnnl_success) fail("matmul execute");
    dnnl_stream_wait(stream);
    dnnl_memory_destroy(am), dnnl_memory_destroy(bm), dnnl_memory_destroy(cm);
}
