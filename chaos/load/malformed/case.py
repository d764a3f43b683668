"""A malformed-request case (the bytes to send and the answers documented for them), the answers' names, and the
base of the case makers."""
from ...api import SEND, key, sms_body
from ...clients.http import build_request
from ...codes import CODES, outcome

# Answers as Answer.short() names them, plus the two the malformed scenario adds.
CLOSED = "closed"  # the connection closed without an answer
BARE400 = "400:-"  # a 400 without an envelope: verifyd never answers one (it is a failure where it shows)
OK = outcome(200, CODES.ok)  # accepted (a send) or healthy
PARAMETER_ERROR = outcome(200, CODES.parameterError)
PARAMETER_MISSING = outcome(200, CODES.parameterMissing)
TOO_LARGE = outcome(413, CODES.payloadTooLarge)
NOT_FOUND = outcome(404, CODES.notFound)
BAD_REQUEST = outcome(400, CODES.parameterError)  # malformed HTTP: 400 in an envelope, then the connection closes
NOT_ALLOWED = outcome(405, CODES.methodNotAllowed)
UNAUTHORIZED = outcome(401, CODES.unauthorized)


class Case:
    __slots__ = ("name", "raw", "allowed", "half_close", "head_only", "target", "pieces")

    def __init__(self, name, raw, allowed, *, half_close=False, head_only=False, target=None, pieces=None):
        self.name, self.raw, self.allowed = name, raw, set(allowed)
        self.half_close, self.head_only, self.target, self.pieces = half_close, head_only, target, pieces


class Maker:
    """Makes cases from a seeded random generator; valid sends go to unique targets (their codes are followed)."""

    def __init__(self, rng, targets):
        self.rng = rng
        self.targets = targets

    def send(self, body, allowed, name, headers=None, ctype="application/json", target=None):
        """A POST to the send route."""
        return Case(name, build_request("POST", SEND, body, headers, content_type=ctype), allowed, target=target)

    def valid(self):
        """A fresh target and a valid SMS send body for it."""
        t = self.targets.next()
        return t, sms_body(t)

    def random_bytes(self, low, high):
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(low, high)))

    key = staticmethod(key)
