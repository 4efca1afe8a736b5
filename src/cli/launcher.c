/* launcher.c — rank and size from the launcher's environment (launcher.h). */
#include "cli/launcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static bool under_launcher(void) {
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    for (int i = 0; i < 4; i++)
        if (getenv(names[i])) return true;
    return false;
}

/* The command name and parent of a process, from /proc/PID/stat ("PID (comm) S PPID ..."). */
static bool proc_parent(long pid, char *comm, size_t size, long *ppid) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *open = ok ? strchr(line, '(') : NULL, *close = ok ? strrchr(line, ')') : NULL;
    if (!open || !close || close < open) return false;
    snprintf(comm, size, "%.*s", (int)(close - open - 1), open + 1);
    return sscanf(close + 1, " %*c %ld", ppid) == 1;
}

static bool is_launcher(const char *comm) {
    static const char *const names[] = {"mpirun", "mpiexec", "orterun", "prterun", "srun"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(comm, names[i])) return true;
    return false;
}

bool launcher_fd_is_terminal(int fd) {
    if (!isatty(fd)) return false;
    if (!under_launcher()) return true;
    long pid = (long)getppid();
    for (int depth = 0; depth < 16 && pid > 1; depth++) {
        char comm[64];
        long ppid;
        if (!proc_parent(pid, comm, sizeof comm, &ppid)) return false;
        if (is_launcher(comm)) {
            char path[64], target[256];
            snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, fd);
            ssize_t n = readlink(path, target, sizeof target - 1);
            if (n <= 0) return false;
            target[n] = '\0';
            return !strncmp(target, "/dev/pts/", 9) || !strncmp(target, "/dev/tty", 8);
        }
        pid = ppid;
    }
    return false;
}
