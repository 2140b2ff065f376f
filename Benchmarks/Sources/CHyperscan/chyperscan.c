#include "chyperscan.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The subset of Hyperscan's API used here, as declared in hs/hs_compile.h and hs/hs_runtime.h (5.x).
typedef struct hs_database hs_database_t;
typedef struct hs_scratch hs_scratch_t;
typedef struct hs_stream hs_stream_t;
typedef struct { char *message; int expression; } hs_compile_error_t;
typedef int (*hs_match_handler)(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *context);

enum { HS_FLAG_CASELESS = 1, HS_FLAG_UTF8 = 32, HS_FLAG_SOM_LEFTMOST = 256 };
enum { HS_MODE_BLOCK = 1, HS_MODE_STREAM = 2 };

static struct {
    int loaded;
    int (*compile_multi)(const char *const *, const unsigned *, const unsigned *, unsigned, unsigned, const void *,
                         hs_database_t **, hs_compile_error_t **);
    int (*free_compile_error)(hs_compile_error_t *);
    int (*free_database)(hs_database_t *);
    int (*alloc_scratch)(const hs_database_t *, hs_scratch_t **);
    int (*free_scratch)(hs_scratch_t *);
    int (*scan)(const hs_database_t *, const char *, unsigned, unsigned, hs_scratch_t *, hs_match_handler, void *);
    int (*open_stream)(const hs_database_t *, unsigned, hs_stream_t **);
    int (*scan_stream)(hs_stream_t *, const char *, unsigned, unsigned, hs_scratch_t *, hs_match_handler, void *);
    int (*close_stream)(hs_stream_t *, hs_scratch_t *, hs_match_handler, void *);
} hs;

struct chs_engine {
    hs_database_t *database;
    hs_scratch_t *scratch;
    hs_stream_t *stream;
    unsigned count;
    long long events;
    unsigned char *matched;
};

int chs_load(char *why, size_t why_size) {
    if (hs.loaded) return 1;
    void *library = dlopen("libhs.so.5", RTLD_NOW);
    if (!library) library = dlopen("libhs.so", RTLD_NOW);
    if (!library) {
        snprintf(why, why_size, "Hyperscan is not installed (libhs.so.5 not found; Debian: apt-get install libhyperscan-dev)");
        return 0;
    }
#define LOAD(field, name) \
    if (!(*(void **)&hs.field = dlsym(library, name))) { snprintf(why, why_size, "libhs lacks %s", name); return 0; }
    LOAD(compile_multi, "hs_compile_multi")
    LOAD(free_compile_error, "hs_free_compile_error")
    LOAD(free_database, "hs_free_database")
    LOAD(alloc_scratch, "hs_alloc_scratch")
    LOAD(free_scratch, "hs_free_scratch")
    LOAD(scan, "hs_scan")
    LOAD(open_stream, "hs_open_stream")
    LOAD(scan_stream, "hs_scan_stream")
    LOAD(close_stream, "hs_close_stream")
#undef LOAD
    hs.loaded = 1;
    return 1;
}

static int compile(const char *const *expressions, const unsigned *flags, const unsigned *ids, unsigned count,
                   unsigned mode, hs_database_t **database, int *bad, char *error, size_t error_size) {
    hs_compile_error_t *failure = NULL;
    *database = NULL;
    int rc = hs.compile_multi(expressions, flags, ids, count, mode, NULL, database, &failure);
    *bad = failure ? failure->expression : -1;
    if (failure) {
        snprintf(error, error_size, "%s", failure->message ? failure->message : "unknown error");
        hs.free_compile_error(failure);
    }
    return rc;
}

