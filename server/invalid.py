"""Why a request's input was refused, field by field, in words a person reads: Vietnamese first.

Pydantic says "String should match pattern '^[A-Z]{1,2}$'" about "body.prefix"; an admin needs
"Chữ cái: phải là một hoặc hai chữ cái in hoa (A-Z)". The words are in the server's catalog
(server.messages): `field_<name>` for a field, `reason_<pydantic error type>` for the reason,
`pattern_<name>` for a field whose pattern needs saying in words. Our own validators raise
`Refused(reason, **values)` so their reasons come from the catalog too.
"""

from typing import Any

from pydantic_core import PydanticCustomError

from server.messages import CATALOG, Message, render

# Pydantic error types that share one reason.
_SAME = {
    "int_type": "int_parsing", "int_from_float": "int_parsing", "bool_type": "bool_parsing",
    "literal_error": "enum", "string_type": "wrong_type", "list_type": "wrong_type", "dict_type": "wrong_type",
    "model_type": "wrong_type", "model_attributes_type": "wrong_type", "float_parsing": "int_parsing",
    "float_type": "int_parsing",
}  # fmt: skip


def Refused(reason: str, **values: object) -> PydanticCustomError:  # noqa: N802 (reads as an exception)
    """A validator's refusal; `reason_<reason>` in the catalog says it, with `values` filled in."""
    return PydanticCustomError(reason, CATALOG[f"reason_{reason}"]["en"], values)  # type: ignore[arg-type]


def printable(value: str) -> str:
    """A validator: text a person typed on one line, without control characters."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise Refused("control_characters")
    return value


def field_of(loc: list[Any]) -> str | None:
    """The body's field an error is about ("sessions" for body.sessions.0), or None."""
    names = [part for part in loc[1:] if isinstance(part, str)]
    return names[0] if loc and loc[0] == "body" and names else None


def _label(loc: list[Any]) -> Message:
    names = [part for part in loc[1:] if isinstance(part, str)]
    if not names:
        return render("field_request")
    # The innermost field with a name in the catalog: "weight" of one of a counter's categories.
    named = [n for n in names if f"field_{n}" in CATALOG] or [names[-1]]
    label = render(f"field_{named[-1]}") if f"field_{named[-1]}" in CATALOG else {"vi": named[-1], "en": named[-1]}
    items = [part + 1 for part in loc[1:] if isinstance(part, int)]
    if items:
        where = render("field_item", n=items[0])
        label = {"vi": f"{label['vi']} ({where['vi']})", "en": f"{label['en']} ({where['en']})"}
    return label


def _reason(error: dict[str, Any]) -> Message:
    kind = _SAME.get(error.get("type", ""), error.get("type", ""))
    ctx = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in (error.get("ctx") or {}).items()}
    field = field_of(list(error.get("loc", ())))
    if kind == "string_pattern_mismatch" and f"pattern_{field}" in CATALOG:
        return render(f"pattern_{field}")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return render("reason_empty")
    if kind == "value_error":
        # A validator's plain ValueError, written "English / tiếng Việt".
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        en, _, vi = text.partition(" / ")
        return {"vi": vi or en, "en": en}
    if kind == "enum":  # pydantic lists the choices in English: "'a', 'b' or 'c'"
        expected = str(ctx.get("expected", ""))
        return {"vi": render("reason_enum", expected=expected.replace(" or ", " hoặc "))["vi"],
                "en": render("reason_enum", expected=expected)["en"]}
    if f"reason_{kind}" in CATALOG:
        try:
            return render(f"reason_{kind}", **ctx)
        except (KeyError, IndexError):
            pass
    return render("reason_other", detail=error.get("msg", ""))


def explain(error: dict[str, Any]) -> Message:
    """One of pydantic's errors as "<field>: <reason>", in both languages."""
    label, reason = _label(list(error.get("loc", ()))), _reason(error)
    return {"vi": f"{label['vi']}: {reason['vi']}", "en": f"{label['en']}: {reason['en']}"}


def summary(messages: list[Message]) -> Message:
    """The answer's message: what is wrong, each field in turn."""
    head = render("invalid_input")
    return {
        language: " ".join([head[language], *(m[language] + "." for m in messages)])  # type: ignore[literal-required]
        for language in ("vi", "en")
    }  # type: ignore[return-value]
