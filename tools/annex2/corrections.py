"""Transcription artefacts in points cells, each read by eye and decided one by one.

The text in /work/shared/domain is a transcription not yet compared with the
official gazette. A points cell is corrected here only when exactly one value
fits: the criterion's maximum and the strictly rising order of its options
leave a single possibility, and the same criterion in sibling forms agrees.
Every correction is reported (docs/annex2-discrepancies.md, YAML comment); an
entry that no longer matches the text stops the converter, so a new
transcription is never "corrected" blindly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Correction:
    form: int
    where: str  # criterion id (or group number) the points cell belongs to
    raw: str  # the points cell as transcribed
    value: float
    vi: str
    en: str


CORRECTIONS = (
    Correction(
        4,
        "7",
        "13",
        3,
        "Phương án “Có trên 2 chỉ tiêu” ghi 13 điểm trong tiêu chí tối đa 3 điểm (các phương án khác 0, 1); "
        "cùng tiêu chí ở bộ 1 và 3 ghi 3. Đọc là 3.",
        "Option “Có trên 2 chỉ tiêu” reads 13 points in a criterion worth at most 3 (other options 0, 1); "
        "the same criterion in sets 1 and 3 reads 3. Read as 3.",
    ),
    Correction(
        11,
        "6.1.1",
        "11",
        1,
        "Phương án “Có rất ít tạp chất, chấp nhận được” ghi 11 điểm giữa hai phương án 0 và 2 của tiêu chí "
        "tối đa 2 điểm; cùng phương án ở bộ 12 ghi 1. Đọc là 1.",
        "Option “Có rất ít tạp chất, chấp nhận được” reads 11 points between options worth 0 and 2 in a "
        "criterion worth at most 2; the same option in set 12 reads 1. Read as 1.",
    ),
    Correction(
        23,
        "9",
        "4 1",
        4,
        "Ô điểm tối đa của nhóm 9 ghi “4 1”; các phương án là 2 và 4 và Phần C chỉ cộng đủ 35 với 4. Đọc là 4.",
        "The maximum of group 9 reads “4 1”; its options are worth 2 and 4 and Part C adds up to 35 only "
        "with 4. Read as 4.",
    ),
)


def find(form: int, where: str, raw: str) -> Correction | None:
    return next((c for c in CORRECTIONS if (c.form, c.where, c.raw) == (form, where, raw)), None)
