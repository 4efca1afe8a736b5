/* bench_gemm_backends.c — the GEMMs of the reference DCGAN on every backend nash could call: OpenBLAS
 * sgemm (what nash calls today), oneDNN's sgemm, oneDNN's matmul primitive in float32, and oneDNN's
 * matmul with bf16 operands and a float32 result (the mixed-precision candidate). A benchmark, not a
 * test: it prints figures (docs/benchmarks.md, "GEMM backends").
 *
 *     build/tests/bench/bench_gemm_backends [seconds per measurement, default 0.3]
 *
 * Built only when libdnnl-dev is installed. The shapes are bench_sgemm's batched ones (N = 64*Ho*Wo)
 * and the 4-sample chunks nash multiplies at the 7x7 layers. Row-major C(M,N) = op(A)(M,K) op(B)(K,N),
 * 2*M*N*K FLOPs; each figure is the best of 3 timed runs of as many calls as fill the time, on one
 * thread (OpenBLAS and oneDNN's OpenMP both set to 1). The bf16 figure times the product only; the
 * line after it gives the time to round both float32 operands to bf16 as a share of that product,
 * which a mixed-precision step pays at least once per operand. The largest difference from OpenBLAS's
 * result is printed too, relative to the largest |C|: about 1e-7 for float32, about 1e-3 for bf16
 * (8 bits of mantissa). One line per measurement:
 *     gemm BACKEND NAME M N K GFLOPS MAXREL
 */
#include "bench_util.h"
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int m, n, k;
    int ta, tb; /* 1: the operand is stored transposed */
} GemmShape;

static const GemmShape SHAPES[] = {
    {"square_1024", 1024, 1024, 1024, 0, 0}, {"b64_conv2_fwd", 128, 3136, 1024, 0, 0},
    {"b64_conv2_dx", 1024, 3136, 128, 1, 0}, {"b64_conv2_dw", 128, 1024, 3136, 0, 1},
    {"b64_conv1_fwd", 64, 12544, 16, 0, 0},  {"b64_deconv2_fwd", 16, 12544, 64, 1, 0},
    {"b64_dense_g", 64, 6272, 100, 0, 0},    {"c4_conv2_fwd", 128, 196, 1024, 0, 0},
    {"c4_conv2_dx", 1024, 196, 128, 1, 0},   {"c4_conv2_dw", 128, 1024, 196, 0, 1},
};

enum { OPENBLAS, DNNL_SGEMM, DNNL_MATMUL_F32, DNNL_MATMUL_BF16, BACKENDS };
static const char *BACKEND_NAMES[BACKENDS] = {"openblas_sgemm", "dnnl_sgemm", "dnnl_matmul_f32", "dnnl_matmul_bf16"};

static void die(const char *what, dnnl_status_t st) {
    fprintf(stderr, "bench_gemm_backends: %s failed (oneDNN status %d)\n", what, (int)st);
    exit(1);
}
#define DNNL_CHECK(call)                                                                                               \
    do {                                                                                                               \
        dnnl_status_t st_ = (call);                                                                                    \
        if (st_ != dnnl_success) die(#call, st_);                                                                      \
    } while (0)

/* float32 -> bf16 (bench_bf16). */
static void to_bf16(const float *x, uint16_t *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = bench_bf16(x[i]);
}

typedef struct {
    const GemmShape *s;
    float *a, *b, *c;
    uint16_t *a16, *b16;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t matmul[2]; /* float32, bf16 */
    dnnl_memory_t mem[2][3];    /* src (A), weights (B), dst (C) */
} Problem;

/* A memory descriptor of a row-major (rows x cols) operand stored as given or transposed. */
static void operand_desc(dnnl_memory_desc_t *md, int rows, int cols, int transposed, dnnl_data_type_t type) {
    dnnl_dims_t dims = {rows, cols};
    dnnl_dims_t strides = {transposed ? 1 : cols, transposed ? rows : 1};
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(md, 2, dims, type, strides));
}

static void make_matmul(Problem *p, int which) {
    const GemmShape *s = p->s;
    dnnl_data_type_t in = which ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t amd, bmd, cmd;
    operand_desc(&amd, s->m, s->k, s->ta, in);
    operand_desc(&bmd, s->k, s->n, s->tb, in);
    operand_desc(&cmd, s->m, s->n, 0, dnnl_f32);
    dnnl_matmul_desc_t desc;
    DNNL_CHECK(dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd));
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, p->engine, NULL));
    DNNL_CHECK(dnnl_primitive_create(&p->matmul[which], pd));
    DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
    void *a = which ? (void *)p->a16 : (void *)p->a, *b = which ? (void *)p->b16 : (void *)p->b;
    DNNL_CHECK(dnnl_memory_create(&p->mem[which][0], &amd, p->engine, a));
    DNNL_CHECK(dnnl_memory_create(&p->mem[which][1], &bmd, p->engine, b));
    DNNL_CHECK(dnnl_memory_create(&p->mem[which][2], &cmd, p->engine, p->c));
}

