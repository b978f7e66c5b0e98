from __future__ import annotations

from pathlib import Path

import pytest

from engine.commands.demo import DemoDataError, load_people


def test_the_shipped_demo_people_name_every_producer_they_use() -> None:
    people = load_people()
    producers = [u for u in people.users if u[3] is not None]
    assert producers, "the demo needs at least one producer user"
    assert {u[3] for u in producers} <= set(people.organisations.values())
    assert all(people.products[key] for key in people.products)
    assert len({u[0] for u in people.users}) == len(people.users), "usernames are unique"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: [", "users"),  # malformed YAML names the file
        ("[]", "expected a mapping"),
        ("users:\n  - {username: a, roles: [x], name: A, producer: ghost}\n", "unknown producer 'ghost'"),
        ("users:\n  - {username: a, roles: [x]}\n", "users[0]: 'name' must be a non-empty text"),
        ("producers: {p: {organisation: O, commune: '1'}}\nusers: []\n", "producers.p"),
        ("users:\n  - {username: a, roles: [x], name: A}\n", "no user belongs to a producer"),
        ("users:\n  - {username: a, roles: [x], name: Kiểm tra, giám sát}\n", "unknown keys ['giám sát']"),
        (
            "producers: {p: {organisation: HTX A, B, commune: '1', products: []}}\nusers: []\n",
            "producers.p: unknown keys ['B']",
        ),
    ],
)
def test_a_broken_demo_file_is_refused_with_the_entry_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DemoDataError) as caught:
        load_people(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
