#ifndef CLIBFUZZER_SHIM_H
#define CLIBFUZZER_SHIM_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, in the runtime that `-sanitize=fuzzer` links (no library otherwise: only a build with
// that flag may call it). It reads libFuzzer's flags from argv and runs `callback` on every input; the
// result is the process's exit status.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
