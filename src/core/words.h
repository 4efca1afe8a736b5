/* words.h — the nearest word, for "did you mean" in error messages: a mistyped command, option or
 * config key gets a suggestion instead of a bare "unknown". */
#ifndef NASH_CORE_WORDS_H
#define NASH_CORE_WORDS_H

/* The Levenshtein distance of two strings, byte by byte (insertions, deletions, substitutions;
 * 64 bytes at most are compared, longer strings count as far apart). */
int words_distance(const char *a, const char *b);

/* The entry of list (n words) nearest to `word`, when it is at most max_distance away; ties go
 * to the first. NULL when none is that close. */
const char *words_nearest(const char *word, const char *const *list, int n, int max_distance);

#endif
