/* conv_choice.c — which way the convolutions run (see conv_onednn.h): the path (NASH_CONV, or
 * conv_path_set), the precision (train.precision, through conv_precision_set), whether oneDNN has
 * bf16 kernels for this CPU, and the line `nash info` prints about all three. Which layer takes
 * which path is conv_onednn.c's rule, on these choices.
 */
#include "nn/conv_onednn.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "nn/relayout.h"

/* ---- the path choice ------------------------------------------------------------------------ */

static const char *const PATH_NAMES[] = {"auto", "im2col", "onednn"};
static int path_state = -1; /* -1: not read from NASH_CONV yet */
static ConvPrecision precision_state = CONV_FLOAT32;

bool conv_path_parse(const char *name, ConvPath *out) {
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, PATH_NAMES[i])) {
            *out = (ConvPath)i;
            return true;
        }
    return false;
}

const char *conv_path_name(ConvPath path) { return PATH_NAMES[path]; }

void conv_path_set(ConvPath path) { path_state = (int)path; }

ConvPath conv_path(void) {
    if (path_state < 0) {
        const char *env = getenv("NASH_CONV");
        ConvPath p = CONV_PATH_AUTO;
        if (env && *env && !conv_path_parse(env, &p))
            fprintf(stderr, "nash: NASH_CONV=%s is not one of auto, im2col, onednn; using auto\n", env);
        path_state = (int)p;
    }
    return (ConvPath)path_state;
}

ConvPrecision conv_precision(void) { return precision_state; }
void conv_precision_set(ConvPrecision precision) { precision_state = precision; }

bool conv_bf16_supported(void) {
    /* The ISA values are nested bit masks: a CPU with AMX has every avx512_core_bf16 bit too. */
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa(), bf16 = (unsigned)dnnl_cpu_isa_avx512_core_bf16;
    return (isa & bf16) == bf16;
}

const char *conv_onednn_describe(char *buf, size_t size) {
    const dnnl_version_t *v = dnnl_version();
    static const struct {
        dnnl_cpu_isa_t isa;
        const char *name;
    } ISAS[] = {{dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"},
                {dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"},
                {dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni"},
                {dnnl_cpu_isa_avx512_core, "avx512_core"},
                {dnnl_cpu_isa_avx2_vnni, "avx2_vnni"},
                {dnnl_cpu_isa_avx2, "avx2"},
                {dnnl_cpu_isa_avx, "avx"},
                {dnnl_cpu_isa_sse41, "sse41"}};
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    const char *name = "?";
    for (size_t i = 0; i < sizeof ISAS / sizeof ISAS[0]; i++)
        if (isa == ISAS[i].isa) {
            name = ISAS[i].name;
            break;
        }
    snprintf(buf, size, "oneDNN %d.%d.%d, kernels up to %s (bf16: %s); NASH_CONV path %s", v->major, v->minor, v->patch,
             name, conv_bf16_supported() ? "yes" : "no", conv_path_name(conv_path()));
    return buf;
}

/* ---- the NCHW copies of a channels-last layer oneDNN does not run ------------------------------ */

/* Floats rounded up to whole NASH_ALIGN bytes, so every copy starts aligned. */
static size_t slices(size_t floats) { return nash_align_up(floats * sizeof(float)) / sizeof(float); }

size_t conv_nchw_copies_floats(const ConvShape *s, int n) {
    size_t in = (size_t)n * (size_t)s->cin * (size_t)s->h * (size_t)s->w;
    size_t out = (size_t)n * (size_t)s->cout * (size_t)s->ho * (size_t)s->wo;
    return s->nhwc_in || s->nhwc_out ? slices(in) + slices(out) + slices(in > out ? in : out) : 0;
}

void conv_run_nchw(const ConvShape *s, ConvNchwPass pass, const void *layer, const float *x, const float *dy,
                   float *out, int n, bool param_grads, float *work, size_t offset) {
    const size_t in = (size_t)s->h * (size_t)s->w, px = (size_t)s->ho * (size_t)s->wo;
    float *xc = work + offset, *dyc = xc + slices((size_t)n * (size_t)s->cin * in);
    float *oc = dyc + slices((size_t)n * (size_t)s->cout * px);
    if (s->nhwc_in) relayout_from(RELAYOUT_NHWC, x, n, s->cin, in, xc);
    if (dy && s->nhwc_out) relayout_from(RELAYOUT_NHWC, dy, n, s->cout, px, dyc);
    bool back = out && (dy ? s->nhwc_in : s->nhwc_out); /* the output goes back channels-last */
    pass(layer, s->nhwc_in ? xc : x, dy && s->nhwc_out ? dyc : dy, back ? oc : out, n, param_grads, work);
    if (back) relayout_to(RELAYOUT_NHWC, oc, n, dy ? s->cin : s->cout, dy ? in : px, out);
}
