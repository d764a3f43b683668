"""verifyd's result codes, by name, from the one table: openapi.yaml → components → x-verifyd-result-codes.

`CODES.sentTooOften` is 33201: the names are those of Swift's ResultCode (a Swift test keeps the two in step).
openapi.yaml is JSON syntax (valid YAML) once its `#` comment lines are dropped, so `json` reads it.
"""
import json
import os
import types

from . import ROOT

OPENAPI = os.path.join(ROOT, "Sources/VerifydHTTP/openapi.yaml")


def load(path=OPENAPI):
    """The table as a dict, name → code."""
    with open(path, encoding="utf-8") as f:
        text = "".join(line for line in f if not line.startswith("#"))
    return json.loads(text)["components"]["x-verifyd-result-codes"]["codes"]


TABLE = load()
CODES = types.SimpleNamespace(**TABLE)  # an unknown name is an AttributeError, not a silent None
DOCUMENTED = frozenset(TABLE.values())

# The codes that come with an HTTP status other than 200 (every other code is answered 200).
HTTP_STATUS = {CODES.unauthorized: 401, CODES.notFound: 404, CODES.methodNotAllowed: 405,
               CODES.requestTimeout: 408, CODES.payloadTooLarge: 413, CODES.internalError: 500,
               CODES.serviceUnavailable: 503, CODES.deliveryBacklog: 503}

# The documented 503s of a send: Redis unreachable or too slow (Retry-After: 1), or the channel's delivery queue
# backlogged past VERIFYD_DELIVERY_MAX_WAIT (Retry-After: 10).
UNAVAILABLE = frozenset({CODES.serviceUnavailable, CODES.deliveryBacklog})


def outcome(status, code):
    """An answer as the scenarios name it: `200:33201`."""
    return f"{status}:{code}"
