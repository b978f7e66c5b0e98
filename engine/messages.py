"""The service's messages: stable codes with Vietnamese and English templates.

Errors and field problems are raised as `say(code, **params)`; a reader sees
them in their own language (`Message.get(lang)`), logs and old callers read the
English (`str(message)`). Codes are stable: API clients and tests depend on
them. Parameters are ids, numbers, dates, lists of those, or texts that know
their own languages (`Text`, `Message`); the template chooses the words.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Localized(Protocol):
    """A text a person reads, in Vietnamese or English (`Text`, `Message`)."""

    @property
    def vi(self) -> str: ...

    def get(self, lang: str = "vi") -> str: ...


def _t(vi: str, en: str) -> tuple[str, str]:
    return (vi, en)


CATALOG: dict[str, tuple[str, str]] = {
    # --- access ----------------------------------------------------------------------
    "access.signed_out": _t("Bạn chưa đăng nhập.", "You are not signed in."),
    "access.permission_needed": _t("Cần quyền «{permission}».", "The '{permission}' permission is needed."),
    "access.token_inactive_user": _t(
        "Chỉ người dùng đang hoạt động mới có mã truy cập API.", "Only an active user can have an API token."
    ),
    # --- answers to a data form, field by field ------------------------------------------
    "field.required": _t("Cần điền mục này.", "This is required."),
    "field.unknown": _t("Không phải một mục của biểu mẫu này.", "Not a field of this form."),
    "field.number": _t("Phải là một số.", "Must be a number."),
    "field.whole_number": _t("Phải là số nguyên.", "Must be a whole number."),
    "field.at_least": _t("Phải từ {min} trở lên.", "Must be at least {min}."),
    "field.at_most": _t("Phải không quá {max}.", "Must be at most {max}."),
    "field.date": _t("Phải là một ngày (năm-tháng-ngày).", "Must be a date (YYYY-MM-DD)."),
    "field.on_or_after": _t("Phải từ ngày {day} trở đi.", "Must be on or after {day}."),
    "field.on_or_before": _t("Phải trước hoặc đúng ngày {day}.", "Must be on or before {day}."),
    "field.text": _t("Phải là chữ.", "Must be text."),
    "field.max_length": _t("Tối đa {max} ký tự.", "At most {max} characters."),
    "field.control_character": _t(
        "Có ký tự điều khiển không được phép ({char}) ở vị trí {position}.",
        "Holds a control character that is not allowed ({char}) at position {position}.",
    ),
    "field.one_of": _t("Phải là một trong: {values}.", "Must be one of: {values}."),
    "field.not_options": _t("Không có lựa chọn: {values}.", "Not an option: {values}."),
    "field.yes_no": _t("Phải chọn Có hoặc Không.", "Choose Yes or No."),
    "field.unit_unknown": _t("Không có đơn vị hành chính này.", "No such administrative unit."),
    "field.evidence_first": _t(
        "Hãy tải lên giấy tờ này trước ({document}).", "Upload this document first ({document})."
    ),
    "field.type_unsupported": _t("Không hỗ trợ kiểu mục {type}.", "Unsupported field type {type}."),
    "field.number_plain": _t(
        "Phải là một số viết liền, phần thập phân sau dấu chấm, ví dụ {example}.",
        "Must be a number in digits, with a decimal point, e.g. {example}.",
    ),
    "field.number_spaces": _t(
        "Viết số không có dấu cách, ví dụ {example}.", "Write the number without spaces, e.g. {example}."
    ),
    "field.number_locale": _t(
        "Chưa đọc được số này: dấu chấm ngăn hàng nghìn, dấu phẩy trước phần thập phân, ví dụ {example}.",
        "This number cannot be read: a comma separates thousands, a point the decimals, e.g. {example}.",
    ),
    "field.number_ambiguous": _t(
        "«{typed}» có thể là {thousands} hoặc {fraction}: hãy gõ {thousands} hoặc {fraction}.",
        "'{typed}' could mean {thousands} or {fraction}: type {thousands} or {fraction}.",
    ),
    "field.format": _t("Chưa đúng dạng {format}, ví dụ {example}.", "Not a valid {format}, e.g. {example}."),
    "form.answers_do_not_fit": _t(
        "{count} câu trả lời không hợp với biểu mẫu {form}.", "{count} answers do not fit the form {form}."
    ),
    "form.prefilled_not_saved": _t(
        "Kiểm tra rồi lưu biểu mẫu: {count} mục đã được điền sẵn từ hồ sơ nhưng chưa được lưu.",
        "Check and save the form: {count} fields are filled in from the dossier but not saved yet.",
    ),
    "form.not_used": _t(
        "Quy trình {workflow} không dùng biểu mẫu {form}.",
        "Form '{form}' is not used by workflow '{workflow}'.",
    ),
    # --- dossiers ----------------------------------------------------------------------
    "dossier.not_found": _t("Không tìm thấy hồ sơ {dossier_id}.", "Dossier {dossier_id} not found."),
    "dossier.not_opened": _t("Chưa lập được hồ sơ.", "The dossier cannot be opened."),
    "dossier.commune_unknown": _t(
        "Không có xã, phường mã {commune}.", "There is no commune with code {commune}."
    ),
    "dossier.product_set_unknown": _t(
        "Bộ sản phẩm {product_set} không thuộc quy trình này.",
        "Product set {product_set} is not part of this workflow.",
    ),
    "dossier.certificate_invalid": _t(
        "Không có giấy chứng nhận số {number} còn hiệu lực.", "'{number}' is not a valid certificate."
    ),
    "dossier.reevaluation_window": _t(
        "Hồ sơ đánh giá lại giấy chứng nhận {number} chỉ nộp trong thời hạn mở từ {opens} đến {closes}.",
        "A re-evaluation of {number} is filed only while its window is open, from {opens} to {closes}.",
    ),
    "dossier.certificate_other_area": _t(
        "Giấy chứng nhận này được cấp ở tỉnh khác: hồ sơ chỉ gia hạn giấy chứng nhận của tỉnh mình.",
        "This certificate was issued in another province: a dossier renews only a certificate of its own.",
    ),
    "dossier.link_undeclared": _t(
        "Quy trình không có liên kết '{name}' (có: {known}).",
        "The workflow has no link '{name}' (it has: {known}).",
    ),
    "dossier.link_not_id": _t(
        "'{value}' không phải số của một bản ghi.", "'{value}' is not the number of a record."
    ),
    # --- onboarding import of a register from a spreadsheet -------------------------------
    "import.file_type": _t("Chỉ nhận tệp {types}.", "Only {types} files are taken."),
    "import.file_too_large": _t("Tệp lớn hơn {mb} MB.", "The file is larger than {mb} MB."),
    "import.file_content": _t(
        "Nội dung tệp không phải {type} (tệp bị hỏng hoặc đổi tên).",
        "The file's content is not {type} (damaged or renamed).",
    ),
    "import.file_encoding": _t(
        "Tệp CSV không ở mã UTF-8: lưu lại bằng «CSV UTF-8».",
        "The CSV file is not UTF-8: save it as 'CSV UTF-8'.",
    ),
    "import.file_empty": _t("Tệp không có dòng nào.", "The file has no rows."),
    "import.too_many_rows": _t(
        "Tệp có hơn {max} dòng: chia thành nhiều tệp.", "The file has more than {max} rows: split it."
    ),
    "import.merged_cells": _t(
        "Tệp có ô gộp ({cells}): bỏ gộp ô để mỗi ô một giá trị.",
        "The file has merged cells ({cells}): unmerge them so each cell holds one value.",
    ),
    "import.unknown_column": _t(
        "Cột «{column}» không phải mục nào của sổ; các mục: {known}.",
        "Column '{column}' is none of the register's fields; the fields: {known}.",
    ),
    "import.missing_column": _t(
        "Thiếu cột «{column}» (bắt buộc hoặc là khóa nhập).",
        "Column '{column}' is missing (required or part of the import key).",
    ),
    "import.duplicate_column": _t("Cột «{column}» xuất hiện hai lần.", "Column '{column}' appears twice."),
    "import.duplicate_row": _t(
        "Trùng với dòng {line} (cùng {key}).", "The same as row {line} (the same {key})."
    ),
    "import.not_importable": _t(
        "Sổ «{register}» không khai báo khóa nhập ('import.key') nên không nhập từ bảng tính được.",
        "Register '{register}' declares no import key ('import.key'), so it cannot be imported from a spreadsheet.",
    ),
    "import.has_problems": _t(
        "Chưa ghi gì: tệp còn {count} lỗi. Sửa tệp rồi tải lên lại.",
        "Nothing was written: the file has {count} problems. Fix it and upload it again.",
    ),
    "import.cell": _t("«{value}»: {problem}", "'{value}': {problem}"),
    "import.date": _t(
        "không phải một ngày (ngày/tháng/năm, ví dụ 15/03/2024).",
        "is not a date (day/month/year, e.g. 15/03/2024).",
    ),
    "import.clear_key": _t(
        "«[xoá]» không dùng được ở cột khóa nhập: khóa cho biết dòng cập nhật bản ghi nào.",
        "'[xoá]' cannot be used in an import-key column: the key names the record a row updates.",
    ),
    "dossier.link_other_area": _t(
        "{label}: «{title}» thuộc {record_unit}, không thuộc {dossier_unit} nơi lập hồ sơ. "
        "Chọn bản ghi ở địa bàn của hồ sơ, hoặc sửa địa bàn của bản ghi trong sổ.",
        "{label}: '{title}' lies in {record_unit}, not in {dossier_unit} where the dossier is filed. "
        "Choose a record in the dossier's area, or correct the record's place in the register.",
    ),
    "dossier.link_renewal_other": _t(
        "{label}: giấy chứng nhận được gia hạn thuộc bản ghi số {wanted}, không phải {given}.",
        "{label}: the renewed certificate belongs to record {wanted}, not {given}.",
    ),
    "dossier.stale": _t(
        "Hồ sơ {dossier_id} đã có người khác thay đổi (phiên bản {version}, không phải {expected}); "
        "hãy tải lại rồi thử lại.",
        "Dossier {dossier_id} is at version {version}, not {expected}: reload and retry.",
    ),
    # --- evidence ------------------------------------------------------------------------
    "evidence.not_attached": _t("Chưa đính kèm được tệp.", "The file cannot be attached."),
    "evidence.type_unknown": _t(
        "Quy trình {workflow} không có loại giấy tờ {document_type}.",
        "'{document_type}' is not a document type of workflow '{workflow}'.",
    ),
    "evidence.empty": _t("Tệp rỗng.", "The file is empty."),
    "evidence.too_large": _t(
        "Tệp có {size} byte, vượt giới hạn {limit} byte.", "The file is {size} bytes; the limit is {limit}."
    ),
    "evidence.file_type": _t("Không nhận tệp loại {mime}.", "Files of type {mime} are not accepted."),
    "evidence.content_mismatch": _t(
        "Nội dung tệp không phải là tệp .{ext} như tên tệp cho biết (có thể tệp đã bị đổi tên); hãy tải lên đúng tệp.",
        "The file's content is not a .{ext} file as its name says (it may have been renamed); upload the real file.",
    ),
    "evidence.archive_damaged": _t(
        "Tệp .{ext} bị hỏng: không đọc được nội dung nén bên trong.",
        "The .{ext} file is damaged: its compressed content cannot be read.",
    ),
    "evidence.unzipped_too_large": _t(
        "Tệp .{ext} khi giải nén quá lớn ({size} byte; tối đa {limit} byte).",
        "The .{ext} file is too large once uncompressed ({size} bytes; at most {limit}).",
    ),
    "evidence.not_on_dossier": _t("Hồ sơ này không có tệp đó.", "No such file on this dossier."),
    "evidence.not_found": _t("Không có tệp này.", "No such file."),
    # --- evaluation rounds (engine/service/rounds.py) ------------------------------------
    "round.other_sitting": _t(
        "Hồ sơ {dossier_id} thuộc {round}; phiên họp {sitting} của {sitting_round} chỉ nhận hồ sơ "
        "của đợt đó.",
        "Dossier {dossier_id} belongs to {round}; sitting {sitting} of {sitting_round} takes only "
        "dossiers of that round.",
    ),
    "round.no_round": _t(
        "Hồ sơ {dossier_id} không thuộc đợt đánh giá nào của {series}.",
        "Dossier {dossier_id} belongs to no round of {series}.",
    ),
    "round.not_sitting": _t("Không có phiên họp {sitting}.", "No sitting {sitting}."),
    "round.chair_only": _t(
        "Chỉ Chủ tịch Hội đồng của phiên họp {sitting} mới xếp hồ sơ vào phiên họp đó.",
        "Only the chair of sitting {sitting}'s council seats dossiers in it.",
    ),
    # --- transitions ---------------------------------------------------------------------
    "transition.unknown": _t(
        "Quy trình {workflow} không có thao tác {transition}.",
        "Workflow '{workflow}' has no transition '{transition}'.",
    ),
    "transition.no_council_result": _t(
        "Chưa có kết quả của Hội đồng để lấy hạng sao.", "There is no council result to take the stars from."
    ),
    "transition.excluded_no_certificate": _t(
        "Hồ sơ bị loại theo kết quả của Hội đồng (tiêu chí bắt buộc không đạt): không cấp giấy chứng nhận.",
        "The council's result excludes the dossier (a mandatory criterion failed): no certificate is issued.",
    ),
    "transition.no_certificate_policy": _t(
        "Quy trình {workflow} không quy định việc cấp giấy chứng nhận.",
        "Workflow '{workflow}' defines no certificate policy.",
    ),
    "transition.effect_unknown": _t("Không có hiệu ứng {effect}.", "Unknown effect '{effect}'."),
    # --- scoring -------------------------------------------------------------------------
    "scoring.no_form": _t(
        "Không có phiếu chấm điểm cho bộ sản phẩm {product_set}.",
        "No scoring form for product set '{product_set}'.",
    ),
    "scoring.criterion_unknown": _t("Không có tiêu chí {criterion}.", "Unknown criterion '{criterion}'."),
    "scoring.option_unknown": _t(
        "Tiêu chí {criterion} không có lựa chọn {option}.",
        "Criterion '{criterion}' has no option '{option}'.",
    ),
    "scoring.flag_unknown": _t("Không có ô đánh dấu {flag}.", "Unknown box '{flag}'."),
    "scoring.sheet_incomplete": _t(
        "Chưa nộp được phiếu chính thức: còn {count} tiêu chí chưa chấm ({criteria}).",
        "The sheet cannot be final yet: {count} criteria are not scored ({criteria}).",
    ),
    "scoring.sheet_final": _t(
        "Phiếu đã nộp chính thức nên không sửa được; chỉ Chủ tịch Hội đồng mở lại được, kèm lý do.",
        "This sheet is final and cannot change; only the council chair can reopen it, with a reason.",
    ),
    "scoring.reopen_chair_only": _t(
        "Chỉ Chủ tịch Hội đồng đang họp ở bước này mới mở lại được phiếu.",
        "Only the chair of the council sitting at this step can reopen a sheet.",
    ),
    "scoring.reopen_reason": _t("Cần ghi lý do mở lại phiếu.", "Give the reason for reopening the sheet."),
    "scoring.reopen_not_final": _t(
        "Phiếu của {member} ở bước này chưa nộp chính thức: không có gì để mở lại.",
        "{member} has no final sheet at this step: there is nothing to reopen.",
    ),
    # --- certificates ----------------------------------------------------------------------
    "certificate.not_found": _t("Không có giấy chứng nhận số {number}.", "Certificate '{number}' not found."),
    # --- users -----------------------------------------------------------------------------
    "user.not_created": _t("Chưa tạo được người dùng.", "The user cannot be created."),
    "user.username_required": _t(
        "Cần tên đăng nhập (tối đa {max} ký tự).", "A username is required (at most {max} characters)."
    ),
    "user.password_short": _t(
        "Mật khẩu cần từ {min} ký tự.", "The password needs at least {min} characters."
    ),
    "user.roles_unknown": _t("Không có vai trò: {roles}.", "Unknown roles: {roles}."),
    "user.not_found": _t("Không có người dùng {username}.", "User '{username}' not found."),
    "user.not_saved": _t("Chưa lưu được.", "Not saved."),
    "user.email_invalid": _t(
        "Địa chỉ email không hợp lệ (ví dụ: ten@example.vn).", "Not an email address (e.g. name@example.vn)."
    ),
    "user.mail_mode_invalid": _t(
        "Cách nhận thư là một trong: {modes}.", "The mail choice is one of: {modes}."
    ),
    "notification.not_found": _t("Không có thông báo {id}.", "Notification {id} not found."),
    "job.not_parked": _t(
        "Không có việc ({kind}) {id} đang chờ thử lại.", "No {kind} job {id} is waiting for a retry."
    ),
    "user.area_unknown": _t(
        "Không có đơn vị hành chính mã {area} (xã, phường hoặc tỉnh).",
        "There is no administrative unit with code {area} (a commune or a province).",
    ),
    # --- definitions, versions and migrations ----------------------------------------------
    "definition.nothing_to_activate": _t(
        "Tệp {filename} không có định nghĩa nào để kích hoạt.",
        "{filename} defines nothing that can be activated.",
    ),
    "definition.invalid": _t(
        "Tệp {filename} chưa hợp lệ ({count} lỗi).", "{filename} does not validate ({count} errors)."
    ),
    "definition.not_one_workflow": _t(
        "Tệp {filename} phải định nghĩa đúng một quy trình.",
        "{filename} does not define exactly one workflow.",
    ),
    "definition.no_source": _t(
        "Định nghĩa {definition} không có văn bản nguồn để ghim.",
        "Definition '{definition}' has no source text to pin.",
    ),
    "definition.changed_in_place": _t(
        "{count} tệp định nghĩa đã bị sửa mà vẫn giữ số phiên bản đã cài.",
        "{count} definition file(s) were changed but keep a version that is installed.",
    ),
    "definition.not_stored": _t("Chưa lưu định nghĩa {sha}.", "Definition {sha} is not stored."),
    "definition.version_not_stored": _t(
        "Chưa lưu phiên bản {sha} của {kind}.", "{kind} version {sha} is not stored."
    ),
    "definition.version_unloadable": _t(
        "Phiên bản {sha} không đọc được thành {kind}.", "{kind} version {sha} does not load as a {kind}."
    ),
    "definition.none_in_effect": _t(
        "Không có phiên bản nào của quy trình {workflow} có hiệu lực ngày {day}.",
        "No version of '{workflow}' is in effect on {day}.",
    ),
    "definition.no_workflow_in_effect": _t(
        "Không có quy trình nào có hiệu lực ngày {day}.", "No workflow is in effect on {day}."
    ),
    "definition.form_not_loaded": _t("Chưa nạp biểu mẫu {form}.", "Form '{form}' is not loaded."),
    "definition.roles_not_loaded": _t(
        "Chưa nạp tệp vai trò {roles} của quy trình {workflow}.",
        "Roles '{roles}' of workflow '{workflow}' are not loaded.",
    ),
    "definition.roles_not_pinned": _t(
        "Tệp vai trò {roles} của hồ sơ {dossier_id} chưa được ghim.",
        "Roles '{roles}' of dossier {dossier_id} are not pinned.",
    ),
    "definition.workflow_not_loaded": _t(
        "Chưa nạp phiên bản quy trình {sha}.", "Workflow version {sha} is not loaded."
    ),
    "definition.workflow_not_stored": _t(
        "Chưa lưu phiên bản quy trình {sha}.", "Workflow version {sha} is not stored."
    ),
    "definition.workflow_version_unknown": _t(
        "Quy trình {workflow} chưa lưu phiên bản {version}.",
        "Workflow '{workflow}' has no stored version '{version}'.",
    ),
    "migration.kinds_unknown": _t(
        "Không có loại định nghĩa {kinds}; chọn trong: {known}.",
        "Unknown kinds {kinds}: choose among {known}.",
    ),
    "migration.no_dossier": _t("Chưa chọn hồ sơ nào.", "No dossier chosen."),
    "migration.refused": _t(
        "Không áp dụng được việc chuyển phiên bản: {problems}", "The migration cannot be applied: {problems}"
    ),
    # --- signed checkpoints of the audit chain (engine/checkpoints.py) ----------------------
    "checkpoint.cut": _t(
        "Chuỗi chỉ còn đến sự kiện {end}, nhưng điểm kiểm tra ký lúc {at} đã thấy đến sự kiện {seq}: {count} sự "
        "kiện bị xoá trong khoảng từ sự kiện {first} đến {seq} (cắt đuôi rồi lùi đầu chuỗi, hoặc xoá rồi đánh số lại).",
        "the chain ends at event {end} but the checkpoint signed {at} reached event {seq}: {count} events were "
        "removed between event {first} and event {seq} (the tail cut and the head moved back, or events deleted "
        "and the rest renumbered)",
    ),
    "checkpoint.rewritten": _t(
        "Sự kiện {seq} không còn là sự kiện mà điểm kiểm tra ký lúc {at} đã thấy: chuỗi bị viết lại trong khoảng từ "
        "sự kiện {first} đến {seq} (sửa rồi niêm phong lại, đánh số lại, hoặc xoá, chèn, đổi thứ tự sự kiện).",
        "event {seq} is not the one the checkpoint signed {at} saw: the chain was rewritten between event {first} "
        "and event {seq} (edited and re-sealed, renumbered, or events deleted, inserted or reordered)",
    ),
    "checkpoint.other_key": _t(
        "Điểm kiểm tra ở sự kiện {seq} ({at}) được ký bằng khoá {signer}, không phải khoá {key}.",
        "checkpoint at event {seq} ({at}) is signed by key {signer}, not by key {key}",
    ),
    "checkpoint.bad_signature": _t(
        "Chữ ký của điểm kiểm tra ở sự kiện {seq} ({at}) không khớp với nó (bị giả mạo hoặc bị sửa).",
        "checkpoint at event {seq} ({at}) has a signature that does not match it (forged or altered)",
    ),
    "checkpoint.missing": _t(
        "Điểm kiểm tra ký lúc {at} ở sự kiện {seq} không còn trong cơ sở dữ liệu.",
        "the checkpoint signed {at} at event {seq} is missing from the database",
    ),
    # --- the consistency check: a dossier against what its audit events say -----------------
    "consistency.no_open_event": _t(
        "Hồ sơ {dossier} không có sự kiện mở hồ sơ trong nhật ký: nó được thêm thẳng vào cơ sở dữ liệu.",
        "Dossier {dossier} has no 'open' event in the audit log: it was added to the database directly.",
    ),
    "consistency.state": _t(
        "Hồ sơ {dossier} đang ở trạng thái «{found}», nhưng sự kiện cuối của nó (số {seq}) để nó ở «{expected}»: "
        "trạng thái bị sửa mà không có sự kiện.",
        "Dossier {dossier} is in state '{found}', but its last event ({seq}) left it in '{expected}': "
        "the state was changed without an event.",
    ),
    "consistency.stars": _t(
        "Hồ sơ {dossier} ghi {found} sao, nhưng các sự kiện của nó cho {expected} sao: số sao bị sửa mà không có "
        "sự kiện.",
        "Dossier {dossier} records {found} stars, but its events give {expected}: the stars were changed without "
        "an event.",
    ),
    "consistency.events_without_dossier": _t(
        "Nhật ký có sự kiện (số {seq}) của hồ sơ {dossier}, nhưng hồ sơ này không còn trong cơ sở dữ liệu.",
        "The log has events (event {seq}) of dossier {dossier}, but that dossier is no longer in the database.",
    ),
    "consistency.certificate_missing": _t(
        "Giấy chứng nhận {number} đã được cấp cho hồ sơ {dossier} (sự kiện {seq}) nhưng không còn trong cơ sở dữ liệu.",
        "Certificate {number} was issued to dossier {dossier} (event {seq}) but is no longer in the database.",
    ),
    "consistency.certificate_unrecorded": _t(
        "Giấy chứng nhận {number} của hồ sơ {dossier} không có sự kiện cấp nào trong nhật ký.",
        "Certificate {number} of dossier {dossier} has no event that issued it.",
    ),
    "consistency.certificate_changed": _t(
        "Giấy chứng nhận {number}: {field} là «{found}», nhưng các sự kiện nói «{expected}» (sự kiện {seq}).",
        "Certificate {number}: its {field} is '{found}', but the events say '{expected}' (event {seq}).",
    ),
    "consistency.evidence_missing": _t(
        "Tài liệu {evidence} ({filename}) của hồ sơ {dossier} đã được tải lên (sự kiện {seq}) nhưng không còn trong "
        "cơ sở dữ liệu.",
        "Evidence {evidence} ({filename}) of dossier {dossier} was uploaded (event {seq}) but is no longer in the "
        "database.",
    ),
    "consistency.evidence_unrecorded": _t(
        "Tài liệu {evidence} ({filename}) của hồ sơ {dossier} không có sự kiện tải lên nào trong nhật ký.",
        "Evidence {evidence} ({filename}) of dossier {dossier} has no upload event in the log.",
    ),
    "consistency.evidence_changed": _t(
        "Tài liệu {evidence} ({filename}) của hồ sơ {dossier}: mã kiểm tra trong cơ sở dữ liệu khác với lúc tải lên "
        "(sự kiện {seq}).",
        "Evidence {evidence} ({filename}) of dossier {dossier}: its checksum in the database differs from the one "
        "uploaded (event {seq}).",
    ),
    "consistency.file_missing": _t(
        "Tệp của tài liệu {evidence} ({filename}, hồ sơ {dossier}) không có trên đĩa.",
        "The file of evidence {evidence} ({filename}, dossier {dossier}) is not on disk.",
    ),
    "consistency.file_changed": _t(
        "Tệp của tài liệu {evidence} ({filename}, hồ sơ {dossier}) trên đĩa đã bị thay đổi: mã kiểm tra không khớp.",
        "The file of evidence {evidence} ({filename}, dossier {dossier}) was changed on disk: its checksum differs.",
    ),
    "consistency.field_stars": _t("số sao", "stars"),
    "consistency.field_status": _t("tình trạng", "status"),
    "consistency.field_dossier": _t("hồ sơ", "dossier"),
    "consistency.field_expires_on": _t("ngày hết hạn", "expiry date"),
    "consistency.none": _t("không có", "none"),
    "consistency.record_unrecorded": _t(
        "Bản ghi {record} của sổ {register} không có sự kiện nào trong nhật ký: nó được thêm thẳng vào cơ sở dữ liệu.",
        "Record {record} of register {register} has no event in the log: it was added to the database directly.",
    ),
    "consistency.record_status": _t(
        "Bản ghi {record} của sổ {register} đang «{found}», nhưng sự kiện cuối của nó (số {seq}) để nó «{expected}».",
        "Record {record} of register {register} is '{found}', but its last event ({seq}) left it '{expected}'.",
    ),
    "consistency.record_changed": _t(
        "Bản ghi {record} của sổ {register}: nội dung khác với nội dung sự kiện cuối (số {seq}) đã niêm phong: "
        "bị sửa mà không có sự kiện.",
        "Record {record} of register {register}: its values differ from those its last event ({seq}) sealed: "
        "changed without an event.",
    ),
    "consistency.record_missing": _t(
        "Nhật ký có sự kiện (số {seq}) của bản ghi {record} (sổ {register}), nhưng bản ghi không còn trong cơ sở dữ liệu.",
        "The log has events (event {seq}) of record {record} (register {register}), but the record is no longer in the "
        "database.",
    ),
    # --- registers and their records ------------------------------------------------------
    "plan.not_found": _t("Không có kế hoạch {plan}.", "No plan {plan}."),
    "plan.area_not_found": _t(
        "Kế hoạch {plan} không có địa bàn {area} trong phạm vi của bạn.",
        "Plan {plan} has no area {area} within your scope.",
    ),
    "plan.indicator_not_found": _t(
        "Kế hoạch {plan} không có chỉ tiêu đếm được {indicator}.",
        "Plan {plan} has no counted indicator {indicator}.",
    ),
    "plan.bad_period": _t(
        "Kỳ '{period}' không hợp lệ: viết năm (2026), quý (2026-Q3) hoặc tháng (2026-07) trong kỳ kế hoạch {first}–{last}.",
        "Period '{period}' is not valid: write a year (2026), a quarter (2026-Q3) or a month (2026-07) within the plan's {first}–{last}.",
    ),
    "budget.no_permission": _t(
        "Bạn không có quyền ghi chi kinh phí của kế hoạch này (quyền '{permission}' trong phạm vi địa bàn ban hành kế hoạch).",
        "You may not record spending on this plan (the '{permission}' permission within the plan's issuing area).",
    ),
    "budget.line_not_found": _t(
        "Kế hoạch {plan} không có dòng kinh phí {line}.", "Plan {plan} has no budget line {line}."
    ),
    "budget.overrun": _t(
        "Khoản chi vượt dòng kinh phí '{line}' {over} đồng: đã chi {spent} đồng trên {planned} đồng kế hoạch.",
        "This entry overruns budget line '{line}' by {over} đồng: {spent} đồng spent of {planned} đồng planned.",
    ),
    "budget.note_required": _t("Ghi nội dung khoản chi.", "Say what the money was spent on."),
    "budget.amount_range": _t(
        "Số tiền phải lớn hơn 0 và không quá {max} đồng.",
        "The amount must be above 0 and at most {max} đồng.",
    ),
    "budget.amount_decimals": _t(
        "Số tiền có nhiều nhất hai chữ số thập phân.", "An amount has at most two decimals."
    ),
    "budget.bad_date": _t(
        "Ngày chi '{typed}' không hợp lệ: chọn ngày trên lịch (năm-tháng-ngày).",
        "The date '{typed}' is not valid: pick a day on the calendar (year-month-day).",
    ),
    "budget.future_date": _t(
        "Ngày chi {day} còn ở tương lai (hôm nay {today}).",
        "The date {day} is in the future (today is {today}).",
    ),
    "register.not_found": _t("Không có sổ {register}.", "No register {register}."),
    "record.not_found": _t(
        "Không tìm thấy bản ghi {record_id} của sổ {register}.", "Record {record_id} of {register} not found."
    ),
    "record.not_allowed": _t(
        "Bạn không được {action} bản ghi của sổ này.", "You may not {action} records of this register."
    ),
    "record.invalid": _t("{count} mục chưa đúng.", "{count} fields are not right."),
    "record.stale": _t(
        "Bản ghi {record_id} đã có người khác sửa (phiên bản {version}, không phải {expected}); "
        "hãy tải lại rồi thử lại.",
        "Record {record_id} is at version {version}, not {expected}: reload and retry.",
    ),
    "record.archived": _t(
        "Bản ghi {record_id} đã lưu trữ: khôi phục trước khi sửa.",
        "Record {record_id} is archived: restore it first.",
    ),
    "record.code_taken": _t(
        "Mã {value} đã có bản ghi khác dùng.", "Code {value} is taken by another record."
    ),
    "trace.unknown_event": _t(
        "Sổ {register} không có sự kiện truy xuất «{event}» (có: {known}).",
        "Register {register} has no trace event '{event}' (it has: {known}).",
    ),
    "trace.not_allowed": _t(
        "Bạn không được ghi sự kiện «{event}» cho lô này.", "You may not record '{event}' for this batch."
    ),
    "trace.out_of_order": _t(
        "Chưa thể ghi «{event}»: lô chưa có sự kiện {after}.",
        "'{event}' cannot be recorded yet: the batch has no {after} event.",
    ),
    "trace.once": _t(
        "Lô đã có sự kiện «{event}»; sự kiện này chỉ ghi một lần.",
        "The batch already has a '{event}' event, which is recorded once.",
    ),
    "trace.future": _t("Thời điểm {at} ở tương lai.", "Time {at} is in the future."),
    "trace.inputs_needed": _t(
        "Chuyển đổi lô cần ít nhất một lô đầu vào.", "A transformation needs at least one input batch."
    ),
    "trace.inputs_not_allowed": _t(
        "Chỉ sự kiện chuyển đổi mới có lô đầu vào.", "Only a transforming event has input batches."
    ),
    "trace.public_product_unknown": _t(
        "Chưa có sản phẩm mã {product} trong hệ thống truy xuất.",
        "No product with code {product} is in the traceability system yet.",
    ),
    "trace.public_lot_unknown": _t(
        "Chưa có lô {lot} của sản phẩm {product} trong hệ thống truy xuất.",
        "Lot {lot} of product {product} is not in the traceability system yet.",
    ),
    "trace.epcis_invalid": _t("Tài liệu EPCIS có {count} lỗi.", "The EPCIS document has {count} problem(s)."),
    "trace.epcis_schema": _t(
        "Không đúng lược đồ EPCIS 2.0 của GS1: {detail}", "Does not match GS1's EPCIS 2.0 schema: {detail}"
    ),
    "trace.epcis_class": _t(
        "Phải là địa chỉ lớp của một lô, dạng {shape}.", "Must be a batch's class URI, shaped {shape}."
    ),
    "trace.epcis_too_many": _t("Tối đa {max} sự kiện một lần gửi.", "At most {max} events in one document."),
    "trace.epcis_type": _t(
        "Chỉ nhận ObjectEvent hoặc TransformationEvent, không nhận {type}.",
        "Only an ObjectEvent or a TransformationEvent is accepted, not {type}.",
    ),
    "trace.epcis_one_batch": _t(
        "Cần đúng một lô (có {count}).", "Exactly one batch is needed (there are {count})."
    ),
    "trace.epcis_values": _t("Phải là một đối tượng JSON.", "Must be a JSON object."),
    "trace.epcis_time": _t(
        "Phải là thời điểm ISO 8601 có múi giờ.", "Must be an ISO 8601 date-time with its offset."
    ),
    "trace.epcis_batch_unknown": _t(
        "Không tìm thấy lô {lot} của sản phẩm {product}.", "No batch {lot} of product {product}."
    ),
    "trace.epcis_step_unknown": _t(
        "Sổ {register} không có sự kiện cho bước {step} (có: {known}).",
        "Register {register} has no event for step {step} (it has: {known}).",
    ),
    "trace.date_invalid": _t(
        "Ngày không đúng: nhập ngày, tháng, năm có thật (ví dụ 15 3 2026).",
        "Not a real date: enter a day, month and year (for example 15 3 2026).",
    ),
    "trace.time_invalid": _t(
        "Giờ không đúng: nhập giờ và phút, ví dụ 07:30.",
        "Not a time: enter hours and minutes, for example 07:30.",
    ),
    "trace.input_unknown": _t("Không tìm thấy lô đầu vào {record_id}.", "No input batch {record_id}."),
    "stamps.none": _t(
        "Sổ {register} không có mẫu tờ tem (khối 'stamps').",
        "Register {register} has no stamp sheet ('stamps').",
    ),
    "stamps.not_allowed": _t("Bạn không được in tem cho lô này.", "You may not print stamps for this batch."),
    "stamps.quantity": _t(
        "Số tem phải là số nguyên từ 1 đến {max}.",
        "The number of stamps must be a whole number from 1 to {max}.",
    ),
    "stamps.no_address": _t(
        "Lô chưa có địa chỉ công khai: cần số lô và một sản phẩm có mã.",
        "The batch has no public address yet: it needs a lot and a product with a code.",
    ),
    "record.area_outside": _t("Địa bàn {area} ngoài phạm vi của bạn.", "Area {area} is outside your scope."),
    "field.ref_unknown": _t("Không tìm thấy {target} {value}.", "No {target} {value}."),
    "field.https_url": _t(
        "Phải là một địa chỉ web đầy đủ bắt đầu bằng https:// (ví dụ https://shopee.vn/ten-gian-hang).",
        "Must be a full web address starting with https:// (for example https://shopee.vn/shop-name).",
    ),
    "field.ref_list": _t("Phải là một danh sách mã số.", "Must be a list of ids."),
    "field.table_rows": _t("Phải là danh sách các dòng.", "Must be a list of rows."),
    "field.table_too_many": _t("Tối đa {max} dòng.", "At most {max} rows."),
    "field.table_cell": _t(
        "Dòng {row}, cột «{column}»: {problem}", "Row {row}, column '{column}': {problem}"
    ),
    "geometry.json": _t("Không đọc được GeoJSON: {reason}.", "Not readable GeoJSON: {reason}."),
    "geometry.type": _t(
        "Phải là GeoJSON kiểu {allowed}, không phải {type}.", "Must be GeoJSON of type {allowed}, not {type}."
    ),
    "geometry.coordinates": _t("Tọa độ không đúng dạng: {reason}.", "Malformed coordinates: {reason}."),
    "geometry.wgs84": _t(
        "Tọa độ ({lon}, {lat}) nằm ngoài WGS84 (kinh độ −180…180, vĩ độ −90…90; thứ tự kinh độ, vĩ độ).",
        "Coordinate ({lon}, {lat}) is outside WGS84 (longitude −180…180, latitude −90…90; longitude first).",
    ),
    "geometry.invalid": _t("Hình không hợp lệ: {reason}.", "Invalid shape: {reason}."),
    "geometry.too_large": _t(
        "Hình quá lớn ({size}, tối đa {limit}).", "Shape too large ({size}, limit {limit})."
    ),
    # --- governance of definitions (bundles, four eyes, retiring) ---------------------------
    "definition.bundle_invalid": _t(
        "Gói định nghĩa chưa hợp lệ ({count} lỗi); chưa cài gì.",
        "The bundle does not validate ({count} errors); nothing was installed.",
    ),
    "definition.no_proposal": _t(
        "Không có đề xuất {bundle} đang chờ duyệt.", "No proposal {bundle} awaits approval."
    ),
    "definition.own_proposal": _t(
        "Không thể duyệt đề xuất {bundle} của chính mình: cần một quản trị viên khác (bốn mắt).",
        "You cannot approve your own proposal {bundle}: another administrator must (four eyes).",
    ),
    "definition.version_taken": _t(
        "{id} phiên bản {version} đã được kích hoạt với nội dung khác.",
        "{id} version {version} has been activated with different content.",
    ),
    "definition.retire_before_start": _t(
        "Không thể cho hết hiệu lực từ {day}, trước ngày bắt đầu {start}.",
        "Cannot retire from {day}, before the version starts on {start}.",
    ),
    "migration.plan_invalid": _t(
        "Kế hoạch chuyển đổi chưa hợp lệ ({count} lỗi).",
        "The migration plan does not validate ({count} errors).",
    ),
    "dossier.filed_on_future": _t(
        "Ngày nộp {day} ở tương lai; hồ sơ được nộp vào ngày hôm nay ({today}).",
        "The filing date {day} is in the future; a dossier is filed today ({today}).",
    ),
    "dossier.backdate_role": _t(
        "Chỉ {roles} được ghi ngày nộp trước hôm nay ({day}); hồ sơ được nộp theo ngày của máy chủ.",
        "Only {roles} may give a filing date before today ({day}); dossiers are filed on the server's date.",
    ),
    "dossier.backdate_window": _t(
        "Ngày nộp chỉ được lùi tối đa {days} ngày (sớm nhất {earliest}).",
        "The filing date may go back at most {days} days (earliest {earliest}).",
    ),
    "dossier.backdate_reason": _t(
        "Ghi ngày nộp trước hôm nay cần nêu lý do.", "A filing date before today needs a reason."
    ),
    # --- sessions, tokens and passwords (issue 10) ---------------------------------------------
    "user.password_long": _t(
        "Mật khẩu tối đa {max} ký tự.", "The password may have at most {max} characters."
    ),
    "user.password_wrong": _t("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "user.password_unchanged": _t(
        "Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one."
    ),
    "user.not_yourself": _t(
        "Không thể tự khoá tài khoản của chính mình.", "You cannot deactivate your own account."
    ),
    "access.password_change_required": _t(
        "Cần đổi mật khẩu trước khi tiếp tục.", "The password must be changed before going on."
    ),
    "totp.not_eligible": _t(
        "Xác thực hai bước dành cho người có quyền quản trị hoặc kiểm toán.",
        "The second factor is for people who administer or audit.",
    ),
    "totp.already_enabled": _t("Xác thực hai bước đã bật.", "The second factor is already on."),
    "totp.not_pending": _t(
        "Chưa có mã bí mật đang chờ xác nhận; hãy bắt đầu lại.", "No enrolment is waiting; start again."
    ),
    "totp.wrong_code": _t(
        "Mã xác thực không đúng, hết hạn hoặc đã dùng.", "The code is wrong, expired or already used."
    ),
    "token.not_found": _t("Không có mã truy cập số {id}.", "API token {id} not found."),
    "token.lifetime": _t(
        "Thời hạn của mã truy cập là từ 1 đến {max} ngày.", "A token's lifetime is 1 to {max} days."
    ),
    # --- refusals: why an action is not possible now (engine.permissions) ----------------
    "refusal.no_role": _t("Bạn chưa được giao vai trò nào.", "You have no role."),
    "refusal.scope": _t("Hồ sơ ngoài phạm vi của bạn.", "This dossier is outside your area."),
    "refusal.permission": _t(
        "Vai trò của bạn không có quyền '{permission}'.",
        "Your roles do not have the '{permission}' permission.",
    ),
    "refusal.member": _t(
        "Thành viên của chủ thể không được thực hiện việc này với hồ sơ của chủ thể.",
        "A member of the producer may not do this on the producer's dossier.",
    ),
    "refusal.form_state": _t(
        "Biểu mẫu '{form}' không được sửa khi hồ sơ ở trạng thái '{state}'.",
        "The form '{form}' cannot be edited while the dossier is '{state}'.",
    ),
    "refusal.form_state_where": _t(
        "Biểu mẫu '{form}' không được sửa khi hồ sơ ở trạng thái '{state}'. "
        "Biểu mẫu được sửa khi hồ sơ ở: {states}.",
        "The form '{form}' cannot be edited while the dossier is '{state}'. "
        "It can be edited while the dossier is: {states}.",
    ),
    "refusal.form_role": _t(
        "Vai trò của bạn không được sửa biểu mẫu '{form}'.", "Your roles may not edit the form '{form}'."
    ),
    "refusal.closed": _t(
        "Hồ sơ đã kết thúc; không tải thêm minh chứng được.",
        "The dossier is closed; no more evidence can be attached.",
    ),
    "refusal.sitting": _t(
        "Bạn không chấm điểm hồ sơ ở bước này.", "You do not score the dossier at this step."
    ),
    "refusal.sitting_where": _t(
        "Bạn không chấm điểm hồ sơ ở bước này. Hội đồng của bạn chấm khi hồ sơ ở: {states}.",
        "You do not score the dossier at this step. Your council scores while the dossier is: {states}.",
    ),
    "refusal.state": _t(
        "Không thể '{action}' khi hồ sơ ở trạng thái hiện tại.",
        "'{action}' is not possible in the dossier's current state.",
    ),
    "refusal.role": _t("Vai trò của bạn không được '{action}'.", "Your roles may not '{action}'."),
    "refusal.fire": _t(
        "Vai trò của bạn không có quyền chuyển bước hồ sơ.", "Your roles may not move dossiers on."
    ),
    "refusal.duty_scored": _t(
        "Bạn đã chấm điểm hồ sơ này; bước này phải do người khác làm.",
        "You scored this dossier; someone else must do this step.",
    ),
    "refusal.duty_done": _t(
        "Bạn đã thực hiện bước '{other}' trên hồ sơ này; bước này phải do người khác làm.",
        "You already did '{other}' on this dossier; someone else must do this step.",
    ),
    "refusal.member_step": _t(
        "Thành viên của chủ thể không được thực hiện bước này với hồ sơ của chủ thể.",
        "A member of the producer may not do this step on the producer's dossier.",
    ),
    "refusal.guard_error": _t(
        "Không kiểm tra được điều kiện: {problem}", "The condition could not be checked: {problem}"
    ),
    "refusal.guard": _t(
        "Hồ sơ chưa đáp ứng điều kiện của bước này.", "The dossier does not meet this step's condition."
    ),
    "refusal.form": _t("Biểu mẫu '{form}' chưa được điền đầy đủ.", "The form '{form}' is not complete."),
    "refusal.form_items": _t(
        "Biểu mẫu '{form}' chưa được điền đầy đủ. Còn thiếu: {items}.",
        "The form '{form}' is not complete. Still missing: {items}.",
    ),
    "refusal.evidence": _t(
        "Thiếu tài liệu minh chứng '{document}'.", "The evidence '{document}' is missing."
    ),
    "refusal.sheet": _t(
        "Phiếu chấm của '{role}' chưa có, chưa đủ tiêu chí hoặc chưa chính thức.",
        "The score sheet of '{role}' is missing, incomplete or not final.",
    ),
    "refusal.scores": _t(
        "Kết quả chấm điểm của Hội đồng chưa có hoặc chưa chính thức.",
        "The council's scoring result is missing or not final.",
    ),
    "refusal.comment_required": _t("Bước này cần ghi ý kiến.", "This step needs a comment."),
    "refusal.comment_none": _t("Bước này không nhận ý kiến.", "This step takes no comment."),
}

# The actions the audit log records, as an auditor reads them (a fire reads its transition's label
# from the YAML instead). Not raised as errors, so kept apart from CATALOG.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "open": _t("Mở hồ sơ", "Dossier opened"),
    "fire": _t("Chuyển bước", "Step taken"),
    "save_form": _t("Lưu biểu mẫu", "Form saved"),
    "attach_evidence": _t("Tải lên giấy tờ", "Document uploaded"),
    "score": _t("Chấm điểm", "Score sheet saved"),
    "create_user": _t("Tạo người dùng", "User created"),
    "set_roles": _t("Đổi vai trò, địa bàn", "Roles or area changed"),
    "issue_api_token": _t("Cấp mã truy cập API", "API token issued"),
    "activate_definition": _t("Kích hoạt định nghĩa", "Definition activated"),
    "migration": _t("Chuyển phiên bản quy trình", "Workflow version migration"),
    "migrate": _t("Chuyển hồ sơ sang phiên bản mới", "Dossier moved to a new version"),
    "record_spending": _t("Ghi chi kinh phí kế hoạch", "Plan spending recorded"),
    "seat": _t("Xếp hồ sơ vào phiên họp Hội đồng", "Dossier seated in a council sitting"),
    "timers_backfill": _t("Đặt hẹn giờ cho hồ sơ đang chờ", "Timers armed for waiting dossiers"),
    "stamps.print": _t("In tờ tem QR", "QR stamp sheet printed"),
}


def audit_action(name: str, lang: str = "vi") -> str:
    """An audit action in words; an action this table does not know reads as its name."""
    if name not in AUDIT_ACTIONS:
        return name
    vi, en = AUDIT_ACTIONS[name]
    return en if lang == "en" else vi


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses: `"Must be at least {min}."` -> {"min"}."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def _show(value: Any, lang: str) -> str:
    get = getattr(value, "get", None)
    if callable(get) and hasattr(value, "vi"):
        return str(get(lang))
    if isinstance(value, bool):
        return ("có", "yes")[lang == "en"] if value else ("không", "no")[lang == "en"]
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(_show(v, lang) for v in value))
    if isinstance(value, list | tuple):
        return ", ".join(_show(v, lang) for v in value)
    return str(value)


def render(code: str, params: Mapping[str, Any], lang: str = "vi") -> str:
    vi, en = CATALOG[code]
    return (en if lang == "en" else vi).format_map({k: _show(v, lang) for k, v in params.items()})


@dataclass(frozen=True)
class Message:
    """One message: a stable code and its parameters; words only when someone reads it."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def get(self, lang: str = "vi") -> str:
        return render(self.code, self.params, lang)

    @property
    def vi(self) -> str:
        return self.get("vi")

    @property
    def en(self) -> str:
        return self.get("en")

    def __str__(self) -> str:
        # Logs, exception texts and older callers read English.
        return self.en

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "vi": self.vi, "en": self.en}


def say(code: str, **params: Any) -> Message:
    """The message `code` with `params`; an unknown code or a missing parameter is a bug, found here."""
    if code not in CATALOG:
        raise KeyError(f"no message '{code}' in engine.messages.CATALOG")
    missing = set().union(*map(placeholders, CATALOG[code])) - set(params)
    if missing:
        raise KeyError(f"message '{code}' needs {', '.join(sorted(missing))}")
    return Message(code, params)
