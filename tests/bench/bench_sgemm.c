/* bench_sgemm.c — what OpenBLAS sgemm does on this machine: the roof that bench_dcgan.sh measures
 * nash against (a benchmark, not a test: it prints figures).
 *
 *     build/tests/bench/bench_sgemm [seconds per measurement, default 0.3]
 *
 * For 1 and 2 OpenBLAS threads: a big square GEMM (1024^3) and the GEMMs of the reference DCGAN
 * (configs/fashion-dcgan.ini, batch 64), both as nash runs them today (one GEMM per sample: N =
 * Ho*Wo pixels) and batched over the whole minibatch (N = 64*Ho*Wo), which is what an
 * im2col of the full batch would give. Row-major C(M,N) = A(M,K) B(K,N); 2*M*N*K FLOPs.
 * Each figure is the best of 3 timed runs of as many calls as fill the time. One line per
 * measurement, machine-readable:
 *     sgemm NAME M N K THREADS GFLOPS
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

typedef struct {
    const char *name;
    int m, n, k;
    CBLAS_TRANSPOSE ta, tb;
} GemmShape;

/* The layer GEMMs of fashion-dcgan (see conv2d.c and deconv2d.c for which product is which). */
static const GemmShape SHAPES[] = {
    {"square_1024", 1024, 1024, 1024, CblasNoTrans, CblasNoTrans},
    /* batched over B = 64: conv2 (64->128, 14->7) and deconv1 (128->64, 7->14), N = 64*49 */
    {"b64_conv2_fwd", 128, 3136, 1024, CblasNoTrans, CblasNoTrans},
    {"b64_conv2_dx", 1024, 3136, 128, CblasTrans, CblasNoTrans},
    {"b64_conv2_dw", 128, 1024, 3136, CblasNoTrans, CblasTrans},
    /* thin ones: conv1 (1->64, K = 16) and deconv2 (64->1, M = 16), N = 64*196 */
    {"b64_conv1_fwd", 64, 12544, 16, CblasNoTrans, CblasNoTrans},
    {"b64_deconv2_fwd", 16, 12544, 64, CblasTrans, CblasNoTrans},
    {"b64_dense_g", 64, 6272, 100, CblasNoTrans, CblasNoTrans},
    /* 4 samples side by side, as conv2d.c/deconv2d.c call the 7x7 layers (IM2COL_CHUNK): N = 4*49 */
    {"c4_conv2_fwd", 128, 196, 1024, CblasNoTrans, CblasNoTrans},
    {"c4_conv2_dx", 1024, 196, 128, CblasTrans, CblasNoTrans},
    {"c4_conv2_dw", 128, 1024, 196, CblasNoTrans, CblasTrans},
    /* per sample: N = Ho*Wo (the thin layers still go one sample a time; the 7x7 ones did before) */
    {"s1_conv2_fwd", 128, 49, 1024, CblasNoTrans, CblasNoTrans},
    {"s1_conv2_dx", 1024, 49, 128, CblasTrans, CblasNoTrans},
    {"s1_conv2_dw", 128, 1024, 49, CblasNoTrans, CblasTrans},
    {"s1_conv1_fwd", 64, 196, 16, CblasNoTrans, CblasNoTrans},
    {"s1_deconv2_fwd", 16, 196, 64, CblasTrans, CblasNoTrans},
};

static float *random_floats(size_t n) {
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return x;
}

typedef struct {
    const GemmShape *s;
    const float *a, *b;
    float *c;
    int lda, ldb;
} Call;

static void call_sgemm(void *arg) {
    const Call *g = arg;
    const GemmShape *s = g->s;
    cblas_sgemm(CblasRowMajor, s->ta, s->tb, s->m, s->n, s->k, 1.0f, g->a, g->lda, g->b, g->ldb, 0.0f, g->c, s->n);
}

/* GFLOP/s of one shape: the best of 3 runs of as many calls as fill `seconds` (bench_util.h). */
static double measure(const GemmShape *s, double seconds) {
    size_t sa = (size_t)s->m * (size_t)s->k, sb = (size_t)s->k * (size_t)s->n, sc = (size_t)s->m * (size_t)s->n;
    float *a = random_floats(sa), *b = random_floats(sb), *c = random_floats(sc);
    double rate = 0.0;
    if (a && b && c) {
        Call g = {s, a, b, c, s->ta == CblasNoTrans ? s->k : s->m, s->tb == CblasNoTrans ? s->n : s->k};
        rate = 2.0 * s->m * s->n * s->k / bench_seconds_per_call(call_sgemm, &g, seconds) / 1e9;
    }
    free(a), free(b), free(c);
    return rate;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    if (seconds <= 0.0) {
        fprintf(stderr, "usage: bench_sgemm [seconds per measurement > 0]\n");
        return 2;
    }
    srand(1);
    printf("# OpenBLAS %s; sgemm NAME M N K THREADS GFLOPS\n", openblas_get_config());
    for (int threads = 1; threads <= 2; threads++) {
        openblas_set_num_threads(threads);
        for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
            const GemmShape *s = &SHAPES[i];
            printf("sgemm %s %d %d %d %d %.2f\n", s->name, s->m, s->n, s->k, threads, measure(s, seconds));
            fflush(stdout);
        }
    }
    return 0;
}
