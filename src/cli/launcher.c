/* launcher.c — rank and size from the launcher's environment (launcher.h). */
#include "cli/launcher.h"

#include <stdlib.h>

static int env_int(const char *const *names, int n, int fallback) {
    for (int i = 0; i < n; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) return atoi(v);
    }
    return fallback;
}

int launcher_rank(void) {
    static const char *const names[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    return env_int(names, 4, 0);
}

int launcher_size(void) {
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"};
    return env_int(names, 3, 1);
}
