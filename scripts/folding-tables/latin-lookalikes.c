// Prints the letters of other scripts that Unicode's confusables data (through ICU's spoof checker)
// equates with one ASCII letter: "<code point in hex> <ASCII letter>" per line, by code point.
//
// A letter maps to the ASCII letter whose skeleton equals its own. Where letters of both cases (or a
// digit) share the skeleton (Cyrillic І is confusable with I, l and 1), the letter's own case decides
// and letters win over digits.
#include <stdio.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

static int skeleton(USpoofChecker *checker, UChar32 c, UChar *out, int capacity) {
    UChar text[2];
    int32_t length = 0;
    UBool error = false;
    U16_APPEND(text, length, 2, c, error);
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeleton(checker, 0, text, length, out, capacity, &status);
    return U_SUCCESS(status) ? n : -1;
}

int main(void) {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *checker = uspoof_open(&status);
    if (U_FAILURE(status)) { fprintf(stderr, "uspoof_open: %s\n", u_errorName(status)); return 1; }
    const char *ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    UChar skeletons[52][8];
    int lengths[52];
    for (int i = 0; i < 52; i++) lengths[i] = skeleton(checker, (UChar32)ascii[i], skeletons[i], 8);
    for (UChar32 c = 0x80; c <= 0x1FFFF; c++) {
        // Compatibility forms (full-width and styled letters) are the width step's, not look-alikes.
        if (!u_isalpha(c) || u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE) != U_DT_NONE) continue;
        UErrorCode scriptStatus = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(c, &scriptStatus);
        // The scripts whose letters are used to spell Latin words: other scripts' look-alikes (Hebrew vav
        // for l) would fold their own words. Latin letters with marks are not look-alikes: their skeletons
        // keep the mark.
        if (script != USCRIPT_LATIN && script != USCRIPT_CYRILLIC && script != USCRIPT_GREEK && script != USCRIPT_ARMENIAN
            && script != USCRIPT_CHEROKEE && script != USCRIPT_COPTIC && script != USCRIPT_LISU) continue;
        UChar own[8];
        int length = skeleton(checker, c, own, 8);
        if (length <= 0) continue;
        int chosen = -1;
        for (int i = 0; i < 52; i++) {
            if (lengths[i] != length || memcmp(own, skeletons[i], length * sizeof(UChar)) != 0) continue;
            int upper = i >= 26;
            if (chosen < 0 || (upper == (u_isupper(c) != 0) && (chosen >= 26) != upper)) chosen = i;
        }
        if (chosen >= 0) printf("%04X %c\n", (unsigned)c, ascii[chosen]);
    }
    uspoof_close(checker);
    return 0;
}
