// errors.h: the thread-local last-error message behind fr_last_error(), and the helpers every entry point uses
// to record a failure. Messages follow one format where an argument is at fault:
//   "{argument}: expected {what}, got {actual}."
#ifndef FR_ERRORS_H
#define FR_ERRORS_H

#include "fastrecurrence.h"

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace fr {

// Empties this thread's message; entry points call it first, so a success leaves "".
void clear_error() noexcept;

// Records a printf-style message for this thread and returns `status`, so a check reads
// `return fail(FR_ERROR_INVALID_ARGUMENT, "a: expected rank 4, got %d.", rank);`
fr_status fail(fr_status status, const char* format, ...) noexcept
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Same, with a ready message (compile logs can be long and contain '%').
fr_status fail_text(fr_status status, const std::string& message) noexcept;

const char* last_error() noexcept;

// Keeps this thread's message across its scope: cleanup that runs after an operation recorded its failure (freeing
// scratch memory through fr_synchronize / fr_free, which clear the message on entry like every entry point) must not
// leave that failure without its message.
class KeptError {
public:
    KeptError() noexcept {
        try {
            saved_ = last_error();
        } catch (...) {
        }
    }
    ~KeptError() {
        if (!saved_.empty()) fail_text(FR_OK, saved_);
        else clear_error();
    }
    KeptError(const KeptError&) = delete;
    KeptError& operator=(const KeptError&) = delete;

private:
    std::string saved_;
};

const char* status_name(int status) noexcept;

// The integer inside an enum field of an ABI struct. C and C# callers may put any int there; reading it as the
// C++ enum type would be undefined behaviour when the value is outside the enumerators' range.
template <class Enum>
int enum_value(const Enum& field) noexcept {
    static_assert(sizeof(Enum) == sizeof(int), "the ABI's enums are int-sized");
    int value;
    std::memcpy(&value, &field, sizeof value);
    return value;
}

// Runs an entry point's body with the ABI's rules: the last error is cleared first, a success leaves it empty (a step
// that failed and was recovered from, such as fr_linear's cuBLAS probe before our kernel ran, must not leave its
// message behind), and no C++ exception crosses the C boundary (host memory exhaustion becomes
// FR_ERROR_OUT_OF_MEMORY, anything else INTERNAL).
template <class Body>
fr_status guarded(Body&& body) noexcept {
    clear_error();
    try {
        const fr_status status = body();
        if (status == FR_OK) clear_error();
        return status;
    } catch (const std::bad_alloc&) {
        return fail(FR_ERROR_OUT_OF_MEMORY, "host memory exhausted");
    } catch (const std::exception& e) {
        return fail(FR_ERROR_INTERNAL, "internal error: %s", e.what());
    } catch (...) {
        return fail(FR_ERROR_INTERNAL, "internal error: unknown exception");
    }
}

}  // namespace fr

#endif
