"""Numbers typed in the reader's language and text formats, as the service stores or refuses them (both databases)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidForm

FORM = "ocop-2026-mau-02"


def _preparing(service, driver, open_dossier):  # type: ignore[no-untyped-def]
    dossier = open_dossier()
    assert driver.walk(dossier.id, ["preparing"]).state == "preparing"
    return dossier.id


@pytest.mark.parametrize(
    ("locale", "typed", "stored"),
    [
        ("vi", "1.200", 1200),
        ("vi", "1.200,5", 1200.5),
        ("vi", "1,5", 1.5),
        ("en", "1,200.5", 1200.5),
        (None, "1200.5", 1200.5),
    ],
)
def test_revenue_is_stored_as_the_number_the_producer_meant(
    service, people, driver, open_dossier, locale, typed, stored
) -> None:  # type: ignore[no-untyped-def]
    dossier_id = _preparing(service, driver, open_dossier)
    producer = people["producer1"]
    service.save_form(producer, dossier_id, FORM, {"revenue": typed}, locale=locale)
    assert service.form_answers(producer, dossier_id)[FORM]["answers"]["revenue"] == stored


@pytest.mark.parametrize(
    ("locale", "typed", "code"),
    [
        ("en", "1.200", "field.number_ambiguous"),
        ("vi", "1,200", "field.number_ambiguous"),
        ("vi", "1,200.5", "field.number_locale"),
        ("vi", "12 000", "field.number_spaces"),
        (None, "1.200,5", "field.number_plain"),
    ],
)
def test_an_entry_that_could_mean_two_numbers_is_refused_and_nothing_is_stored(
    service, people, driver, open_dossier, locale, typed, code
) -> None:  # type: ignore[no-untyped-def]
    dossier_id = _preparing(service, driver, open_dossier)
    producer = people["producer1"]
    before = service.form_answers(producer, dossier_id).get(FORM)
    with pytest.raises(InvalidForm) as refused:
        service.save_form(producer, dossier_id, FORM, {"revenue": typed}, locale=locale)
    assert refused.value.problems["revenue"].code == code
    assert service.form_answers(producer, dossier_id).get(FORM) == before


def test_a_phone_number_must_match_the_format_the_form_declares(
    service, people, driver, open_dossier
) -> None:  # type: ignore[no-untyped-def]
    dossier_id = _preparing(service, driver, open_dossier)
    producer = people["producer1"]
    with pytest.raises(InvalidForm) as refused:
        service.save_form(producer, dossier_id, FORM, {"phone": "abc"})
    problem = refused.value.problems["phone"]
    assert problem.code == "field.format"
    assert problem.vi == "Chưa đúng dạng số điện thoại, ví dụ 0912 345 678."
    assert problem.en == "Not a valid phone number, e.g. 0912 345 678."
    service.save_form(producer, dossier_id, FORM, {"phone": "+84 912 345 678", "email": "htx@example.vn"})
    with pytest.raises(InvalidForm) as refused:
        service.save_form(producer, dossier_id, FORM, {"email": "not-an-address"})
    assert refused.value.problems["email"].code == "field.format"
