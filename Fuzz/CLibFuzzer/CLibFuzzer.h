// libFuzzer's driver (compiler-rt's libclang_rt.fuzzer_no_main, linked by scripts/fuzz): runs `callback` on every
// input, taking its options (-max_total_time=, corpus directories, a crash file to replay) from argv.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
