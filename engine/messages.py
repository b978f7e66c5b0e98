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
    "field.one_of": _t("Phải là một trong: {values}.", "Must be one of: {values}."),
    "field.not_options": _t("Không có lựa chọn: {values}.", "Not an option: {values}."),
    "field.yes_no": _t("Phải chọn Có hoặc Không.", "Choose Yes or No."),
    "field.unit_unknown": _t("Không có đơn vị hành chính này.", "No such administrative unit."),
    "field.evidence_first": _t(
        "Hãy tải lên giấy tờ này trước ({document}).", "Upload this document first ({document})."
    ),
    "field.type_unsupported": _t("Không hỗ trợ kiểu mục {type}.", "Unsupported field type {type}."),
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
        "Hồ sơ đánh giá lại giấy chứng nhận {number} nộp từ {opens} đến {closes}.",
        "A re-evaluation of {number} is filed between {opens} and {closes}.",
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
    "evidence.not_on_dossier": _t("Hồ sơ này không có tệp đó.", "No such file on this dossier."),
    "evidence.not_found": _t("Không có tệp này.", "No such file."),
    # --- transitions ---------------------------------------------------------------------
    "transition.unknown": _t(
        "Quy trình {workflow} không có thao tác {transition}.",
        "Workflow '{workflow}' has no transition '{transition}'.",
    ),
    "transition.no_council_result": _t(
        "Chưa có kết quả của Hội đồng để lấy hạng sao.", "There is no council result to take the stars from."
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
