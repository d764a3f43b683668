"""Malformed request bodies: truncated or deeply nested JSON, numbers out of range, invalid UTF-8, control
characters, wrong shapes and content types, and the internal check route's errors. Each case lists the answers the
README documents for it."""
import json

from ...api import CHECK, INTERNAL_TOKEN, MAX_BODY
from ...clients.http import build_request
from ...codes import CODES, outcome
from .case import OK, PARAMETER_ERROR, PARAMETER_MISSING, UNAUTHORIZED, Case, Maker

EMAIL_FORMAT = outcome(200, CODES.emailFormat)
PHONE_FORMAT = outcome(200, CODES.phoneFormat)


class Bodies(Maker):
    def truncated_json(self):
        t, body = self.valid()
        cut = self.rng.randrange(0, len(body) - 1)
        return self.send(body[:cut], {PARAMETER_ERROR}, "truncated JSON")

    def deep_arrays(self):
        d = self.rng.randrange(100, MAX_BODY // 2 - 10)
        return self.send("[" * d + "]" * d, {PARAMETER_ERROR}, "deeply nested arrays")

    def deep_objects(self):
        d = self.rng.randrange(100, (MAX_BODY - 20) // 6)
        return self.send('{"a":' * d + "1" + "}" * d, {PARAMETER_ERROR}, "deeply nested objects")

    def deep_field(self):
        d = self.rng.randrange(100, 5000)
        body = '{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":' + "[" * d + "]" * d + "}"
        return self.send(body, {PARAMETER_ERROR}, "deeply nested field")

    def unclosed_nesting(self):
        d = self.rng.randrange(1000, MAX_BODY - 10)
        return self.send("[" * d, {PARAMETER_ERROR}, "unclosed nesting")

    def huge_number(self):
        t, _ = self.valid()
        field = self.rng.choice(["useType", "templateId", "countryCode", "account"])
        number = self.rng.choice(["1e400", "-1e400", "123456789012345678901234567890", "1" * 400, "-0", "1.5",
                                  "9223372036854775808", "-9223372036854775809", "1e-400", "0x10", "NaN",
                                  "Infinity"])
        body = {"type": "sms", "useType": 5, "templateId": 1, "countryCode": t[0], "account": t[1]}
        text = json.dumps(body).replace(json.dumps(body[field]), number, 1)
        allowed = {PARAMETER_ERROR, PARAMETER_MISSING}
        if field == "countryCode":
            allowed |= {outcome(200, CODES.countryCode)}
        if field == "account":
            allowed |= {PHONE_FORMAT}
        return self.send(text, allowed, f"huge number in {field}")

    def invalid_utf8(self):
        junk = bytearray(self.rng.choice([0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0]) for _ in range(self.rng.randrange(0, 8)))
        junk.insert(self.rng.randrange(len(junk) + 1), self.rng.choice([0xC0, 0xC1, 0xF5, 0xF8, 0xFE, 0xFF]))
        junk = bytes(junk)  # never valid UTF-8
        field = self.rng.choice(["type", "account-email", "account-sms", "key"])
        if field == "type":
            body = b'{"type":"' + junk + b'","useType":5,"templateId":1,"account":"a@chaos.example"}'
            allowed = {PARAMETER_ERROR}
        elif field == "account-email":
            body = b'{"type":"email","useType":5,"templateId":1,"account":"' + junk + b'@chaos.example"}'
            allowed = {PARAMETER_ERROR, EMAIL_FORMAT}
        elif field == "account-sms":
            body = b'{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":"138' + junk + b'"}'
            allowed = {PARAMETER_ERROR, PHONE_FORMAT}
        else:
            body = b'{"' + junk + b'":1,"type":"sms"}'
            allowed = {PARAMETER_ERROR, PARAMETER_MISSING}
        return self.send(body, allowed, f"invalid UTF-8 in {field}")

    def control_in_fields(self):
        c = self.rng.choice(["\r\n", "\r", "\n", "\u0000", "\u0007", "\u001b", "\t", "\u2028", "\u007f"])
        kind = self.rng.choice(["email", "phone", "type", "raw"])
        if kind == "email":
            body = json.dumps({"type": "email", "useType": 5, "templateId": 1, "account": f"a{c}b@chaos.example"})
            return self.send(body, {EMAIL_FORMAT}, "control character in an email")
        if kind == "phone":
            body = json.dumps({"type": "sms", "useType": 5, "templateId": 1, "countryCode": 86,
                               "account": f"1380{c}0138000"})
            return self.send(body, {PHONE_FORMAT}, "control character in a phone")
        if kind == "type":
            body = json.dumps({"type": f"sms{c}", "useType": 5, "templateId": 1, "account": "13800138000",
                               "countryCode": 86})
            return self.send(body, {PARAMETER_ERROR}, "control character in type")
        raw_c = self.rng.choice(["\r\n", "\x00", "\x01", "\x1f"])
        body = '{"type":"email","useType":5,"templateId":1,"account":"a' + raw_c + 'b@chaos.example"}'
        return self.send(body, {PARAMETER_ERROR}, "raw control character in a JSON string")

    def wrong_content_type(self):
        ctype = self.rng.choice(["text/plain", "application/xml", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "", "application/json; charset=latin-1",
                                 "image/png"])
        if self.rng.random() < 0.5:
            t, body = self.valid()
            # The content type is not checked: a JSON object body is read as such (README: "a JSON object body").
            return self.send(body, {OK}, "wrong content type, JSON body", ctype=ctype or None, target=self.key(t))
        body = self.rng.choice(["type=sms&useType=5&templateId=1", "<send><type>sms</type></send>",
                                "--x\r\n\r\n--x--"])
        return self.send(body, {PARAMETER_ERROR}, "wrong content type and body", ctype=ctype or None)

    def json_shapes(self):
        body, allowed = self.rng.choice([
            ("[]", PARAMETER_ERROR), ('"x"', PARAMETER_ERROR), ("42", PARAMETER_ERROR), ("null", PARAMETER_ERROR),
            ("true", PARAMETER_ERROR), ("{}", PARAMETER_MISSING), ("", PARAMETER_ERROR),
            ("{\"type\":\"sms\"}", PARAMETER_MISSING),
            ('{"type":"fax","useType":5,"templateId":1,"account":"x"}', PARAMETER_ERROR),
            ('{"type":"sms","useType":9,"templateId":1,"account":"1","countryCode":1}', PARAMETER_ERROR),
            ('{"type":"email","useType":5,"templateId":1,"account":"no-at-sign"}', EMAIL_FORMAT),
            ('{"type":"sms","useType":5,"templateId":1,"account":"12","countryCode":86}', PHONE_FORMAT),
            ('{"type":"sms","useType":3,"templateId":1,"account":"13800138000","countryCode":86}',
             outcome(200, CODES.notLoggedIn)),
            ('{"a":1,"a":2}', PARAMETER_MISSING), ("\ufeff{}", PARAMETER_ERROR),
            ("{" * 1 + '"type":"sms",' * 1000 + "}", PARAMETER_ERROR)])
        # A missing parameter may also be reported as a parameter error.
        allowed = {allowed, PARAMETER_ERROR} if allowed == PARAMETER_MISSING else {allowed}
        return self.send(body, allowed, "JSON of a wrong shape")

    def check_endpoint(self):
        auth = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        kind = self.rng.choice(["no-token", "bad-token", "garbage", "wrong-code", "missing-code", "deep"])
        if kind == "no-token":
            return Case("check without a token", build_request("POST", CHECK, "{}"), {UNAUTHORIZED})
        if kind == "bad-token":
            token = {"Authorization": "Bearer " + "x" * self.rng.randrange(1, 300)}
            return Case("check with a wrong token", build_request("POST", CHECK, "{}", token), {UNAUTHORIZED})
        if kind == "garbage":
            body = self.random_bytes(1, 200)
            return Case("check with a garbage body", build_request("POST", CHECK, body, auth), {PARAMETER_ERROR})
        if kind == "wrong-code":
            body = json.dumps({"type": "sms", "account": "13800138000", "countryCode": 86, "templateId": 1,
                               "verifyCode": str(self.rng.randrange(10 ** 6)).zfill(6)})
            return Case("check of a code never sent", build_request("POST", CHECK, body, auth),
                        {outcome(200, CODES.codeIncorrect)})
        if kind == "missing-code":
            body = json.dumps({"type": "sms", "account": "13800138000", "countryCode": 86, "templateId": 1,
                               "verifyCode": self.rng.choice(["", " ", None])})
            return Case("check without a code", build_request("POST", CHECK, body, auth),
                        {outcome(200, CODES.codeEmpty)})
        d = self.rng.randrange(100, 5000)
        return Case("check with deep nesting", build_request("POST", CHECK, "[" * d + "]" * d, auth),
                    {PARAMETER_ERROR})
