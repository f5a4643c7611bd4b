/* abi_c_test.c: the header compiles as C, and a C program linked against the shared library reaches the ABI
 * (the way ctypes, P/Invoke and other frameworks do: exported fr_* symbols only). */
#include "fastrecurrence.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define EXPECT(condition)                                                            \
    do {                                                                             \
        if (!(condition)) {                                                          \
            fprintf(stderr, "%s:%d: EXPECT(%s) failed (last error: %s)\n", __FILE__, \
                    __LINE__, #condition, fr_last_error());                          \
            ++failures;                                                              \
        }                                                                            \
    } while (0)

int main(void) {
    fr_compile_result result;
    fr_compile_options options;
    const char* name = NULL;
    const char* text = NULL;
    int count = -1;
    fr_status status;

    EXPECT(fr_abi_version() == FR_ABI_VERSION);
    EXPECT(strstr(fr_version_string(), "fastrecurrence") != NULL);
    EXPECT(strcmp(fr_status_name(FR_ERROR_NO_DRIVER), "FR_ERROR_NO_DRIVER") == 0);
    EXPECT(strcmp(fr_status_name((fr_status)1234), "FR_ERROR_UNKNOWN_STATUS") == 0);

    memset(&result, 0, sizeof result);
    result.struct_size = sizeof result;
    EXPECT(fr_compile(NULL, &result) == FR_ERROR_INVALID_ARGUMENT);
    EXPECT(strstr(fr_last_error(), "options") != NULL);

    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.source_name = "scan";
    options.arch = "sm_80";
    options.define_count = FR_MAX_DEFINES + 1;
    EXPECT(fr_compile(&options, &result) == FR_ERROR_INVALID_ARGUMENT);

    EXPECT(fr_kernel_source_count() >= 1);
    EXPECT(fr_kernel_source(0, &name, &text) == FR_OK);
    EXPECT(name != NULL && text != NULL && strlen(text) > 0);
    EXPECT(fr_last_error()[0] == '\0');

    status = fr_device_count(&count);
    EXPECT(status == FR_OK || status == FR_ERROR_NO_DRIVER);
    printf("fr_device_count: %s, %d device(s) %s\n", fr_status_name(status), count, fr_last_error());

    /* cuda-emulated from C: a context with the default device, and enum fields holding values C allows but the ABI
     * does not name (C++ callers cannot pass these without undefined behaviour; C and C# can) */
    {
        fr_emulation_options emulation;
        fr_context context = NULL;
        char compiler[512];
        memset(&emulation, 0, sizeof emulation);
        emulation.struct_size = sizeof emulation;
        emulation.schedule = (fr_schedule)7;
        EXPECT(fr_emulation_context_create(&emulation, &context) == FR_ERROR_INVALID_ARGUMENT);
        EXPECT(strstr(fr_last_error(), "options.schedule") != NULL);
        if (fr_emulation_compiler(compiler, sizeof compiler) == FR_OK) {
            int emulated = 0;
            emulation.schedule = FR_SCHEDULE_RANDOM;
            EXPECT(fr_emulation_context_create(&emulation, &context) == FR_OK);
            EXPECT(fr_context_is_emulated(context, &emulated) == FR_OK && emulated == 1);
            EXPECT(fr_emulation_configure(context, (fr_schedule)3, 0) == FR_ERROR_INVALID_ARGUMENT);
            EXPECT(strstr(fr_last_error(), "schedule") != NULL);
            EXPECT(fr_context_destroy(context) == FR_OK);
        }
    }

    if (failures == 0) printf("abi_c_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
