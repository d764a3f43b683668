"""Hostile input for the address normalization (libphonenumber for phones, libidn2 and NFC for emails): mixed
scripts, bidi marks, fullwidth digits, `+`, spaces, leading zeros, 20-digit numbers, punycode edge cases. Each is
answered with a documented format code, or accepted when it is a valid address in disguise (then its delivery goes
to the canonical target, which the scenario follows): never a 5xx, never a crash."""
import json

from ...codes import CODES, outcome
from .case import OK, PARAMETER_ERROR, Maker

EMAIL_FORMAT = outcome(200, CODES.emailFormat)
PHONE_FORMAT = outcome(200, CODES.phoneFormat)
COUNTRY_CODE = outcome(200, CODES.countryCode)

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class Canonical(Maker):
    def __init__(self, rng, targets):
        super().__init__(rng, targets)
        self.n = 0

    def sms(self, cc, account, allowed, name, target=None):
        body = json.dumps({"type": "sms", "useType": 5, "templateId": 1, "countryCode": cc, "account": account})
        return self.send(body, allowed, name, target=target)

    def email(self, account, allowed, name, target=None):
        body = json.dumps({"type": "email", "useType": 5, "templateId": 1, "account": account})
        return self.send(body, allowed, name, target=target)

    def hostile_phone(self):
        t = self.targets.next()  # (86, 11 digits), unique: an accepted disguise is a fresh target
        cc, number = t
        kind = self.rng.choice(["fullwidth", "trunk", "plus", "spaces", "rtl", "arabic", "mixed", "zeros", "long",
                                "unassigned", "repeated-code"])
        if kind == "fullwidth":
            return self.sms(cc, number.translate(FULLWIDTH), {OK}, "phone in fullwidth digits", self.key(t))
        if kind == "trunk":
            return self.sms(cc, "0" + number, {OK}, "phone with its trunk prefix", self.key(t))
        if kind == "plus":
            return self.sms(cc, f"+{cc}{number}", {PHONE_FORMAT}, "phone with +")
        if kind == "spaces":
            return self.sms(cc, f"{number[:3]} {number[3:7]} {number[7:]}", {PHONE_FORMAT}, "phone with spaces")
        if kind == "rtl":
            mark = self.rng.choice(["\u200f", "\u200e", "\u202e", "\u2067", "\ufeff", "\u200b"])
            at = self.rng.randrange(len(number) + 1)
            return self.sms(cc, number[:at] + mark + number[at:], {PHONE_FORMAT}, "phone with a bidi or invisible mark")
        if kind == "arabic":
            return self.sms(cc, number.translate(ARABIC_INDIC), {PHONE_FORMAT}, "phone in Arabic-Indic digits")
        if kind == "mixed":
            at = self.rng.randrange(1, len(number))
            mixed = number[:at].translate(ARABIC_INDIC) + number[at:]
            return self.sms(cc, mixed, {PHONE_FORMAT}, "phone in mixed scripts")
        if kind == "zeros":
            # 00 is China's international prefix, 000… no number: whatever libphonenumber makes of it, a format code.
            return self.sms(cc, "0" * self.rng.randrange(2, 9) + number, {PHONE_FORMAT}, "phone with leading zeros")
        if kind == "long":
            digits = "".join(self.rng.choice("0123456789") for _ in range(self.rng.choice([16, 20, 21, 40, 400])))
            return self.sms(cc, digits, {PHONE_FORMAT}, "phone of 16 to 400 digits")
        if kind == "unassigned":
            code = self.rng.choice([0, 8, 9, 28, 292, 999, 1000, -86, 2 ** 31, 2 ** 63 - 1])
            return self.sms(code, number, {COUNTRY_CODE}, "unassigned country code")
        return self.sms(cc, f"{cc}{number}", {PHONE_FORMAT}, "phone with its country code again")

    def hostile_email(self):
        self.n += 1
        n = f"{self.targets.prefix}-{self.n:08d}"
        kind = self.rng.choice(["idn", "alabel", "nfd", "cyrillic", "bidi-domain", "bidi-local", "zero-width",
                                "bad-punycode", "emoji", "fullwidth-brace", "fullwidth-domain", "hyphens", "huge"])
        if kind == "idn":
            return self.email(f"Ü-{n}@BÜCHER.chaos.example", {OK}, "email with a Unicode domain",
                              f"ü-{n}@xn--bcher-kva.chaos.example")
        if kind == "alabel":
            return self.email(f"ü-{n}@XN--BCHER-KVA.chaos.example", {OK}, "email with a punycode domain",
                              f"ü-{n}@xn--bcher-kva.chaos.example")
        if kind == "nfd":
            return self.email(f"u\u0308-{n}@chaos.example", {OK}, "email with a decomposed local part",
                              f"ü-{n}@chaos.example")
        if kind == "cyrillic":
            # A homograph is another address, canonical in its own right.
            return self.email(f"\u0430pple-{n}@\u0430pple.chaos.example", {OK}, "email in mixed scripts",
                              f"\u0430pple-{n}@xn--pple-43d.chaos.example")
        if kind == "bidi-domain":
            return self.email(f"a-{n}@a\u200f\u05d0.chaos.example", {EMAIL_FORMAT},
                              "email with a bidi mark in the domain")
        if kind == "bidi-local":
            mark = self.rng.choice(["\u200f", "\u202e", "\u2066"])
            return self.email(f"a{mark}-{n}@chaos.example", {EMAIL_FORMAT}, "email with a bidi mark in the local part")
        if kind == "zero-width":
            return self.email(f"a\u200b-{n}@chaos.example", {EMAIL_FORMAT}, "email with a zero-width space")
        if kind == "bad-punycode":
            label = self.rng.choice(["xn--", "xn--zz", "xn--a", "xn--abc-", "xn--ab--cd", "xn--" + "a" * 70,
                                     "xn--bcher-kvb"])
            return self.email(f"a-{n}@{label}.chaos.example", {EMAIL_FORMAT}, "email with a malformed punycode label")
        if kind == "emoji":
            return self.email(f"a-{n}@\U0001f4a9.chaos.example", {EMAIL_FORMAT}, "email with an emoji domain")
        if kind == "fullwidth-brace":
            return self.email(f"a-{n}@b\uff5bc.chaos.example", {EMAIL_FORMAT}, "email whose domain maps to a brace")
        if kind == "fullwidth-domain":
            return self.email(f"a-{n}@\uff43\uff48\uff41\uff4f\uff53.example", {OK}, "email with a fullwidth domain",
                              f"a-{n}@chaos.example")
        if kind == "hyphens":
            return self.email(f"a-{n}@-ab.xn--bcher-kva.chaos.example", {EMAIL_FORMAT}, "email with a leading hyphen")
        label = "ü" * self.rng.choice([30, 64, 300])
        return self.email(f"a-{n}@{label}.example", {EMAIL_FORMAT, OK, PARAMETER_ERROR}, "email with a huge IDN label")
