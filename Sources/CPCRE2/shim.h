#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Macros that Swift cannot import, re-exported as constants. */
static const PCRE2_SIZE cpcre2_unset = PCRE2_UNSET;
static const PCRE2_SIZE cpcre2_zero_terminated = PCRE2_ZERO_TERMINATED;

#endif
