"""One-line errors for bad parameters, catalogue entries and scenarios, and a frozen mapping type."""

from __future__ import annotations

from typing import Any


class ParameterError(ValueError):
    """A parameter or scenario value is invalid; the message is one line naming the field."""


class FrozenDict(dict):
    """A dict that cannot be changed after it is made (for parameter and catalogue values).

    It compares, prints and serialises like a dict, hashes by content, and pickles; every
    method that would change it raises `TypeError`.
    """

    def _refuse(self, *_: Any, **__: Any) -> None:
        """Refuse any change."""
        raise TypeError("this mapping cannot be changed; build a new one (model.set_parameters for parameters)")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        """Hash by content."""
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a plain dict rebuilt into a FrozenDict."""
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        """An immutable value is its own copy."""
        return self

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        """An immutable value is its own copy (its values are immutable too)."""
        return self


def numeric_bounds(spec: Any) -> tuple[float | None, float | None]:
    """A pydantic field's lower and upper bounds (inclusive or not), None where it has none."""
    low = high = None
    for item in spec.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
        high = getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high
    return low, high


def allowed_range(spec: Any) -> str:
    """Describe a pydantic field's numeric bounds, for example 'between 0 and 1' ('' if it has none)."""
    low, high = numeric_bounds(spec)
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"at least {low:g}"
    if high is not None:
        return f"at most {high:g}"
    return ""


def describe_error(error: dict[str, Any], fields: dict[str, Any], what: str = "parameter") -> str:
    """Turn one pydantic error into 'what 'field' must be ... (got ...)', a single line."""
    import difflib

    field = ".".join(str(part) for part in error["loc"]) or what
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {what} {field!r}{hint}"
    got = shown(error.get("input"))
    ctx = error.get("ctx", {})
    bounds = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    limits = [f"{sym} {ctx[key]}" for key, sym in bounds.items() if key in ctx]
    spec = fields.get(str(error["loc"][0])) if error["loc"] else None
    own_bounds = spec is not None and any(hasattr(m, "ge") or hasattr(m, "le") for m in spec.metadata)
    if limits:
        allowed = allowed_range(spec) if own_bounds else " and ".join(limits)
        return f"{what} {field!r} must be {allowed} (got {got})"
    if kind in EXPECTED_TYPE:
        bounds_text = f" {allowed_range(spec)}" if own_bounds and len(error["loc"]) == 1 else ""
        return f"{what} {field!r} must be {EXPECTED_TYPE[kind]}{bounds_text} (got {got})"
    return f"{what} {field!r}: {error['msg']} (got {got})"


#: What a field of each type accepts, in words, by pydantic's error type.
EXPECTED_TYPE = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table of name = value",
}


def shown(value: Any, limit: int = 80) -> str:
    """A value as shown in an error message: its repr, shortened when long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
