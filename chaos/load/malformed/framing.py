"""Malformed HTTP: garbage, broken framing (lengths, chunks), bad heads (headers, methods, paths, versions) and
bodies over the limit. Each case lists the answers the README documents for it."""
from ...api import CHECK, MAX_BODY, SEND
from ...clients.http import build_request
from ...codes import CODES, outcome
from .case import (BAD_REQUEST, CLOSED, NOT_ALLOWED, NOT_FOUND, OK, PARAMETER_ERROR, PARAMETER_MISSING, TOO_LARGE,
                   UNAUTHORIZED, Case, Maker)


class Framing(Maker):
    def random_bytes_case(self):
        return Case("random bytes", self.random_bytes(1, 2048), {CLOSED, BAD_REQUEST}, half_close=True)

    def garbage_line(self):
        junk = "".join(self.rng.choice("ABCXYZ /:%\t-_.0123456789") for _ in range(self.rng.randrange(1, 200)))
        return Case("garbage line", (junk + "\r\n\r\n").encode(), {CLOSED, BAD_REQUEST}, half_close=True)

    def eof_mid_body(self):
        t, body = self.valid()
        declared = self.rng.choice([len(body) + 50, 10 ** 12, 2 ** 63])
        raw = build_request("POST", SEND, body)
        raw = raw.replace(f"Content-Length: {len(body)}".encode(), f"Content-Length: {declared}".encode())
        # The client gives up mid-body (EOF): a client error, answered 400 or with a closed connection.
        return Case("client closes mid-body", raw, {CLOSED, BAD_REQUEST, TOO_LARGE},
                    half_close=True)

    def declared_too_large(self):
        raw = (f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {self.rng.choice([10 ** 12, 17000, 2 ** 40])}\r\n\r\n{{\"type\":").encode()
        # 413 at once, or (the body never comes) closed at the request deadline like any slow client.
        return Case("Content-Length over 16 KiB, body never sent", raw, {TOO_LARGE, CLOSED})

    def header_injection(self):
        value = self.rng.choice(["en\r\nX-Injected: 1", "en\rX: 1", "en\x00", "en\nX: 1", "zh\x7f", "\x01\x02"])
        t, body = self.valid()
        raw = build_request("POST", SEND, body, {"X-Fresns-Client-Lang-Tag": "LANG"})
        raw = raw.replace(b"LANG", value.encode("latin-1"))
        # A header with a bare CR, LF or NUL is malformed HTTP: refused. A bare LF may be read as a line end, so
        # the request can also pass with an extra header; DEL and other controls may pass in a value.
        return Case("control character in a header", raw, {CLOSED, BAD_REQUEST, OK}, target=self.key(t))

    def obs_fold(self):
        t, body = self.valid()
        raw = build_request("POST", SEND, body, {"X-Fresns-Client-Lang-Tag": "en\r\n folded"})
        return Case("obsolete header folding", raw, {CLOSED, BAD_REQUEST, OK}, target=self.key(t))

    def huge_body(self):
        n = self.rng.choice([MAX_BODY + 1, MAX_BODY + 100, 64 * 1024, 1024 * 1024])
        body = '{"type":"sms","pad":"' + "x" * (n - 22) + '"}'
        return self.send(body, {TOO_LARGE, CLOSED}, "body over 16 KiB")

    def body_at_limit(self):
        t, body = self.valid()
        padded = body[:-1] + ',"pad":"' + "x" * (MAX_BODY - len(body) - 9) + '"}'
        assert len(padded) == MAX_BODY, len(padded)
        return self.send(padded, {OK}, "body of exactly 16 KiB", target=self.key(t))

    def chunked_huge(self):
        chunk = b"x" * 4096
        pieces = [(f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   f"Transfer-Encoding: chunked\r\n\r\n").encode()]
        pieces += [b"1000\r\n" + chunk + b"\r\n"] * 6 + [b"0\r\n\r\n"]
        return Case("chunked body over 16 KiB", b"", {TOO_LARGE, CLOSED}, pieces=pieces)

    def bad_chunks(self):
        name, chunks = self.rng.choice([("chunk size not hex", "zz\r\nabc\r\n0\r\n\r\n"),
                                        ("chunk size overflowing 64 bits", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
                                        ("chunk longer than its size", "2\r\nabcdef\r\n0\r\n\r\n"),
                                        ("negative chunk size", "-1\r\nx\r\n0\r\n\r\n")])
        raw = f"POST {SEND} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}".encode()
        # Malformed HTTP framing: a client error (a 400 envelope and a closed connection for malformed heads;
        # "any other HTTP error keeps its status and uses code 30000").
        return Case(f"malformed chunked body ({name})", raw, {CLOSED, BAD_REQUEST})

    def smuggling(self):
        raw = (f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               "0\r\n\r\n").encode()
        return Case("Content-Length with Transfer-Encoding", raw, {CLOSED, BAD_REQUEST, PARAMETER_ERROR},
                    half_close=True)

    def duplicate_content_length(self):
        raw = f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{{}}".encode()
        return Case("two Content-Lengths", raw, {CLOSED, BAD_REQUEST, PARAMETER_MISSING}, half_close=True)

    def huge_header(self):
        n = self.rng.choice([17 * 1024, 40 * 1024, 70 * 1024])
        raw = build_request("POST", SEND, "{}", {"X-Big": "x" * n})
        return Case("header over the limit", raw, {CLOSED, BAD_REQUEST})

    def many_headers(self):
        raw = build_request("POST", SEND, "{}", {f"X-H{i}": "1" for i in range(self.rng.randrange(101, 300))})
        return Case("over 100 header fields", raw, {CLOSED, BAD_REQUEST})

    def bad_method(self):
        method = self.rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
        raw = build_request(method, self.rng.choice([SEND, CHECK, "/health/live/x"]), "", content_type=None)
        return Case(f"{method} on a POST route", raw, {NOT_FOUND, NOT_ALLOWED}, head_only=method == "HEAD")

    def invalid_method(self):
        method = self.rng.choice(["FOO", "G ET", "POST\x01", "\x00\x00", "GETT", "BREW", "pOsT", "P0ST"])
        raw = f"{method} {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode("latin-1")
        return Case("invalid method", raw, {CLOSED, BAD_REQUEST, NOT_FOUND, NOT_ALLOWED}, half_close=True)

    def bad_path(self):
        path = self.rng.choice(["/", "/api", "/api/v2/common/send-verify-code/x", "/API/V2/COMMON/SEND-VERIFY-CODE",
                                "/%00", "/..%2f..%2fetc%2fpasswd", "/../../etc/passwd", "/%zz", "/" + "a" * 8000,
                                "//api//v2", "/api/v2/common/send-verify-code%00", "/health/live/../../internal",
                                "/metrics/x", "/openapi.yaml/x", "/\u00e9"])
        raw = build_request("POST", path.encode("utf-8").decode("latin-1"), "{}")
        return Case("unknown path", raw, {NOT_FOUND, BAD_REQUEST, CLOSED})

    def trailing_slash(self):
        # The router ignores a trailing slash: the route itself answers (the check route: 401 without a token).
        path, allowed = self.rng.choice([(CHECK + "/", {UNAUTHORIZED, NOT_FOUND}),
                                         (SEND + "/", {PARAMETER_MISSING, NOT_FOUND}),
                                         ("/health/live/", {OK, NOT_FOUND})])
        live = path == "/health/live/"
        return Case("trailing slash", build_request("GET" if live else "POST", path, "" if live else "{}"), allowed)

    def bad_version(self):
        version = self.rng.choice(["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/9.9", "HTTX/1.1", "HTTP/1", ""])
        raw = f"POST {SEND} {version}\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}".encode()
        return Case("bad HTTP version", raw,
                    {CLOSED, BAD_REQUEST, PARAMETER_MISSING, outcome(505, CODES.parameterError)}, half_close=True)

    def no_colon(self):
        raw = f"POST {SEND} HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nContent-Length: 2\r\n\r\n{{}}".encode()
        return Case("header without a colon", raw, {CLOSED, BAD_REQUEST}, half_close=True)

    def http10(self):
        t, body = self.valid()
        raw = (f"POST {SEND} HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
               + body).encode()
        return Case("HTTP/1.0 without Host", raw, {OK, BAD_REQUEST}, target=self.key(t))

    def pipelined_garbage(self):
        t, body = self.valid()
        raw = build_request("POST", SEND, body, close=False) + bytes(self.rng.randrange(256) for _ in range(64))
        return Case("valid request followed by garbage", raw, {OK}, half_close=True, target=self.key(t))
