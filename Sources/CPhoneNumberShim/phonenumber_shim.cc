#include "phonenumber_shim.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

// Longer input is refused before libphonenumber sees it (it allows 250 characters; a national number has < 20).
constexpr size_t kMaxDigits = 24;

// Copies `value` into a VERIFYD_PHONE_DIGITS_CAPACITY buffer; false when it does not fit.
bool copy_out(const std::string &value, char *out) {
    if (value.size() >= VERIFYD_PHONE_DIGITS_CAPACITY) return false;
    std::memcpy(out, value.data(), value.size());
    out[value.size()] = '\0';
    return true;
}

bool is_assigned(const PhoneNumberUtil &util, int code) {
    if (code < 1 || code > 999) return false;
    std::string region;
    util.GetRegionCodeForCountryCode(code, &region);
    return region != "ZZ";  // "001" for the non-geographic codes (800, 808, 870, 883, …)
}

verifyd_phone_status parse(int country_code, const char *digits, size_t length, char *e164, char *national) {
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    if (!is_assigned(util, country_code)) return VERIFYD_PHONE_INVALID_COUNTRY_CODE;
    if (digits == nullptr || length == 0 || length > kMaxDigits || e164 == nullptr || national == nullptr) {
        return VERIFYD_PHONE_NOT_A_NUMBER;
    }
    for (size_t i = 0; i < length; i++) {
        if (digits[i] < '0' || digits[i] > '9') return VERIFYD_PHONE_NOT_A_NUMBER;
    }
    // "+<code><digits>": country calling codes are prefix-free, so an assigned code is read back as itself, and
    // libphonenumber then strips the country's trunk prefix as it does for a national number of that region. This
    // also serves the non-geographic codes, which have no region to parse a national number in.
    std::string international = "+" + std::to_string(country_code);
    international.append(digits, length);
    PhoneNumber number;
    if (util.Parse(international, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        return VERIFYD_PHONE_NOT_A_NUMBER;
    }
    if (number.country_code() != country_code) return VERIFYD_PHONE_NOT_A_NUMBER;
    if (!util.IsValidNumber(number)) return VERIFYD_PHONE_INVALID_NUMBER;
    std::string formatted;
    util.Format(number, PhoneNumberUtil::E164, &formatted);
    std::string significant;
    util.GetNationalSignificantNumber(number, &significant);
    if (formatted.size() < 2 || formatted[0] != '+') return VERIFYD_PHONE_NOT_A_NUMBER;
    if (!copy_out(formatted.substr(1), e164) || !copy_out(significant, national)) return VERIFYD_PHONE_NOT_A_NUMBER;
    return VERIFYD_PHONE_OK;
}

}  // namespace

extern "C" int verifyd_phone_is_assigned_calling_code(int code) {
    try {
        return is_assigned(*PhoneNumberUtil::GetInstance(), code) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" verifyd_phone_status verifyd_phone_parse(int country_code, const char *digits, size_t length, char *e164,
                                                    char *national) {
    try {
        return parse(country_code, digits, length, e164, national);
    } catch (...) {
        return VERIFYD_PHONE_NOT_A_NUMBER;
    }
}
