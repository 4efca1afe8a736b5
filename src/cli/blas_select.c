/* blas_select.c — re-execute on a better OpenBLAS kernel (blas_select.h). */
#include "cli/blas_select.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/launcher.h"
#include "core/cpu.h"

#define ENV_CORETYPE "OPENBLAS_CORETYPE"
#define ENV_CHOSE "NASH_BLAS_CHOSE"
#define ENV_TRIED "NASH_BLAS_TRIED"
#define ENV_FROM "NASH_BLAS_FROM"
#define ENV_TEST_CORE "NASH_TEST_BLAS_CORENAME"

static const char *env_or_empty(const char *name) {
    const char *v = getenv(name);
    return v ? v : "";
}

/* True when OPENBLAS_CORETYPE was set by an earlier nash of this process, not by the user. */
static bool coretype_is_nashs(void) {
    const char *set = getenv(ENV_CORETYPE), *chose = getenv(ENV_CHOSE);
    return set && chose && *chose && strcmp(set, chose) == 0;
}

void blas_select_kernel(char **argv, bool announce) {
    CpuInfo cpu;
    cpu_probe(&cpu);
    bool nashs = coretype_is_nashs();
    const char *core = blas_core_name();
    const char *test_core = getenv(ENV_TEST_CORE);
    if (!nashs && test_core && *test_core) core = test_core;
    const char *user = nashs ? NULL : getenv(ENV_CORETYPE);
    BlasChoice c = blas_choose_kernel(core, &cpu, user, getenv(ENV_TRIED));

    if (c.action == BLAS_SWITCH) {
        char tried[256];
        const char *before = env_or_empty(ENV_TRIED);
        snprintf(tried, sizeof tried, "%s%s%s", before, *before ? "," : "", c.kernel);
        if ((nashs || setenv(ENV_FROM, core, 1) == 0) && setenv(ENV_TRIED, tried, 1) == 0 &&
            setenv(ENV_CHOSE, c.kernel, 1) == 0 && setenv(ENV_CORETYPE, c.kernel, 1) == 0) {
            fflush(NULL);
            execv("/proc/self/exe", argv);
        }
        /* Still here: the exec failed. Run on as we are, and say so. */
        fprintf(stderr,
                "nash: warning: OpenBLAS runs its %s kernels on this %s CPU; running again with "
                "OPENBLAS_CORETYPE=%s failed (%s), so nash goes on with %s\n",
                core, blas_tier_name(c.cpu_tier), c.kernel, strerror(errno), core);
        unsetenv(ENV_CHOSE);
        return;
    }
    if (!announce || !nashs || launcher_rank() != 0) return;
    const char *from = env_or_empty(ENV_FROM);
    if (c.action == BLAS_KEEP_BEST)
        fprintf(stderr,
                "nash: OpenBLAS picked its %s kernels on this %s CPU; nash runs its %s kernels instead "
                "(set OPENBLAS_CORETYPE to choose yourself; nash info shows the choice)\n",
                from, blas_tier_name(c.cpu_tier), core);
    else
        fprintf(stderr,
                "nash: OpenBLAS picked its %s kernels on this %s CPU and has no better one nash could "
                "select (asked for %s); running %s (set OPENBLAS_CORETYPE to choose yourself)\n",
                from, blas_tier_name(c.cpu_tier), env_or_empty(ENV_TRIED), core);
}

const char *blas_select_story(char *buf, unsigned size) {
    const char *set = getenv(ENV_CORETYPE);
    if (coretype_is_nashs())
        snprintf(buf, size, "chosen by nash: OpenBLAS picked %s by itself (asked for %s)", env_or_empty(ENV_FROM),
                 env_or_empty(ENV_TRIED));
    else if (set && *set)
        snprintf(buf, size, "OPENBLAS_CORETYPE=%s, the user's choice (nash never overrides it)", set);
    else
        snprintf(buf, size, "OpenBLAS's own choice");
    return buf;
}

bool blas_default_threads(void) {
    static const char *const names[] = {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) return false;
    }
    blas_set_threads(1);
    return true;
}
