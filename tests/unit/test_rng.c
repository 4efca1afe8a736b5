/* test_rng.c — Philox4x32-10 and nash's uniform/normal streams (src/core/rng.h).
 *
 * 1. Known answers: philox4x32_10 against the published Random123 vectors, and the documented
 *    (seed, stream, block) -> (key, counter) layout against the same vectors.
 * 2. Statistics on fixed seeds (deterministic, so they cannot flake, yet a wrong transform fails):
 *    moments within 5 standard errors, Kolmogorov–Smirnov at alpha = 0.001, chi-square of
 *    rng_below at alpha = 0.001, lag correlations, the |z| bound of the Box–Muller transform.
 * 3. Counter semantics: fills consume whole blocks and agree with random access; streams, seeds
 *    and the high halves of every 64-bit field all change the values; [lo, hi) scaling.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"

#define N_STAT 1000000          /* values per statistical test */
#define SEED_STAT 0x6e617368ull /* "nash" */

/* ---- 1. known answers ------------------------------------------------------------------------ */

typedef struct {
    uint32_t ctr[4], key[2], expect[4];
} Kat;

/* Philox4x32-10 known-answer vectors of the Random123 distribution (Salmon et al., SC'11).
 * The first three are the standard "philox4x32 10" lines of Random123's kat_vectors, as
 * cut-and-pasted by D. E. Shaw Research into repository DEShawResearch/Random123-Boost,
 * libs/random/test/test_philox.cpp (commit 916db91ae4c6fd8324ef054a518851321ab41f91):
 *   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
 *   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
 *   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
 * The other four, which set one key word or one counter word at a time, are lines of the
 * Random123 distribution's examples/kat_vectors as mirrored in repository girving/random123-manual
 * (path examples/kat_vectors, commit 61e8479252c42f0f8c0490dec55237d7c01bf509).
 * Columns: CTR (4 words), KEY (2 words), EXPECTED (4 words), each in array-index order. */
static const Kat kats[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    {{0x00000001, 0x00000000, 0x00000000, 0x00000000},
     {0x00000001, 0x00000000},
     {0xac08141b, 0xdfc5ccbe, 0x79c07a47, 0xa7f66093}},
    {{0x00000000, 0x00000000, 0x00000000, 0x80000000},
     {0x00000000, 0x80000000},
     {0xf7a0b371, 0xe51dc93d, 0x56ce135d, 0x1d4b5580}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0x00000000, 0x00000001},
     {0x126514c3, 0xd1898b69, 0xda2707b3, 0x6e6fb436}},
    {{0x00000000, 0x00000000, 0xffffffff, 0x00000000},
     {0x00000000, 0xffffffff},
     {0x07678411, 0x9e524307, 0xba634e67, 0x94ee8cb7}},
};

static uint64_t join64(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

static void test_known_answers(void) {
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        const Kat *v = &kats[i];
        uint32_t out[4];
        philox4x32_10(v->ctr, v->key, out);
        check_true(memcmp(out, v->expect, sizeof out) == 0,
                   "philox4x32_10 KAT %zu: got %08x %08x %08x %08x, expected %08x %08x %08x %08x", i, out[0], out[1],
                   out[2], out[3], v->expect[0], v->expect[1], v->expect[2], v->expect[3]);
        /* rng.h: key = (seed lo, seed hi), counter = (block lo, block hi, stream lo, stream hi). */
        uint64_t seed = join64(v->key[0], v->key[1]);
        uint64_t block = join64(v->ctr[0], v->ctr[1]);
        uint64_t stream = join64(v->ctr[2], v->ctr[3]);
        rng_block_at(seed, stream, block, out);
        check_true(memcmp(out, v->expect, sizeof out) == 0,
                   "rng_block_at layout KAT %zu: seed %016llx stream %016llx block %016llx gives %08x %08x %08x %08x",
                   i, (unsigned long long)seed, (unsigned long long)stream, (unsigned long long)block, out[0], out[1],
                   out[2], out[3]);
    }
}

/* ---- 2. statistics ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double cdf_uniform(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }
static double cdf_normal(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* The Kolmogorov–Smirnov statistic D of n values against a continuous CDF (sorts a copy). */
static double ks_statistic(const float *x, size_t n, double (*cdf)(double)) {
    double *s = malloc(n * sizeof *s);
    if (!s) return INFINITY;
    for (size_t i = 0; i < n; i++) s[i] = x[i];
    qsort(s, n, sizeof *s, cmp_double);
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(s[i]);
        double above = (double)(i + 1) / (double)n - f, below = f - (double)i / (double)n;
        if (above > d) d = above;
        if (below > d) d = below;
    }
    free(s);
    return d;
}

