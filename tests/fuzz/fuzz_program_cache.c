/* clnas fuzz target: on-disk program cache entries (runtime/program_cache.c clnas_program_cache_entry_read). The
 * key a lookup expects is the entry's own (bytes 8..15), so the fuzzer gets past the key check. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "program_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t key = 0;
    if (size >= 16)
        memcpy(&key, data + 8, sizeof key);
    size_t got = 0;
    unsigned char *bin = clnas_program_cache_entry_read(fuzz_file("entry.bin", data, size), key, &got);
    if (bin && (got + 32 != size || memcmp(bin, data + 32, got) != 0))
        abort(); /* an accepted entry is the header and exactly the binary it announces */
    free(bin);
    return 0;
}