static void run(Problem *p, int backend) {
    const GemmShape *s = p->s;
    int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
    if (backend == OPENBLAS) {
        cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans, s->m, s->n,
                    s->k, 1.0f, p->a, lda, p->b, ldb, 0.0f, p->c, s->n);
    } else if (backend == DNNL_SGEMM) {
        DNNL_CHECK(dnnl_sgemm(s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->m, s->n, s->k, 1.0f, p->a, lda, p->b, ldb, 0.0f,
                              p->c, s->n));
    } else {
        int w = backend == DNNL_MATMUL_BF16;
        dnnl_exec_arg_t args[3] = {
            {DNNL_ARG_SRC, p->mem[w][0]}, {DNNL_ARG_WEIGHTS, p->mem[w][1]}, {DNNL_ARG_DST, p->mem[w][2]}};
        DNNL_CHECK(dnnl_primitive_execute(p->matmul[w], p->stream, 3, args));
        DNNL_CHECK(dnnl_stream_wait(p->stream));
    }
}

typedef struct {
    Problem *p;
    int backend;
    size_t sa, sb;
} Timed;

static void call_backend(void *arg) {
    Timed *t = arg;
    run(t->p, t->backend);
}

static void call_conversion(void *arg) {
    Timed *t = arg;
    to_bf16(t->p->a, t->p->a16, t->sa), to_bf16(t->p->b, t->p->b16, t->sb);
}

static float *random_floats(size_t n) {
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return x;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    if (seconds <= 0.0) {
        fprintf(stderr, "usage: bench_gemm_backends [seconds per measurement > 0]\n");
        return 2;
    }
    srand(1);
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    const dnnl_version_t *v = dnnl_version();
    printf("# OpenBLAS %s; oneDNN %d.%d.%d (cpu isa hints: see ONEDNN_VERBOSE=1)\n", openblas_get_config(), v->major,
           v->minor, v->patch);
    printf("# gemm BACKEND NAME M N K GFLOPS MAXREL\n");
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    DNNL_CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    DNNL_CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        const GemmShape *s = &SHAPES[i];
        size_t sa = (size_t)s->m * s->k, sb = (size_t)s->k * s->n, sc = (size_t)s->m * s->n;
        Problem p = {.s = s, .engine = engine, .stream = stream};
        p.a = random_floats(sa), p.b = random_floats(sb), p.c = malloc(sc * sizeof(float));
        p.a16 = malloc(sa * sizeof(uint16_t)), p.b16 = malloc(sb * sizeof(uint16_t));
        float *ref = malloc(sc * sizeof(float));
        if (!p.a || !p.b || !p.c || !p.a16 || !p.b16 || !ref) {
            fprintf(stderr, "bench_gemm_backends: out of memory at %s\n", s->name);
            return 1;
        }
        to_bf16(p.a, p.a16, sa), to_bf16(p.b, p.b16, sb);
        make_matmul(&p, 0), make_matmul(&p, 1);
        run(&p, OPENBLAS);
        memcpy(ref, p.c, sc * sizeof(float));
        double cmax = 0.0;
        for (size_t j = 0; j < sc; j++) cmax = fmax(cmax, fabs(ref[j]));
        double flops = 2.0 * s->m * s->n * s->k, bf16_s = 0.0;
        for (int b = 0; b < BACKENDS; b++) {
            Timed t = {&p, b, sa, sb};
            double per = bench_seconds_per_call(call_backend, &t, seconds), err = 0.0;
            for (size_t j = 0; j < sc; j++) err = fmax(err, fabs(p.c[j] - ref[j]));
            if (b == DNNL_MATMUL_BF16) bf16_s = per;
            printf("gemm %s %s %d %d %d %.2f %.2e\n", BACKEND_NAMES[b], s->name, s->m, s->n, s->k, flops / per / 1e9,
                   err / cmax);
            fflush(stdout);
        }
        printf("convert_bf16 %s %.0f%% of the bf16 product\n", s->name,
               100.0 * bench_seconds_per_call(call_conversion, &(Timed){&p, 0, sa, sb}, seconds) / bf16_s);
        for (int w = 0; w < 2; w++) {
            dnnl_primitive_destroy(p.matmul[w]);
            for (int m = 0; m < 3; m++) dnnl_memory_destroy(p.mem[w][m]);
        }
        free(p.a), free(p.b), free(p.c), free(p.a16), free(p.b16), free(ref);
    }
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return 0;
}