/* Critical value of D at alpha = 0.001 for large n: sqrt(-ln(alpha/2)/2) / sqrt(n) = 1.9495/sqrt(n). */
static double ks_critical(size_t n) { return 1.95 / sqrt((double)n); }

static void moments(const float *x, size_t n, double *mean, double *var) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double m = s / (double)n, ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = ss / (double)(n - 1);
}

/* Pearson correlation of x[i] and x[i + lag]. */
static double lag_correlation(const float *x, size_t n, size_t lag) {
    double ma, va, mb, vb, sab = 0.0;
    moments(x, n - lag, &ma, &va);
    moments(x + lag, n - lag, &mb, &vb);
    for (size_t i = 0; i + lag < n; i++) sab += (x[i] - ma) * (x[i + lag] - mb);
    return sab / (double)(n - lag - 1) / sqrt(va * vb);
}

static void test_uniform_statistics(float *u) {
    const size_t n = N_STAT;
    Rng rng = rng_make(SEED_STAT, 1);
    rng_uniform_fill(&rng, u, n, 0.0f, 1.0f);
    float lo = u[0], hi = u[0];
    for (size_t i = 0; i < n; i++) {
        if (u[i] < lo) lo = u[i];
        if (u[i] > hi) hi = u[i];
    }
    check_true(lo >= 0.0f && hi < 1.0f, "uniform values in [0, 1): min %.9g max %.9g", (double)lo, (double)hi);

    double mean, var;
    moments(u, n, &mean, &var);
    /* SE of the mean sqrt(1/12/n); of the variance sqrt((E(u-1/2)^4 - 1/144)/n) = sqrt(1/180/n). */
    double se_mean = sqrt(1.0 / 12.0 / n), se_var = sqrt(1.0 / 180.0 / n);
    check_true(fabs(mean - 0.5) <= 5 * se_mean, "uniform mean %.6f vs 1/2: %.2f SE (limit 5)", mean,
               fabs(mean - 0.5) / se_mean);
    check_true(fabs(var - 1.0 / 12) <= 5 * se_var, "uniform variance %.6f vs 1/12: %.2f SE (limit 5)", var,
               fabs(var - 1.0 / 12) / se_var);

    double d = ks_statistic(u, n, cdf_uniform), crit = ks_critical(n);
    printf("uniform: n %zu mean %.6f (%.2f SE) var %.6f (%.2f SE) KS D %.6f (sqrt(n) D %.3f) critical %.6f\n", n, mean,
           (mean - 0.5) / se_mean, var, (var - 1.0 / 12) / se_var, d, d * sqrt((double)n), crit);
    check_true(d < crit, "uniform KS D %.6f < critical %.6f (alpha 0.001, n %zu)", d, crit, n);

    for (size_t lag = 1; lag <= 4; lag++) {
        double r = lag_correlation(u, n, lag);
        check_true(fabs(r) <= 5 / sqrt((double)n), "uniform lag-%zu correlation %.5f within 5/sqrt(n)", lag, r);
    }
}

static void test_normal_statistics(float *z) {
    const size_t n = N_STAT;
    Rng rng = rng_make(SEED_STAT, 2);
    rng_normal_fill(&rng, z, n, 0.0f, 1.0f);
    double zmax = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(z[i]) <= zmax)) zmax = fabs(z[i]); /* also catches NaN */
    /* rng.h: |z| <= sqrt(-2 ln 2^-32) = sqrt(64 ln 2) = 6.6604 by construction. */
    check_true(zmax <= 6.67, "largest |z| %.4f <= 6.67", zmax);
    check_true(zmax > 4.0, "largest |z| %.4f of 1e6 normals exceeds 4 (a tail exists)", zmax);

    double mean, var;
    moments(z, n, &mean, &var);
    double se_mean = 1 / sqrt((double)n), se_var = sqrt(2.0 / n); /* Var(z^2) = 2 */
    check_true(fabs(mean) <= 5 * se_mean, "normal mean %.6f vs 0: %.2f SE (limit 5)", mean, fabs(mean) / se_mean);
    check_true(fabs(var - 1) <= 5 * se_var, "normal variance %.6f vs 1: %.2f SE (limit 5)", var,
               fabs(var - 1) / se_var);

    double d = ks_statistic(z, n, cdf_normal), crit = ks_critical(n);
    printf("normal:  n %zu mean %.6f (%.2f SE) var %.6f (%.2f SE) max|z| %.4f KS D %.6f (sqrt(n) D %.3f) critical "
           "%.6f\n",
           n, mean, mean / se_mean, var, (var - 1) / se_var, zmax, d, d * sqrt((double)n), crit);
    check_true(d < crit, "normal KS D %.6f < critical %.6f (alpha 0.001, n %zu)", d, crit, n);

    /* Lag 1 pairs the two outputs of one Box–Muller pair (and of neighbouring pairs). */
    for (size_t lag = 1; lag <= 4; lag++) {
        double r = lag_correlation(z, n, lag);
        check_true(fabs(r) <= 5 / sqrt((double)n), "normal lag-%zu correlation %.5f within 5/sqrt(n)", lag, r);
    }
    /* Normals shifted and scaled by the fill: N(3, 0.5^2). */
    Rng again = rng_make(SEED_STAT, 2);
    rng_normal_fill(&again, z, n, 3.0f, 0.5f);
    moments(z, n, &mean, &var);
    check_true(fabs(mean - 3) <= 5 * 0.5 * se_mean && fabs(var - 0.25) <= 5 * 0.25 * se_var,
               "N(3, 0.5^2) fill: mean %.5f variance %.5f", mean, var);
}

