"""Numbers as people type them, read by the reader's locale (Babel's CLDR data), in one place.

`parse_number(text, locale, integer=...)` is the only reading of a typed number:
the data-entry service calls it for every number field answered with text (the
pages pass what was typed and the reader's language; the API's JSON numbers need
no reading). Vietnamese writes thousands with "." and decimals with ",", English
the other way round; an entry that one convention would read differently from the
other is refused with a hint, never guessed. The truth table (tests/unit/test_numbers.py):

| typed        | vi       | en        | why                                                     |
|--------------|----------|-----------|---------------------------------------------------------|
| `1.200`      | 1200     | refused   | en: 1.2 or 1,200? a decimal point before exactly 3 digits |
| `1,200`      | refused  | 1200      | vi: the same doubt the other way round                  |
| `1,5`        | 1.5      | refused   | en: "," only groups thousands, in threes                |
| `1.5`        | refused  | 1.5       | vi: "." only groups thousands, in threes                |
| `1.200,5`    | 1200.5   | refused   | en: the separators are the other way round              |
| `1,200.5`    | refused  | 1200.5    | vi: likewise                                            |
| `12 000`     | refused  | refused   | a space may be a slip between two numbers; type 12000   |
| `0,125`      | 0.125    | refused   | vi: no thousands group starts with 0, so no doubt       |
| `1e5`, `Infinity`, `NaN` | refused | refused | not how a person writes a quantity          |
| `1200`, `-3` | 1200, -3 | 1200, -3  | plain digits read the same everywhere                   |

Without a locale (`locale=None`: text that came from a machine, e.g. the API)
only plain digits with an optional "." decimal part are read.
`format_number(value, locale, grouping=True)` shows a number back the way the
locale writes it (1200.5 -> "1.200,5" / "1,200.5"; a year field declares
`grouping: false` so 2026 stays "2026").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation, localcontext

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from engine.messages import Message, say

_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_CHARS = re.compile(r"[-+]?[\d.,]+")


class NumberProblem(ValueError):
    """Why a typed number is refused: `message`, a code of engine.messages with its parameters."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message
        self.code = message.code


def _example(locale: str | None) -> str:
    return format_decimal(Decimal("1200.5"), locale=locale or "en") if locale else "1200.5"


def _ambiguous(text: str, decimal: str, group: str) -> bool:
    """One decimal symbol before exactly three digits, after a leading 1-3 digit number not 0."""
    body = text.lstrip("-+")
    if group in body or body.count(decimal) != 1:
        return False
    head, tail = body.split(decimal)
    return len(tail) == 3 and 1 <= len(head) <= 3 and head.isdigit() and tail.isdigit() and head != "0"


def read_decimal(text: str, locale: str | None) -> Decimal:
    """The number `text` means in `locale`, or NumberProblem saying why it cannot be read."""
    raw = text.strip()
    example = _example(locale)
    if locale is None:
        if not _PLAIN.fullmatch(raw):
            raise NumberProblem(say("field.number_plain", example=example))
        return Decimal(raw)
    if not _CHARS.fullmatch(raw):
        if re.fullmatch(r"[-+]?[\d\s.,]+", raw):
            raise NumberProblem(say("field.number_spaces", example=example))
        raise NumberProblem(say("field.number"))
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    if _ambiguous(raw, decimal, group):
        head, tail = raw.lstrip("-+").split(decimal)
        fraction = f"{head}{decimal}{tail.rstrip('0')}".rstrip(decimal)
        raise NumberProblem(
            say("field.number_ambiguous", typed=raw, thousands=head + tail, fraction=fraction)
        )
    try:
        value = parse_decimal(raw, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        raise NumberProblem(say("field.number_locale", example=example)) from None
    if not value.is_finite():
        raise NumberProblem(say("field.number"))
    return value


def parse_number(text: str, locale: str | None, *, integer: bool = False) -> int | float:
    """`read_decimal`, then an int for an integer field (a fraction refused) or a float."""
    value = read_decimal(text, locale)
    if integer:
        if value != value.to_integral_value():
            raise NumberProblem(say("field.whole_number"))
        return int(value)
    return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)


def format_number(value: float | int, locale: str, *, grouping: bool = True) -> str:
    """`value` the way `locale` writes it: 1200.5 -> "1.200,5" (vi), "1,200.5" (en)."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        number = number.to_integral_value()
    # As many fraction digits as the number has, no more: a fixed "#,##0.###############" makes Babel
    # quantize to 15 places, which overflows decimal's 28-digit precision from 10^13 on.
    _, digits, exponent = number.as_tuple()
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0." + "#" * places if places else "#,##0"
    # and a precision that holds every digit, so that even 10^30 is written out rather than refused.
    with localcontext() as context:
        context.prec = max(context.prec, len(digits) + places + 2)
        return format_decimal(number, format=pattern, locale=locale, group_separator=grouping)
