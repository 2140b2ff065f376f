// A small C face on Hyperscan for the benchmarks, loaded with dlopen at run time so that the benchmark
// package builds (and reports Hyperscan as skipped) on machines without libhyperscan.
#ifndef CHYPERSCAN_H
#define CHYPERSCAN_H

#include <stddef.h>

typedef enum {
    CHS_BLOCK = 0,          // block mode, end offsets only
    CHS_BLOCK_START = 1,    // block mode with leftmost match starts (HS_FLAG_SOM_LEFTMOST)
    CHS_STREAM = 2          // streaming mode, end offsets only
} chs_mode;

typedef struct chs_engine chs_engine;

/// Loads libhs; returns 1 if it is usable, otherwise 0 with a reason in `why`.
int chs_load(char *why, size_t why_size);

/// Compiles `count` patterns (UTF-8; a leading "(?i)" becomes the caseless flag). Patterns Hyperscan
/// rejects are left out and counted in `*rejected`. Returns NULL with a message in `error` on failure.
chs_engine *chs_compile(const char *const *patterns, unsigned count, chs_mode mode, unsigned *rejected,
                        char *error, size_t error_size);
void chs_free(chs_engine *engine);

/// Block-mode scan: the number of match events; `matched` (count bytes, may be NULL) gets 1 for each
/// pattern that matched. -1 on error.
long long chs_scan(chs_engine *engine, const char *data, size_t length, unsigned char *matched);

/// Streaming: open, feed chunks, close. Each returns the match events so far, or -1 on error.
int chs_stream_open(chs_engine *engine);
long long chs_stream_feed(chs_engine *engine, const char *data, size_t length);
long long chs_stream_close(chs_engine *engine);

#endif