/* Chi-square of `draws` values of rng_below(bound) binned by value % bins against a uniform
 * expectation; critical values at alpha = 0.001 for bins - 1 degrees of freedom. */
static void chi_square_below(uint64_t stream, uint32_t bound, uint32_t bins, size_t draws, double critical) {
    size_t *count = calloc(bins, sizeof *count);
    if (!check_true(count != NULL, "chi-square: allocation")) return;
    Rng rng = rng_make(SEED_STAT, stream);
    uint32_t worst = 0;
    for (size_t i = 0; i < draws; i++) {
        uint32_t v = rng_below(&rng, bound);
        if (v >= bound) worst = v;
        count[v % bins]++;
    }
    check_true(worst == 0, "rng_below(%u) returned %u, out of range", bound, worst);
    double expect = (double)draws / bins, chi2 = 0.0;
    for (uint32_t b = 0; b < bins; b++) chi2 += (count[b] - expect) * (count[b] - expect) / expect;
    printf("rng_below(%u): %zu draws in %u bins, chi-square %.2f (df %u, critical %.2f at alpha 0.001)\n", bound, draws,
           bins, chi2, bins - 1, critical);
    check_true(chi2 < critical, "rng_below(%u) chi-square %.2f < %.2f (df %u, alpha 0.001)", bound, chi2, critical,
               bins - 1);
    free(count);
}

static void test_below(void) {
    chi_square_below(10, 10, 10, 200000, 27.877);
    chi_square_below(11, 7, 7, 200000, 22.458);
    chi_square_below(12, 1000, 1000, 1000000, 1142.85);
    /* bound = 3*2^30: without Lemire's rejection step, value % 3 == 0 would have probability 1/2. */
    chi_square_below(13, 3u << 30, 3, 300000, 13.816);

    Rng rng = rng_make(SEED_STAT, 14);
    int ones_ok = 1;
    for (int i = 0; i < 100; i++) ones_ok &= rng_below(&rng, 1) == 0;
    check_true(ones_ok, "rng_below(1) is always 0");

    /* One block per call, lane 0 first: value = (w0 * bound) >> 32 when lane 0 is accepted
     * (for bound 10 a lane is rejected only when its low product is below 2^32 mod 10 = 6). */
    rng = rng_make(SEED_STAT, 15);
    int lane0_ok = 1;
    for (uint64_t call = 0; call < 1000; call++) {
        uint32_t w[4];
        rng_block_at(SEED_STAT, 15, call, w);
        uint32_t expect = (uint32_t)(((uint64_t)w[0] * 10) >> 32);
        lane0_ok &= rng_below(&rng, 10) == expect;
    }
    check_true(lane0_ok && rng.block == 1000, "rng_below: one block per call, lane 0 first (block %llu)",
               (unsigned long long)rng.block);
}

/* ---- 3. counter semantics ------------------------------------------------------------------ */

/* The transforms exactly as documented in rng.h, from the raw words. */
static float doc_uniform(uint32_t w) { return (float)((double)(w >> 8) * 0x1p-24); }
static void doc_box_muller(uint32_t a, uint32_t b, float *z0, float *z1) {
    double u1 = ((double)a + 1.0) * 0x1p-32, u2 = (double)b * 0x1p-32;
    double r = sqrt(-2.0 * log(u1)), t = 2.0 * 3.14159265358979323846 * u2;
    *z0 = (float)(r * cos(t));
    *z1 = (float)(r * sin(t));
}

