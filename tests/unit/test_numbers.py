"""The truth table of typed numbers (engine/numbers.py): read by the reader's locale, or refused with a hint."""

from __future__ import annotations

import pytest

from engine.numbers import NumberProblem, format_number, parse_number

REFUSED = None


@pytest.mark.parametrize(
    ("typed", "vi", "en"),
    [
        ("1.200", 1200, "field.number_ambiguous"),
        ("1,200", "field.number_ambiguous", 1200),
        ("1,5", 1.5, "field.number_locale"),
        ("1.5", "field.number_locale", 1.5),
        ("1.200,5", 1200.5, "field.number_locale"),
        ("1,200.5", "field.number_locale", 1200.5),
        ("12 000", "field.number_spaces", "field.number_spaces"),
        ("0,125", 0.125, "field.number_locale"),
        ("0.125", "field.number_locale", 0.125),
        ("1.234.567", 1234567, "field.number_locale"),
        ("12.00", "field.number_locale", 12.0),
        ("1200", 1200, 1200),
        ("-3", -3, -3),
        ("  7 ", 7, 7),
        ("1e5", "field.number", "field.number"),
        ("Infinity", "field.number", "field.number"),
        ("NaN", "field.number", "field.number"),
        ("abc", "field.number", "field.number"),
    ],
)
def test_a_typed_number_means_what_the_locale_writes_or_is_refused(
    typed: str, vi: object, en: object
) -> None:
    for locale, expected in (("vi", vi), ("en", en)):
        if isinstance(expected, str):
            with pytest.raises(NumberProblem) as caught:
                parse_number(typed, locale)
            assert caught.value.code == expected, (locale, typed)
        else:
            value = parse_number(typed, locale)
            assert value == expected and type(value) is type(expected), (locale, typed, value)


def test_an_ambiguous_entry_is_refused_with_both_readings_in_the_hint() -> None:
    with pytest.raises(NumberProblem) as caught:
        parse_number("1.200", "en")
    message = caught.value.message
    assert message.en == "'1.200' could mean 1200 or 1.2: type 1200 or 1.2."
    with pytest.raises(NumberProblem) as caught:
        parse_number("1,200", "vi")
    assert caught.value.message.vi == ("«1,200» có thể là 1200 hoặc 1,2: hãy gõ 1200 hoặc 1,2.")


def test_the_locale_hint_shows_how_the_locale_writes_a_number() -> None:
    with pytest.raises(NumberProblem) as caught:
        parse_number("1,200.5", "vi")
    assert "1.200,5" in caught.value.message.vi


@pytest.mark.parametrize(
    ("typed", "integer", "expected"), [("12,0", True, 12), ("12,5", True, "field.whole_number")]
)
def test_an_integer_field_takes_whole_numbers_only(typed: str, integer: bool, expected: object) -> None:
    if isinstance(expected, str):
        with pytest.raises(NumberProblem) as caught:
            parse_number(typed, "vi", integer=integer)
        assert caught.value.code == expected
    else:
        assert parse_number(typed, "vi", integer=integer) == expected


@pytest.mark.parametrize(
    ("typed", "expected"), [("1200.5", 1200.5), ("-3", -3), ("1,200", REFUSED), ("1e3", REFUSED)]
)
def test_text_from_a_machine_is_read_as_plain_digits_only(typed: str, expected: object) -> None:
    if expected is REFUSED:
        with pytest.raises(NumberProblem):
            parse_number(typed, None)
    else:
        assert parse_number(typed, None) == expected


@pytest.mark.parametrize(
    ("value", "locale", "grouping", "shown"),
    [
        (1200.5, "vi", True, "1.200,5"),
        (1200.5, "en", True, "1,200.5"),
        (2026.0, "vi", False, "2026"),
        (2026, "vi", True, "2.026"),
        (0.1, "vi", True, "0,1"),
        (1234567, "en", True, "1,234,567"),
        # from 10^13 on a fixed 15-place pattern overflowed decimal's precision and raised
        (10**13, "vi", True, "10.000.000.000.000"),
        (123456789012345.25, "vi", True, "123.456.789.012.345,25"),
        (10**30, "en", True, "1,000,000,000,000,000,000,000,000,000,000"),
    ],
)
def test_numbers_are_shown_the_way_the_locale_writes_them(
    value: float, locale: str, grouping: bool, shown: str
) -> None:
    assert format_number(value, locale, grouping=grouping) == shown


@pytest.mark.parametrize("value", [0.1, 1200.5, 1234567.25, -3.0, 2026, 10**13, 98765432109876.5])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_what_is_shown_reads_back_as_the_same_number(value: float, locale: str) -> None:
    assert parse_number(format_number(value, locale), locale) == value
