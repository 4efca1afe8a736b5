/* words.c — edit distance and the nearest word (words.h). */
#include "core/words.h"

#include <string.h>

#define WORDS_MAX 64

int words_distance(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    if (na > WORDS_MAX || nb > WORDS_MAX) return WORDS_MAX + 1;
    int row[WORDS_MAX + 1];
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diagonal = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int above = row[j];
            int best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[nb];
}

const char *words_nearest(const char *word, const char *const *list, int n, int max_distance) {
    const char *best = NULL;
    int best_distance = max_distance + 1;
    for (int i = 0; i < n; i++) {
        int d = words_distance(word, list[i]);
        if (d < best_distance) {
            best = list[i];
            best_distance = d;
        }
    }
    return best;
}