static void test_transforms_match_docs(void) {
    enum { BLOCKS = 64 };
    float u[4 * BLOCKS], z[4 * BLOCKS], ru[4 * BLOCKS], rz[4 * BLOCKS];
    rng_uniform_at(9, 3, 0, u, 4 * BLOCKS);
    rng_normal_at(9, 3, 0, z, 4 * BLOCKS);
    for (uint64_t b = 0; b < BLOCKS; b++) {
        uint32_t w[4];
        rng_block_at(9, 3, b, w);
        for (int lane = 0; lane < 4; lane++) ru[4 * b + lane] = doc_uniform(w[lane]);
        doc_box_muller(w[0], w[1], &rz[4 * b], &rz[4 * b + 1]);
        doc_box_muller(w[2], w[3], &rz[4 * b + 2], &rz[4 * b + 3]);
    }
    check_true(memcmp(u, ru, sizeof u) == 0, "uniform k = (word k%%4 of block k/4 >> 8) * 2^-24, exactly");
    check_close_nonzero("normal k = Box-Muller lanes (0,1) and (2,3) of block k/4", z, rz, 4 * BLOCKS, 1e-6, 1e-6);
}

static void test_fill_consumes_blocks(void) {
    enum { TOTAL = 40 };
    float at[TOTAL], got[TOTAL];
    const size_t sizes[] = {5, 7, 1, 4, 3};
    /* Normal fills: each of n values consumes ceil(n/4) blocks and starts on a block boundary. */
    for (int kind = 0; kind < 2; kind++) {
        Rng rng = rng_make(77, 5);
        uint64_t block = 0;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            if (kind == 0) {
                rng_normal_fill(&rng, got, n, 0.0f, 1.0f);
                rng_normal_at(77, 5, 4 * block, at, n);
            } else {
                rng_uniform_fill(&rng, got, n, 0.0f, 1.0f);
                rng_uniform_at(77, 5, 4 * block, at, n);
            }
            block += (n + 3) / 4;
            check_true(memcmp(got, at, n * sizeof *got) == 0 && rng.block == block,
                       "%s fill %zu of %zu values equals *_at(first = %llu), then block %llu (expected %llu)",
                       kind == 0 ? "normal" : "uniform", s, n, (unsigned long long)(4 * (block - (n + 3) / 4)),
                       (unsigned long long)rng.block, (unsigned long long)block);
        }
    }
    /* Random access at an unaligned first index equals the same slice of a longer draw. */
    float whole[TOTAL];
    rng_normal_at(77, 5, 0, whole, TOTAL);
    rng_normal_at(77, 5, 3, got, 30);
    check_true(memcmp(got, whole + 3, 30 * sizeof *got) == 0, "rng_normal_at(first = 3) is a slice of first = 0");
    rng_uniform_at(77, 5, 0, whole, TOTAL);
    rng_uniform_at(77, 5, 6, got, 17);
    check_true(memcmp(got, whole + 6, 17 * sizeof *got) == 0, "rng_uniform_at(first = 6) is a slice of first = 0");
    /* A fill that starts at block b equals *_at(4b): resuming from a saved counter. */
    Rng resumed = {.seed = 77, .stream = 5, .block = 1000};
    rng_normal_fill(&resumed, got, 9, 0.0f, 1.0f);
    rng_normal_at(77, 5, 4000, at, 9);
    check_true(memcmp(got, at, 9 * sizeof *got) == 0 && resumed.block == 1003,
               "fill from block 1000 equals rng_normal_at(first = 4000) and advances to 1003");
    /* The mean/std of a normal fill scales the same values. */
    Rng scaled = rng_make(77, 5);
    rng_normal_fill(&scaled, got, 8, -1.0f, 2.0f);
    rng_normal_at(77, 5, 0, at, 8);
    for (int i = 0; i < 8; i++) at[i] = -1.0f + 2.0f * at[i];
    check_close_nonzero("normal fill N(-1, 2^2) = -1 + 2*z", got, at, 8, 1e-6, 1e-6);
}

/* How many of n positions hold the same value in a and b. */
static size_t count_equal(const float *a, const float *b, size_t n) {
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += a[i] == b[i];
    return same;
}