chs_engine *chs_compile(const char *const *patterns, unsigned count, chs_mode mode, unsigned *rejected,
                        char *error, size_t error_size) {
    if (!chs_load(error, error_size)) return NULL;
    const char **expressions = calloc(count, sizeof *expressions);
    unsigned *flags = calloc(count, sizeof *flags), *ids = calloc(count, sizeof *ids);
    unsigned used = 0;
    unsigned hs_mode = mode == CHS_STREAM ? HS_MODE_STREAM : HS_MODE_BLOCK;
    for (unsigned index = 0; index < count; index++) {
        int caseless = strncmp(patterns[index], "(?i)", 4) == 0;
        expressions[used] = caseless ? patterns[index] + 4 : patterns[index];
        flags[used] = HS_FLAG_UTF8 | (caseless ? HS_FLAG_CASELESS : 0) | (mode == CHS_BLOCK_START ? HS_FLAG_SOM_LEFTMOST : 0);
        ids[used] = index;
        used++;
    }
    *rejected = 0;
    hs_database_t *database = NULL;
    int bad;
    if (compile(expressions, flags, ids, used, hs_mode, &database, &bad, error, error_size) != 0 && bad >= 0) {
        // A failed set names only its first bad pattern, and compiling the set again for each one takes
        // hours on the shipped rules: leave out the patterns that do not compile on their own first.
        unsigned kept = 0;
        for (unsigned index = 0; index < used; index++) {
            hs_database_t *single = NULL;
            if (compile(&expressions[index], &flags[index], &ids[index], 1, hs_mode, &single, &bad, error, error_size) != 0) {
                (*rejected)++;
                continue;
            }
            hs.free_database(single);
            expressions[kept] = expressions[index]; flags[kept] = flags[index]; ids[kept] = ids[index];
            kept++;
        }
        used = kept;
        // A set can still fail where its patterns compile alone: leave out the one named, and try again.
        while (compile(expressions, flags, ids, used, hs_mode, &database, &bad, error, error_size) != 0 && bad >= 0 && (unsigned)bad < used) {
            memmove(&expressions[bad], &expressions[bad + 1], (used - bad - 1) * sizeof *expressions);
            memmove(&flags[bad], &flags[bad + 1], (used - bad - 1) * sizeof *flags);
            memmove(&ids[bad], &ids[bad + 1], (used - bad - 1) * sizeof *ids);
            used--;
            (*rejected)++;
        }
    }
    if (!database) {
        // `error` holds Hyperscan's message for the whole set.
        free(expressions); free(flags); free(ids);
        return NULL;
    }
    free(expressions); free(flags); free(ids);
    chs_engine *engine = calloc(1, sizeof *engine);
    engine->database = database;
    engine->count = count;
    if (hs.alloc_scratch(database, &engine->scratch) != 0) {
        snprintf(error, error_size, "Hyperscan could not allocate scratch");
        chs_free(engine);
        return NULL;
    }
    return engine;
}

void chs_free(chs_engine *engine) {
    if (!engine) return;
    if (engine->stream) hs.close_stream(engine->stream, engine->scratch, NULL, NULL);
    if (engine->scratch) hs.free_scratch(engine->scratch);
    if (engine->database) hs.free_database(engine->database);
    free(engine);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *context) {
    (void)from; (void)to; (void)flags;
    chs_engine *engine = context;
    engine->events++;
    if (engine->matched && id < engine->count) engine->matched[id] = 1;
    return 0;
}

long long chs_scan(chs_engine *engine, const char *data, size_t length, unsigned char *matched) {
    engine->events = 0;
    engine->matched = matched;
    int rc = hs.scan(engine->database, data, (unsigned)length, 0, engine->scratch, on_match, engine);
    engine->matched = NULL;
    return rc == 0 ? engine->events : -1;
}

int chs_stream_open(chs_engine *engine) {
    engine->events = 0;
    return hs.open_stream(engine->database, 0, &engine->stream) == 0 ? 0 : -1;
}

long long chs_stream_feed(chs_engine *engine, const char *data, size_t length) {
    int rc = hs.scan_stream(engine->stream, data, (unsigned)length, 0, engine->scratch, on_match, engine);
    return rc == 0 ? engine->events : -1;
}

long long chs_stream_close(chs_engine *engine) {
    int rc = hs.close_stream(engine->stream, engine->scratch, on_match, engine);
    engine->stream = NULL;
    return rc == 0 ? engine->events : -1;
}
