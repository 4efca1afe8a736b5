/* init.c — parameter initialisers (formulas and sources in init.h). */
#include "nn/init.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

const char *const init_scheme_words[INIT_SCHEME_COUNT] = {"torch", "dcgan", "xavier", "kaiming"};
_Static_assert(INIT_KAIMING + 1 == INIT_SCHEME_COUNT, "one word per scheme");

const char *init_scheme_name(InitScheme scheme) {
    return (unsigned)scheme < INIT_SCHEME_COUNT ? init_scheme_words[scheme] : "unknown";
}

static void fill_constant(float *values, size_t n, float v) {
    for (size_t i = 0; i < n; i++) values[i] = v;
}

void init_fill(float *values, size_t n, InitScheme scheme, ParamRole role, int fan_in, int fan_out, uint64_t seed,
               uint64_t stream) {
    Rng rng = rng_make(seed, stream);
    double fin = fan_in > 0 ? fan_in : 1, fout = fan_out > 0 ? fan_out : 1;
    if (role == PARAM_BN_BIAS) {
        fill_constant(values, n, 0.0f);
        return;
    }
    if (role == PARAM_BN_WEIGHT) {
        if (scheme == INIT_DCGAN)
            rng_normal_fill(&rng, values, n, 1.0f, 0.02f);
        else
            fill_constant(values, n, 1.0f);
        return;
    }
    switch (scheme) {
    case INIT_TORCH: {
        float bound = (float)(1.0 / sqrt(fin));
        rng_uniform_fill(&rng, values, n, -bound, bound);
        break;
    }
    case INIT_DCGAN:
        if (role == PARAM_BIAS)
            fill_constant(values, n, 0.0f);
        else
            rng_normal_fill(&rng, values, n, 0.0f, 0.02f);
        break;
    case INIT_XAVIER: {
        float bound = (float)sqrt(6.0 / (fin + fout));
        if (role == PARAM_BIAS)
            fill_constant(values, n, 0.0f);
        else
            rng_uniform_fill(&rng, values, n, -bound, bound);
        break;
    }
    case INIT_KAIMING:
        if (role == PARAM_BIAS)
            fill_constant(values, n, 0.0f);
        else
            rng_normal_fill(&rng, values, n, 0.0f, (float)sqrt(2.0 / fin));
        break;
    }
}