static void test_streams_and_seeds_differ(void) {
    enum { N = 256 };
    float a[N], b[N];
    const uint64_t hi = 1ull << 32;
    struct {
        const char *what;
        uint64_t seed_a, stream_a, first_a, seed_b, stream_b, first_b;
    } cases[] = {
        {"stream 0 vs 1", 1, 0, 0, 1, 1, 0},
        {"seed 1 vs 2", 1, 0, 0, 2, 0, 0},
        {"seed high word (1 vs 1 + 2^32)", 1, 0, 0, 1 + hi, 0, 0},
        {"stream high word (0 vs 2^32)", 1, 0, 0, 1, hi, 0},
        {"block high word (index 0 vs 4*2^32)", 1, 0, 0, 1, 0, 4 * hi},
        {"seed and stream swapped", 3, 4, 0, 4, 3, 0},
        {"adjacent blocks (index 0 vs 4)", 1, 0, 0, 1, 0, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rng_normal_at(cases[c].seed_a, cases[c].stream_a, cases[c].first_a, a, N);
        rng_normal_at(cases[c].seed_b, cases[c].stream_b, cases[c].first_b, b, N);
        size_t same = count_equal(a, b, N);
        rng_uniform_at(cases[c].seed_a, cases[c].stream_a, cases[c].first_a, a, N);
        rng_uniform_at(cases[c].seed_b, cases[c].stream_b, cases[c].first_b, b, N);
        same += count_equal(a, b, N);
        check_true(same == 0, "%s: %zu of %d values coincide", cases[c].what, same, 2 * N);
    }
    /* The same (seed, stream, index) always gives the same value. */
    rng_normal_at(1, 0, 12345, a, N);
    rng_normal_at(1, 0, 12345, b, N);
    check_true(count_equal(a, b, N) == N, "same (seed, stream, index) reproduces the values");
}

static void test_uniform_scaling(void) {
    enum { N = 4096 };
    float u[N], got[N];
    const float ranges[][2] = {{-2.0f, 3.0f}, {0.5f, 0.75f}, {-1e-3f, 1e-3f}, {100.0f, 101.0f}};
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        float lo = ranges[r][0], hi = ranges[r][1];
        Rng rng = rng_make(5, 6);
        rng_uniform_fill(&rng, got, N, lo, hi);
        rng_uniform_at(5, 6, 0, u, N);
        size_t outside = 0;
        float ref[N];
        for (size_t i = 0; i < N; i++) {
            ref[i] = lo + (hi - lo) * u[i];
            if (ref[i] >= hi) ref[i] = nextafterf(hi, lo);
            outside += !(got[i] >= lo && got[i] < hi);
        }
        check_true(outside == 0, "uniform fill [%g, %g): %zu values outside", (double)lo, (double)hi, outside);
        check_true(memcmp(got, ref, sizeof got) == 0, "uniform fill [%g, %g) = lo + (hi - lo)*u, exactly", (double)lo,
                   (double)hi);
        double mean, var;
        moments(got, N, &mean, &var);
        double width = (double)hi - lo, se = width / sqrt(12.0 * N);
        check_true(fabs(mean - (lo + width / 2)) <= 5 * se, "uniform fill [%g, %g): mean %.6g", (double)lo, (double)hi,
                   mean);
    }
    /* Seed 2, stream 7, block 7164876, lane 2 holds the word 0xffffff55, so u = 1 - 2^-24 there
     * (found by a search outside this test). In float, 1 + (1 - 2^-24) and 100 + (1 - 2^-24)
     * round up to 2 and 101: the fill must still stay below hi. */
    const uint64_t block = 7164876;
    float top;
    rng_uniform_at(2, 7, 4 * block + 2, &top, 1);
    check_true(top == 1.0f - 0x1p-24f, "edge case: u at (2, 7, 4*%llu + 2) is 1 - 2^-24 (got %.9g)",
               (unsigned long long)block, (double)top);
    const float edges[][2] = {{1.0f, 2.0f}, {100.0f, 101.0f}, {-1.0f, 1.0f}, {0.0f, 1.0f}, {-3.0f, -2.0f}};
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
        float lo = edges[e][0], hi = edges[e][1], x[4];
        Rng rng = {.seed = 2, .stream = 7, .block = block};
        rng_uniform_fill(&rng, x, 4, lo, hi);
        check_true(x[2] >= lo && x[2] < hi, "uniform fill [%g, %g) at u = 1 - 2^-24 gives %.9g", (double)lo, (double)hi,
                   (double)x[2]);
    }
}

int main(void) {
    float *buf = malloc(N_STAT * sizeof *buf);
    if (!buf) {
        fprintf(stderr, "test_rng: cannot allocate %d floats\n", N_STAT);
        return 1;
    }
    test_known_answers();
    test_uniform_statistics(buf);
    test_normal_statistics(buf);
    test_below();
    test_transforms_match_docs();
    test_fill_consumes_blocks();
    test_streams_and_seeds_differ();
    test_uniform_scaling();
    free(buf);
    return check_finish("rng");
}
