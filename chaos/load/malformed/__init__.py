"""Malformed requests for the `malformed` scenario: an endless, seeded round-robin of cases (framing: malformed
HTTP; bodies: malformed JSON and fields; canonical: hostile addresses for the normalization), each with the answers
the README documents for it."""
from .bodies import Bodies
from .canonical import Canonical
from .case import BARE400, CLOSED, Case  # noqa: F401 (the scenario's names for answers)
from .framing import Framing


def cases(rng, targets):
    """Yields cases forever, one of each kind per round, in a fixed order (so a seed repeats a run)."""
    http, body, canon = Framing(rng, targets), Bodies(rng, targets), Canonical(rng, targets)
    kinds = [http.random_bytes_case, http.garbage_line, body.truncated_json, http.eof_mid_body, body.deep_arrays,
             body.deep_objects, body.deep_field, body.unclosed_nesting, body.huge_number, body.invalid_utf8,
             body.control_in_fields, http.header_injection, http.obs_fold, body.wrong_content_type, http.huge_body,
             http.body_at_limit, http.chunked_huge, http.bad_chunks, http.smuggling, http.duplicate_content_length,
             http.huge_header, http.many_headers, http.bad_method, http.invalid_method, http.bad_path,
             http.trailing_slash, http.bad_version, http.no_colon, body.json_shapes, body.check_endpoint,
             http.http10, http.pipelined_garbage, canon.hostile_phone, canon.hostile_email]
    # Cases that wait for the request deadline run every 8th round only (they cost 2 s each).
    rare = [http.declared_too_large]
    round_ = 0
    while True:
        for kind in kinds:
            yield kind()
        if round_ % 8 == 0:
            for kind in rare:
                yield kind()
        round_ += 1
