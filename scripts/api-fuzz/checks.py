"""Checks Schemathesis runs on top of its own, loaded with SCHEMATHESIS_HOOKS (scripts/api-fuzz.sh).

Every route of docs/openapi.yaml documents a `default` answer (500 `internal`, 503
`unavailable`), so Schemathesis' own `status_code_conformance` accepts any status on any route.
These two checks hold the document to what the repo's contract test (tests/http/openapi.rs)
holds it to:

- `documented_status`: a status other than 500/503 must be listed for the route explicitly.
- `documented_error_code`: an error answer's `code` is among the `x-error-codes` documented for
  its status (or for `default`, when it fell there).
"""

import json
import os

import schemathesis
import yaml

_DOC_PATH = os.environ.get("RECOUP_OPENAPI", "docs/openapi.yaml")
with open(_DOC_PATH, encoding="utf-8") as f:
    _DOC = yaml.safe_load(f)


def _resolve(node):
    for _ in range(16):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not ref:
            return node
        node = _DOC
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
    return node


def _documented_method(case):
    # Requests with another method (Schemathesis' `unsupported_method` probes) are judged by
    # that check: 405 with `Allow`.
    return case.method.lower() == case.operation.method.lower()


def _responses(case):
    op = _DOC["paths"][case.operation.path][case.operation.method.lower()]
    return op.get("responses", {})


@schemathesis.check
def documented_status(ctx, response, case):
    if not _documented_method(case):
        return None
    status = str(response.status_code)
    if status in ("500", "503"):
        return None
    if status not in _responses(case):
        raise AssertionError(
            f"status {status} is not documented for {case.operation.method.upper()} "
            f"{case.operation.path} (only `default` would take it); body: {response.text[:300]}"
        )
    return None


@schemathesis.check
def documented_error_code(ctx, response, case):
    if not _documented_method(case) or response.status_code < 400:
        return None
    responses = _responses(case)
    documented = responses.get(str(response.status_code), responses.get("default"))
    if documented is None:
        return None
    codes = _resolve(documented).get("x-error-codes")
    if codes is None:
        return None
    try:
        code = json.loads(response.text).get("code")
    except (ValueError, AttributeError):
        raise AssertionError(f"error answer {response.status_code} is not a JSON object: {response.text[:300]}")
    if code not in codes:
        raise AssertionError(
            f"error code {code!r} is not among those documented for {response.status_code}: {codes}; "
            f"body: {response.text[:300]}"
        )
    return None


def _integral_floats_as_ints(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    return value


@schemathesis.hook
def map_body(ctx, body):
    """Writes `5.0` as `5`. JSON Schema counts 5.0 as an integer; the endpoint refuses it where
    it expects one, as the document's conventions state (a rule a schema cannot express), so
    sending it would only repeat that known refusal on every integer field."""
    return _integral_floats_as_ints(body)
