// A C API over libphonenumber for verifyd (see phonenumber_shim.h). verifyd_phone_parse skips PhoneNumberUtil::Parse:
// for "+<code><digits>" with ASCII digits, its Unicode front end (extraction, viability, extension, normalization,
// reading the calling code) reduces to length checks, which are done here, and the rest of Parse with libphonenumber's
// own steps, at about a third of the cost; validity and outputs are computed as before. verifyd_phone_parse_reference
// keeps the whole Parse, and PhoneNumberShimTests compares the two.
#include "phonenumber_shim.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace i18n {
namespace phonenumbers {
// PhoneNumberUtil befriends this class (phonenumberutil.h); the shared library does not define it (it is the name of
// libphonenumber's unit-test fixture). It reaches the private steps of Parse that the fast path repeats.
class PhoneNumberUtilTest {
public:
    static constexpr size_t kMinLengthForNsn = PhoneNumberUtil::kMinLengthForNsn;  // 2
    static constexpr size_t kMaxLengthForNsn = PhoneNumberUtil::kMaxLengthForNsn;  // 17
    static const PhoneMetadata *Metadata(const PhoneNumberUtil &util, int code, const std::string &region) {
        return util.GetMetadataForRegionOrCallingCode(code, region);
    }
    static bool StripNationalPrefix(const PhoneNumberUtil &util, const PhoneMetadata &metadata, std::string *number) {
        return util.MaybeStripNationalPrefixAndCarrierCode(metadata, number, nullptr);
    }
    static void SetItalianLeadingZeros(const PhoneNumberUtil &util, const std::string &nsn, PhoneNumber *number) {
        util.SetItalianLeadingZerosForPhoneNumber(nsn, number);
    }
};
}  // namespace phonenumbers
}  // namespace i18n

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using Access = i18n::phonenumbers::PhoneNumberUtilTest;

