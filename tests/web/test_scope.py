"""Area scope: another area's dossier is "not found" on every page, exactly like an id that does not exist."""

from __future__ import annotations

from typing import Any

import pytest


def paths(dossier_id: int) -> list[str]:
    return [
        f"/dossiers/{dossier_id}",
        f"/dossiers/{dossier_id}/score",
        f"/dossiers/{dossier_id}/council",
    ]


def post_paths(dossier_id: int) -> list[str]:
    return [
        f"/dossiers/{dossier_id}/actions/commune_forward",
        f"/dossiers/{dossier_id}/forms/ocop-2026-mau-03",
        f"/dossiers/{dossier_id}/evidence",
        f"/dossiers/{dossier_id}/score",
    ]


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("producer1", False),  # another producer's dossier
        ("commune1", False),  # another commune
        ("other_province", False),  # another province
        ("commune2", True),  # its own commune
        ("province1", True),  # its province
        ("auditor", True),  # central scope
    ],
)
def test_a_dossier_is_seen_only_within_the_viewers_area(
    as_user: Any, walk: Any, viewer: str, sees: bool
) -> None:
    dossier_id = walk("commune_check", producer="producer2", name="Bánh chưng Thường Tín")
    b = as_user(viewer)
    detail = b.get(f"/dossiers/{dossier_id}")
    assert detail.status_code == (200 if sees else 404)
    listed = b.get("/dossiers").get_data(as_text=True)
    assert ("Bánh chưng Thường Tín" in listed) is sees
    if not sees:
        for path in paths(dossier_id):
            assert b.get(path).status_code == 404, path
        for path in post_paths(dossier_id):
            assert b.post(path, {"comment": "x"}).status_code == 404, path


def test_another_areas_dossier_looks_exactly_like_a_missing_one(as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check", producer="producer2")
    b = as_user("commune1")
    hidden = b.get(f"/dossiers/{dossier_id}")
    missing = b.get("/dossiers/999999")
    assert hidden.status_code == missing.status_code == 404
    same = hidden.get_data(as_text=True).replace(f"/dossiers/{dossier_id}", "/dossiers/N")
    assert same == missing.get_data(as_text=True).replace("/dossiers/999999", "/dossiers/N")


def test_a_public_look_up_never_needs_sign_in_and_unknown_numbers_are_404(app: Any) -> None:
    response = app.test_client().get("/c/01/2026/OCOP-99999")
    assert response.status_code == 404
    assert "Không có giấy chứng nhận số 01/2026/OCOP-99999" in response.get_data(as_text=True)
