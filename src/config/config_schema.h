/* config_schema.h — the one table behind config.h (private to config/).
 *
 * Every key of the INI config is one ConfigKey: its [section] and name, its type, the allowed
 * words (enums) or range (numbers), its default written as text (parsed by the same code as a
 * value read from a file), a one-line help, and where it lives in Config (offset and size).
 * Defaults, parsing, `--set`, config_write and the reference table of docs/config.md all walk
 * this table, so they cannot disagree.
 *
 * Values are parsed strictly: integers are base-10 digits only (no trailing text, no overflow),
 * numbers are finite doubles, booleans are true/false/yes/no/on/off/1/0 (any case), enums are one
 * of their words exactly, and strings must survive a write/read cycle through an INI file (no
 * control characters, no leading or trailing blanks, no '#' or ';' that would start a comment).
 */
#ifndef NASH_CONFIG_CONFIG_SCHEMA_H
#define NASH_CONFIG_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

typedef enum {
    CONFIG_INT,    /* int */
    CONFIG_INT64,  /* int64_t */
    CONFIG_UINT64, /* uint64_t */
    CONFIG_DOUBLE, /* double */
    CONFIG_BOOL,   /* bool */
    CONFIG_STRING, /* char[size] */
    CONFIG_ENUM,   /* an enum (int-sized), the index of one of `words` */
    CONFIG_PATH,   /* char[size], a file or directory name */
    CONFIG_LAYERS, /* NetConfig: layer lines (repeated `layer =` keys; ';'-separated in --set) */
} ConfigType;

/* Which bounds of a number's range apply, and whether they are exclusive. */
enum {
    CONFIG_HAS_MIN = 1,
    CONFIG_HAS_MAX = 2,
    CONFIG_MIN_OPEN = 4, /* value > min rather than >= min */
    CONFIG_MAX_OPEN = 8, /* value < max rather than <= max */
    CONFIG_AUTO = 16,    /* an integer that may also be the word auto, stored (and written back) as 0 */
};

typedef struct {
    const char *name; /* "train", "optim.g", ... */
    const char *help; /* one line for docs/config.md */
} ConfigSection;

typedef struct {
    const char *section;
    const char *name;
    ConfigType type;
    const char *const *words; /* CONFIG_ENUM: the allowed words, in the enum's order */
    int n_words;
    unsigned bounds; /* CONFIG_HAS_MIN | ... */
    double min, max;
    const char *def;  /* the default, as it would be written in a file */
    const char *help; /* one line for docs/config.md */
    size_t offset;    /* offsetof(Config, ...) */
    size_t size;      /* sizeof the field */
} ConfigKey;

#define CONFIG_N_SECTIONS 12
#define CONFIG_N_KEYS 62

extern const ConfigSection config_sections[CONFIG_N_SECTIONS];
extern const ConfigKey config_keys[CONFIG_N_KEYS];

/* The section or key with that name, or NULL. */
const ConfigSection *config_section_find(const char *name);
const ConfigKey *config_key_find(const char *section, const char *name);

/* "steps, batch, seed, ..." (the keys of one section) or "data, generator, ..." (the sections). */
void config_list_keys(const char *section, char *buf, size_t size);
void config_list_sections(char *buf, size_t size);

/* The range of a number as words ("between 1 and 65536", ">= 0 and < 1"); "" when unbounded. */
void config_range_text(const ConfigKey *key, char *buf, size_t size);

/* Parse `text` (already trimmed) into the key's field of cfg. Layer lists either append one line
 * (`append`, as each `layer =` line of a file does; `line` is its line number) or replace the
 * list with the ';'-separated items of `text` (--set and defaults). On failure cfg is unchanged
 * and `why` says what is wrong (without the key, which the caller adds). */
bool config_value_set(const ConfigKey *key, Config *cfg, const char *text, bool append, int line, char *why,
                      size_t why_size);

/* The word of an enum key's value ("unknown" outside its range). */
const char *config_enum_word(const ConfigKey *key, int value);

/* Write the key as INI lines ("name = value\n"; one line per layer for a layer list). */
void config_value_write(const ConfigKey *key, const Config *cfg, FILE *out);

/* Trim blanks (and line ends) on both sides, in place; returns the first kept character. */
char *config_trim(char *text);

/* Cut an inline comment (';' or '#' at the start or after a blank) and trim blanks, in place. */
char *config_clean_value(char *text);

#endif