namespace {

// Longer input is refused before libphonenumber sees it (it allows 250 characters; a national number has < 20).
constexpr size_t kMaxDigits = 24;

// Per calling code, prepared once: whether it is assigned, and the metadata Parse strips the national prefix with
// (the code's main region, or its non-geographic entity); null metadata sends the code to the Parse path.
struct Code {
    bool assigned = false;
    const PhoneMetadata *metadata = nullptr;
};

const Code *codes() {
    static const Code *const table = [] {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        Code *t = new Code[1000];
        std::string region[1000];
        for (int code = 1; code <= 999; code++) {
            util.GetRegionCodeForCountryCode(code, &region[code]);
            t[code].assigned = region[code] != "ZZ";  // "001" for the non-geographic codes (800, 808, 870, 883, …)
        }
        // Parse reads the shortest assigned prefix of "<code><digits>" as the calling code: that is `code` only if no
        // shorter prefix of it is assigned (true of every code today).
        for (int code = 1; code <= 999; code++) {
            if (t[code].assigned && !t[code / 10].assigned && !t[code / 100].assigned) {
                t[code].metadata = Access::Metadata(util, code, region[code]);
            }
        }
        return t;
    }();
    return table;
}

// The PhoneNumber ParseHelper builds from a calling code and a national significant number (at most 19 digits).
PhoneNumber make_number(int country_code, const std::string &nsn) {
    PhoneNumber number;
    number.set_country_code(country_code);
    Access::SetItalianLeadingZeros(*PhoneNumberUtil::GetInstance(), nsn, &number);
    number.set_national_number(std::strtoull(nsn.c_str(), nullptr, 10));
    return number;
}

// Copies `value` into a VERIFYD_PHONE_DIGITS_CAPACITY buffer; false when it does not fit.
bool copy_out(const std::string &value, char *out) {
    if (value.size() >= VERIFYD_PHONE_DIGITS_CAPACITY) return false;
    std::memcpy(out, value.data(), value.size());
    out[value.size()] = '\0';
    return true;
}

// Validity and outputs of a parsed number (both paths).
verifyd_phone_status finish(const PhoneNumber &number, char *e164, char *national) {
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    if (!util.IsValidNumber(number)) return VERIFYD_PHONE_INVALID_NUMBER;
    std::string formatted;
    util.Format(number, PhoneNumberUtil::E164, &formatted);
    std::string significant;
    util.GetNationalSignificantNumber(number, &significant);
    if (formatted.size() < 2 || formatted[0] != '+') return VERIFYD_PHONE_NOT_A_NUMBER;
    if (!copy_out(formatted.substr(1), e164) || !copy_out(significant, national)) return VERIFYD_PHONE_NOT_A_NUMBER;
    return VERIFYD_PHONE_OK;
}

// The original: "+<code><digits>" through Parse, which reads the (prefix-free) code back and strips the country's
// trunk prefix as for a national number of that region. This also serves the non-geographic codes.
verifyd_phone_status parse_reference(int country_code, const char *digits, size_t length, char *e164, char *national) {
    std::string international = "+" + std::to_string(country_code);
    international.append(digits, length);
    PhoneNumber number;
    if (PhoneNumberUtil::GetInstance()->Parse(international, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        return VERIFYD_PHONE_NOT_A_NUMBER;
    }
    if (number.country_code() != country_code) return VERIFYD_PHONE_NOT_A_NUMBER;
    return finish(number, e164, national);
}

// ParseHelper (region "ZZ") from the national prefix on, for a code read back as itself.
verifyd_phone_status parse_fast(int country_code, const char *digits, size_t length, char *e164, char *national) {
    const PhoneMetadata *metadata = codes()[country_code].metadata;
    if (metadata == nullptr) return parse_reference(country_code, digits, length, e164, national);
    // Not viable (< 3 digits), TOO_SHORT_AFTER_IDD (<= 2 digits), TOO_SHORT_NSN: the code has at least one digit.
    if (length < Access::kMinLengthForNsn) return VERIFYD_PHONE_NOT_A_NUMBER;
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    std::string nsn(digits, length), potential(digits, length);
    if (Access::StripNationalPrefix(util, *metadata, &potential)) {
        // Over 17 digits it is TOO_LONG_NSN whether or not the stripping is kept (the unstripped number is longer).
        if (potential.size() > Access::kMaxLengthForNsn) return VERIFYD_PHONE_NOT_A_NUMBER;
        // Kept unless TestNumberLength(potential, metadata) is TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY or INVALID_LENGTH.
        // IsPossibleNumberWithReason is that very call (same metadata, type UNKNOWN) on the number's NSN, `potential`
        // again; an empty `potential` is TOO_SHORT or INVALID_LENGTH.
        if (!potential.empty()) {
            PhoneNumberUtil::ValidationResult result =
                util.IsPossibleNumberWithReason(make_number(country_code, potential));
            if (result != PhoneNumberUtil::TOO_SHORT && result != PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY &&
                result != PhoneNumberUtil::INVALID_LENGTH) {
                nsn.swap(potential);
            }
        }
    }
    if (nsn.size() < Access::kMinLengthForNsn || nsn.size() > Access::kMaxLengthForNsn) {
        return VERIFYD_PHONE_NOT_A_NUMBER;  // TOO_SHORT_NSN, TOO_LONG_NSN
    }
    return finish(make_number(country_code, nsn), e164, national);
}

// Argument checks common to both paths, then `parse`; no exception escapes.
template <typename Parse>
verifyd_phone_status guarded(Parse parse, int country_code, const char *digits, size_t length, char *e164,
                             char *national) {
    try {
        if (country_code < 1 || country_code > 999 || !codes()[country_code].assigned) {
            return VERIFYD_PHONE_INVALID_COUNTRY_CODE;
        }
        if (digits == nullptr || length == 0 || length > kMaxDigits || e164 == nullptr || national == nullptr) {
            return VERIFYD_PHONE_NOT_A_NUMBER;
        }
        for (size_t i = 0; i < length; i++) {
            if (digits[i] < '0' || digits[i] > '9') return VERIFYD_PHONE_NOT_A_NUMBER;
        }
        return parse(country_code, digits, length, e164, national);
    } catch (...) {
        return VERIFYD_PHONE_NOT_A_NUMBER;
    }
}

}  // namespace

extern "C" int verifyd_phone_is_assigned_calling_code(int code) {
    try {
        return code >= 1 && code <= 999 && codes()[code].assigned ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" verifyd_phone_status verifyd_phone_parse(int country_code, const char *digits, size_t length, char *e164,
                                                    char *national) {
    return guarded(parse_fast, country_code, digits, length, e164, national);
}

// The original implementation, kept so that a test can compare verifyd_phone_parse with it.
extern "C" verifyd_phone_status verifyd_phone_parse_reference(int country_code, const char *digits, size_t length,
                                                              char *e164, char *national) {
    return guarded(parse_reference, country_code, digits, length, e164, national);
}
