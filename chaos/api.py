"""The verifyd API the scenarios call: its routes, request bodies, and unique SMS and email targets."""
import json

SEND = "/api/v2/common/send-verify-code"
CHECK = "/internal/v1/check-verify-code"
MAX_BODY = 16 * 1024
INTERNAL_TOKEN = "chaos-internal-token-0123456789"


def sms_body(target):
    cc, phone = target
    return json.dumps({"type": "sms", "useType": 5, "templateId": 1, "account": phone, "countryCode": cc})


def email_body(address):
    return json.dumps({"type": "email", "useType": 5, "templateId": 1, "account": address})


class Targets:
    """Unique SMS targets: country code 86 and an 11-digit national number built from a counter."""

    def __init__(self, prefix):
        self.prefix = prefix  # 3 digits
        self.n = 0

    def next(self):
        self.n += 1
        return 86, f"{self.prefix}{self.n:08d}"

    @staticmethod
    def body(target):
        return sms_body(target)

    @staticmethod
    def key(target):
        return key(target)


class EmailTargets:
    """Unique email addresses, `c{prefix}-{counter}@chaos.example` (lower case: the SMTP recipient as sent)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.n = 0

    def next(self):
        self.n += 1
        return f"c{self.prefix}-{self.n:08d}@chaos.example"

    @staticmethod
    def body(target):
        return email_body(target)

    @staticmethod
    def key(target):
        """As the SMTP sink records the recipient and the outbox its `to`."""
        return target


def key(target):
    """A target as verifyd's deliveries name it: country code and national number."""
    return f"{target[0]}{target[1]}"
