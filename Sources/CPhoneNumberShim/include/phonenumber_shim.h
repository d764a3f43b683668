#ifndef VERIFYD_PHONENUMBER_SHIM_H
#define VERIFYD_PHONENUMBER_SHIM_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// A C API over libphonenumber (C++): nothing C++ crosses it, and no exception escapes it.

/// The outcome of verifyd_phone_parse.
typedef enum {
    VERIFYD_PHONE_OK = 0,
    /// The country calling code is not an assigned one (libphonenumber has no metadata for it).
    VERIFYD_PHONE_INVALID_COUNTRY_CODE = 1,
    /// The national number is not ASCII digits of a plausible length, or libphonenumber cannot parse it.
    VERIFYD_PHONE_NOT_A_NUMBER = 2,
    /// It parses, but no such number can exist in that country (libphonenumber's IsValidNumber).
    VERIFYD_PHONE_INVALID_NUMBER = 3,
} verifyd_phone_status;

/// Room for the digits written by verifyd_phone_parse, with the terminating NUL (E.164 has at most 15 digits;
/// libphonenumber's national significant numbers at most 17).
#define VERIFYD_PHONE_DIGITS_CAPACITY 32

/// 1 when `code` is an assigned country calling code (geographic or not), else 0.
int verifyd_phone_is_assigned_calling_code(int code);

/// Parses `length` bytes of ASCII digits as a national number of `country_code`, by that country's rules (trunk
/// prefix, lengths). On VERIFYD_PHONE_OK, writes the E.164 digits without `+` to `e164` and the national
/// significant number to `national`, both NUL-terminated, each buffer VERIFYD_PHONE_DIGITS_CAPACITY bytes.
verifyd_phone_status verifyd_phone_parse(int country_code, const char *digits, size_t length, char *e164,
                                         char *national);

/// What verifyd_phone_parse answers, computed through libphonenumber's whole Parse of "+<code><digits>" (about three
/// times its cost): the reference a test compares verifyd_phone_parse with.
verifyd_phone_status verifyd_phone_parse_reference(int country_code, const char *digits, size_t length, char *e164,
                                                   char *national);

#ifdef __cplusplus
}
#endif
#endif
