"""The catalogue of problem codes: message and hint templates, Vietnamese first.

Codes are stable: tools and people depend on them. E1xx: the file and its
structure; E2xx: references and the shape of a workflow or form; E3xx:
expressions; E4xx: scoring arithmetic; E5xx: definition test cases; E6xx: installing
against the stored versions; E7xx: migration plans; W0xx:
warnings (they do not fail validation).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    vi: str
    en: str
    hint_vi: str
    hint_en: str


def _m(vi: str, en: str, hint_vi: str, hint_en: str) -> Message:
    return Message(vi, en, hint_vi, hint_en)


CODES: dict[str, Message] = {
    # --- E1xx: the file and its structure ---------------------------------------------
    "E100": _m("Không đọc được tệp: {reason}", "The file cannot be read: {reason}",
               "Lưu tệp dưới dạng văn bản UTF-8.", "Save the file as UTF-8 text."),
    "E101": _m("YAML sai cú pháp: {reason}", "Malformed YAML: {reason}",
               "Kiểm tra thụt lề, dấu hai chấm và dấu ngoặc ở dòng này hoặc dòng trên.",
               "Check indentation, colons and brackets on this line or the one above."),
    "E102": _m("Khóa '{key}' bị lặp lại", "Duplicate key '{key}'",
               "Xóa một trong hai; YAML sẽ lặng lẽ giữ khóa sau cùng.",
               "Remove one of them; YAML would silently keep the last one."),
    "E103": _m("Tệp quá lớn ({size} byte, tối đa {limit})", "File too large ({size} bytes, limit {limit})",
               "Chia định nghĩa thành nhiều tệp nhỏ hơn.", "Split the definitions into smaller files."),
    "E104": _m("Lồng nhau quá sâu (quá {limit} mức)", "Nested more deeply than {limit} levels",
               "Làm phẳng cấu trúc; định nghĩa hợp lệ không cần sâu như vậy.",
               "Flatten the structure; valid definitions never need this depth."),
    "E105": _m("Bí danh YAML không hợp lệ: {reason}", "Invalid YAML alias use: {reason}",
               "Viết thẳng giá trị thay vì dùng &neo/*bí-danh lồng nhau.",
               "Write the values out instead of nesting &anchors/*aliases."),
    "E106": _m("Tệp phải là một bảng YAML (mapping) duy nhất: {reason}",
               "The file must be a single YAML mapping: {reason}",
               "Bắt đầu tệp bằng 'kind:' và 'id:'.", "Start the file with 'kind:' and 'id:'."),
    "E107": _m("'kind' không hợp lệ: '{kind}'", "Unknown or missing 'kind': '{kind}'",
               "Dùng một trong: {kinds}.", "Use one of: {kinds}."),
    "E108": _m("Không cho phép thẻ YAML {tag}", "YAML tag {tag} is not allowed",
               "Xóa thẻ '!…'; định nghĩa chỉ chứa dữ liệu.", "Remove the '!…' tag; definitions hold data only."),
    "E109": _m("Còn {more} vấn đề nữa không được liệt kê (tổng cộng {total} trong tệp này)",
               "{more} more problems are not listed ({total} in this file)",
               "Thường là một lỗi lặp lại nhiều lần: sửa các lỗi trên rồi kiểm tra lại.",
               "Usually one mistake repeated many times: fix the ones above and check again."),
    "E110": _m("Khóa không được phép: '{key}'", "Unknown key '{key}'",
               "Kiểm tra chính tả; các khóa được phép: {allowed}.", "Check the spelling; allowed keys: {allowed}."),
    "E111": _m("Thiếu khóa bắt buộc '{key}'", "Missing required key '{key}'",
               "Thêm '{key}:' vào đây.", "Add '{key}:' here."),
    "E112": _m("Sai kiểu: cần {expected}, nhận {actual}", "Wrong type: expected {expected}, got {actual}",
               "Viết một giá trị kiểu {expected}: số viết không có dấu ngoặc kép (days: 20); mã hoặc số hiệu trông như số (\"01\", \"1.1\", \"2026.1\") là chuỗi, phải đặt trong dấu ngoặc kép.",
               "Write a {expected} here: numbers go without quotes (days: 20); codes and versions that look like numbers (\"01\", \"1.1\", \"2026.1\") are text and must be quoted."),
    "E113": _m("Giá trị {value} không được phép", "Value {value} is not allowed",
               "Dùng một trong: {allowed}.", "Use one of: {allowed}."),
    "E114": _m("'{value}' không đúng dạng {what}", "'{value}' is not a valid {what}",
               "Mã định danh gồm chữ thường, chữ số, nối bằng '-' hoặc '_'.",
               "Ids are lower-case letters and digits joined by '-' or '_'."),
    "E115": _m("Giá trị {value} ngoài giới hạn ({bound})", "Value {value} out of range ({bound})",
               "Sửa giá trị cho nằm trong giới hạn.", "Change the value to lie within the range."),
    "E116": _m("Số phần tử không hợp lệ: {reason}", "Wrong number of items: {reason}",
               "Thêm hoặc bớt phần tử; không lặp lại phần tử.", "Add or remove items; do not repeat items."),
    "E117": _m("Không khớp lược đồ: {reason}", "Does not match the schema: {reason}",
               "Xem ví dụ trong docs/definitions.md.", "See the examples in docs/definitions.md."),
    "E118": _m("'{value}' không phải ngày hợp lệ", "'{value}' is not a valid date",
               "Viết ngày theo dạng NNNN-TT-NN, ví dụ 2026-05-22.", "Write dates as YYYY-MM-DD, e.g. 2026-05-22."),
    "E120": _m("Ngày hết hiệu lực {until} không sau ngày bắt đầu {start}",
               "effective_until {until} is not after effective_from {start}",
               "effective_until là ngày đầu tiên không còn hiệu lực: đặt nó sau effective_from, hoặc bỏ đi.",
               "effective_until is the first day no longer in effect: put it after effective_from, or leave it out."),
    "E119": _m("Khóa của bảng phải là chuỗi đơn giản", "Mapping keys must be plain strings",
               "Không dùng danh sách hay bảng làm khóa.", "Do not use lists or mappings as keys."),
    "E121": _m("Tệp có hơn {limit} phần tử (khóa, giá trị, danh sách và bảng)",
               "The file has more than {limit} nodes (keys, values, lists and mappings)",
               "Chia định nghĩa thành nhiều tệp nhỏ hơn.", "Split the definitions into smaller files."),
    "E130": _m("Không đọc được tệp CSV '{source}': {reason}", "CSV file '{source}' cannot be read: {reason}",
               "Đặt tệp CSV cạnh tệp YAML, mã hóa UTF-8, có dòng tiêu đề {columns}.",
               "Put the CSV beside the YAML file, UTF-8, with the header {columns}."),
    "E131": _m("Dòng {row} của '{source}': {reason}", "Row {row} of '{source}': {reason}",
               "Sửa dòng này trong tệp CSV.", "Fix this row of the CSV file."),
    "E122": _m("Vai trò '{role}' của tệp vai trò '{roles}' có phạm vi '{scope}', nhưng tệp đơn vị hành chính '{units}' không khai báo cấp đó",
               "Role '{role}' of roles file '{roles}' has scope '{scope}', a level units file '{units}' does not declare",
               "Phạm vi là một cấp trong 'levels' của tệp đơn vị ({levels}) hoặc own, central, public, system.",
               "A scope is a level from the units file's 'levels' ({levels}) or own, central, public, system."),
    "E123": _m("Dòng {row} của '{source}': {level} {code} nằm dưới '{parent}', nhưng dòng trước đặt nó dưới '{other}'",
               "Row {row} of '{source}': {level} {code} lies under '{parent}', but an earlier row put it under '{other}'",
               "Mỗi đơn vị chỉ có một đơn vị cấp trên; sửa mã ở cột cấp trên.",
               "A unit has one parent; fix the code in the parent's column."),
    "E124": _m("Dòng {row} của '{source}': mã {code} ở cấp {level}, nhưng đã là mã cấp {other}",
               "Row {row} of '{source}': code {code} at level {level} is already a code of level {other}",
               "Mã đơn vị là duy nhất ở mọi cấp.", "Unit codes are unique across the levels."),
    "E125": _m("Cấp '{level}' trùng tên với một phạm vi của bộ máy", "Level '{level}' is named like an engine scope",
               "own, central, public và system không dùng làm tên cấp.",
               "own, central, public and system cannot name a level."),
    "E126": _m("Không đọc được gói danh mục đơn vị '{package}': {reason}", "Units package '{package}' cannot be read: {reason}",
               "Các gói: {known} (cài bằng 'make setup'); hoặc dùng 'source' với một tệp CSV.",
               "Known packages: {known} (installed by 'make setup'); or use 'source' with a CSV file."),
    "E127": _m("Gói '{package}' có các cấp {levels}, khác với 'levels'", "Package '{package}' has the levels {levels}, unlike 'levels'",
               "Khai báo đúng số cấp của gói, hoặc dùng 'source' với một tệp CSV có các cấp của bạn.",
               "Declare as many levels as the package has, or use 'source' with a CSV of your levels."),
    # --- E2xx: references and shape ----------------------------------------------------
    "E201": _m("Mã '{id}' ({kind}) đã được định nghĩa ở {other}", "Id '{id}' ({kind}) is already defined in {other}",
               "Mỗi định nghĩa cùng loại phải có mã riêng; đổi mã hoặc xóa bản trùng.",
               "Definitions of one kind need distinct ids; rename or remove the copy."),
    "E202": _m("Mã {what} '{id}' bị trùng", "Duplicate {what} id '{id}'",
               "Đặt mã khác cho một trong hai.", "Give one of them another id."),
    "E203": _m("Trạng thái không tồn tại: '{id}'", "Unknown state '{id}'",
               "Các trạng thái: {known}.", "Known states: {known}."),
    "E204": _m("Vai trò không tồn tại: '{id}'", "Unknown role '{id}'",
               "Khai báo vai trò trong tệp vai trò '{roles}' hoặc sửa chính tả. Có: {known}.",
               "Declare the role in roles file '{roles}' or fix the spelling. Known: {known}."),
    "E205": _m("Biểu mẫu không tồn tại hoặc không thuộc quy trình: '{id}'", "Unknown form '{id}'",
               "Kiểm tra mã biểu mẫu và danh sách 'forms' của quy trình.",
               "Check the form id and the workflow's 'forms' list."),
    "E206": _m("Trường '{id}' không có trong biểu mẫu '{form}'", "Field '{id}' is not in form '{form}'",
               "Các trường: {known}.", "Known fields: {known}."),
    "E207": _m("Đồng hồ thời hạn không tồn tại: '{id}'", "Unknown clock '{id}'",
               "Khai báo trong 'clocks:'. Có: {known}.", "Declare it under 'clocks:'. Known: {known}."),
    "E250": _m("Trạng thái kết thúc '{id}' không thể có hẹn giờ", "Terminal state '{id}' cannot have timers",
               "Hồ sơ không rời trạng thái kết thúc; bỏ 'timers:' hoặc bỏ 'terminal'.",
               "A dossier never leaves a terminal state; drop 'timers:' or 'terminal'."),
    "E251": _m("Hẹn giờ của '{state}' chạy bước '{id}' không rời trạng thái đó",
               "A timer of '{state}' fires '{id}', which does not leave that state",
               "Chọn bước đi từ '{state}' sang trạng thái khác. Các bước: {known}.",
               "Name a transition from '{state}' to another state. Transitions: {known}."),
    "E252": _m("Hẹn giờ dùng ngày không tồn tại: '{id}'", "A timer names an unknown date '{id}'",
               "Ngày được dùng: {known}.", "Known dates: {known}."),
    "E253": _m("Hẹn giờ '{id}' chuyển cấp mà không nêu vai trò nhận", "Timer '{id}' escalates to no role",
               "Ghi vai trò cấp trên trong 'escalate.to'.", "Name the supervisor's role in 'escalate.to'."),
    "E208": _m("Hiệu ứng không được phép: '{name}'", "Unknown effect '{name}'",
               "Hiệu ứng được phép: {known}.", "Allowed effects: {known}."),
    "E209": _m("Không tìm thấy định nghĩa {what} '{id}'", "No {what} definition with id '{id}'",
               "Nạp cùng tệp định nghĩa đó hoặc sửa mã.", "Load the file defining it too, or fix the id."),
    "E210": _m("'{id}' là trạng thái nhóm; {where} phải là trạng thái lá",
               "'{id}' is a composite state; {where} must be a leaf state",
               "Chọn một trạng thái con: {known}.", "Name one of its children: {known}."),
    "E211": _m("Không thể đến trạng thái '{id}' từ trạng thái đầu", "State '{id}' cannot be reached from the initial state",
               "Thêm chuyển tiếp tới trạng thái này hoặc xóa nó.", "Add a transition into it or remove it."),
    "E212": _m("Trạng thái '{id}' không kết thúc nhưng không có lối ra", "State '{id}' is not terminal and has no way out",
               "Thêm chuyển tiếp đi ra hoặc đặt 'terminal: true'.", "Add a transition out or mark it 'terminal: true'."),
    "E213": _m("Trạng thái kết thúc '{id}' có chuyển tiếp đi ra '{transition}'",
               "Terminal state '{id}' has an outgoing transition '{transition}'",
               "Bỏ 'terminal: true' hoặc xóa chuyển tiếp.", "Drop 'terminal: true' or remove the transition."),
    "E214": _m("Vai trò '{role}' thực hiện '{transition}' nhưng thiếu quyền 'fire'",
               "Role '{role}' fires '{transition}' but lacks the 'fire' permission",
               "Thêm 'fire' vào 'can' của vai trò trong '{roles}'.", "Add 'fire' to the role's 'can' in '{roles}'."),
    "E215": _m("Chuyển tiếp không tồn tại: '{id}'", "Unknown transition '{id}'",
               "Các chuyển tiếp: {known}.", "Known transitions: {known}."),
    "E216": _m("Hiệu ứng '{name}': {reason}", "Effect '{name}': {reason}",
               "Xem bảng hiệu ứng trong docs/definitions.md.", "See the effects table in docs/definitions.md."),
    "E217": _m("Trường '{id}' kiểu {type}: {reason}", "Field '{id}' of type {type}: {reason}",
               "Xem các kiểu trường trong docs/definitions.md.", "See the field types in docs/definitions.md."),
    "E218": _m("Bộ sản phẩm '{code}' của '{regime}' đã có phiếu chấm '{other}'",
               "Product set '{code}' of '{regime}' is already scored by form '{other}'",
               "Mỗi bộ sản phẩm chỉ thuộc một phiếu chấm của một chế độ.",
               "Each product set belongs to one scoring form per regime."),
    "E220": _m("Giới hạn không hợp lệ: min {min} lớn hơn max {max}", "Invalid bounds: min {min} is above max {max}",
               "Đổi chỗ hoặc sửa min/max.", "Swap or fix min/max."),
    "E221": _m("Vai trò '{role}' chấm tiêu chí nhưng thiếu quyền 'score'",
               "Role '{role}' assesses criteria but lacks the 'score' permission",
               "Thêm 'score' vào 'can' của vai trò trong '{roles}'.", "Add 'score' to the role's 'can' in '{roles}'."),
    "E222": _m("Trạng thái '{state}' cho sửa biểu mẫu '{id}' nhưng quy trình không dùng biểu mẫu này",
               "State '{state}' lists form '{id}' in editable_forms, but the workflow does not use it",
               "Thêm '{id}' vào danh sách 'forms' của quy trình, hoặc sửa mã. Các biểu mẫu của quy trình: {known}.",
               "Add '{id}' to the workflow's 'forms' list, or fix the id. The workflow's forms: {known}."),
    "E223": _m("Chuyển tiếp '{transition}' yêu cầu biểu mẫu '{id}' nhưng không trạng thái nào trước đó cho sửa biểu mẫu này",
               "Transition '{transition}' requires form '{id}', but no state before it lets the form be edited",
               "Thêm '{id}' vào 'editable_forms' của trạng thái '{state}' hoặc của một trạng thái hồ sơ đi qua trước đó.",
               "Add '{id}' to 'editable_forms' of state '{state}' or of a state the dossier passes through before it."),
    "E224": _m("Vai trò '{role}' ngồi Hội đồng ở trạng thái '{state}' nhưng thiếu quyền 'score'",
               "Role '{role}' sits on the council of state '{state}' but lacks the 'score' permission",
               "Thêm 'score' vào 'can' của vai trò trong '{roles}', hoặc bỏ vai trò khỏi 'council'.",
               "Add 'score' to the role's 'can' in '{roles}', or take the role off 'council'."),
    "E225": _m("Vai trò '{role}' chủ trì Hội đồng ở trạng thái '{state}' nhưng thiếu quyền 'chair'",
               "Role '{role}' chairs the council of state '{state}' but lacks the 'chair' permission",
               "Thêm 'chair' vào 'can' của vai trò trong '{roles}', hoặc chọn vai trò chủ tịch khác.",
               "Add 'chair' to the role's 'can' in '{roles}', or name another chair."),
    "E226": _m("Chuyển tiếp '{transition}' cần kết quả chấm điểm nhưng không Hội đồng nào họp ở '{state}' hay ở trạng thái trước đó",
               "Transition '{transition}' requires the council's scores, but no council sits in '{state}' or in a state before it",
               "Thêm 'council: {{members: [...], chair: ...}}' vào trạng thái mà Hội đồng chấm điểm.",
               "Add 'council: {{members: [...], chair: ...}}' to the state where the council scores."),
    "E227": _m("Chuyển tiếp '{transition}' yêu cầu phiếu chấm của '{id}' nhưng vai trò này không được giao tiêu chí nào",
               "Transition '{transition}' requires the sheet of '{id}', but no scoring form gives that role criteria",
               "Nêu vai trò mà phiếu chấm của chế độ '{regime}' giao tiêu chí ('assessed_by'): {known}. Kết quả của Hội đồng là 'requires.scores'.",
               "Name a role that the scoring forms of regime '{regime}' give criteria to ('assessed_by'): {known}. The council's result is 'requires.scores'."),
    # --- E80x: plans -----------------------------------------------------------------------
    "E800": _m("Kỳ kế hoạch kết thúc năm {last}, trước năm bắt đầu {first}",
               "The plan's period ends in {last}, before it starts in {first}",
               "Sửa 'period': 'to' không được nhỏ hơn 'from'.", "Fix 'period': 'to' may not be before 'from'."),
    "E801": _m("Chỉ tiêu '{id}' không đếm được: {reason}", "Indicator '{id}' cannot be counted: {reason}",
               "Cách đếm chỉ dùng các đối tượng, trường, phép so sánh và phép tổng hợp đã liệt kê.",
               "A count uses only the listed subjects, fields, operators and aggregates."),
    "E802": _m("Chỉ tiêu '{id}' không có 'count' cũng không có 'description'",
               "Indicator '{id}' has neither 'count' nor 'description'",
               "Nêu cách đếm ('count'), hoặc ghi trong 'description' vì sao dữ liệu phần mềm không đếm được chỉ tiêu này.",
               "Say how it is counted ('count'), or write in 'description' why the software's data cannot count it."),
    "E803": _m("Chỉ tiêu giao cho địa bàn '{area}' ngoài phạm vi kế hoạch",
               "A target is set for area '{area}', outside the plan",
               "Địa bàn của kế hoạch ('areas'): {known}.", "The plan's areas ('areas'): {known}."),
    "E804": _m("Chỉ tiêu năm {year} nằm ngoài kỳ kế hoạch {first}–{last}",
               "A target for {year} lies outside the plan's period {first}–{last}",
               "Sửa năm, hoặc mở rộng 'period'.", "Fix the year, or widen 'period'."),
    "E805": _m("Chỉ tiêu '{id}' có hai mục tiêu cho cùng năm {year}, địa bàn {area}",
               "Indicator '{id}' has two targets for the same year {year} and area {area}",
               "Giữ một mục tiêu cho mỗi năm và địa bàn.", "Keep one target per year and area."),
    # --- E26x: registers -------------------------------------------------------------------
    "E260": _m("'area' phải nêu một trường kiểu admin_unit của sổ, không phải '{id}'",
               "'area' must name an admin_unit field of the register, not '{id}'",
               "Trường này xác định địa bàn của mỗi bản ghi (phạm vi của vai trò). Trường admin_unit có: {known}.",
               "That field places each record in an area (the roles' scope). admin_unit fields: {known}."),
    "E261": _m("Sổ không có trường '{id}'", "The register has no field '{id}'",
               "Các trường: {known}.", "Its fields: {known}."),
    "E262": _m("Sổ chỉ có một trường geometry; '{id}' là trường thứ hai (đã có '{first}')",
               "A register has one geometry field; '{id}' is a second one (after '{first}')",
               "Gộp hình vào một trường (MultiPolygon), hoặc tách thành sổ khác nối bằng 'ref'.",
               "Keep one shape per record (a MultiPolygon), or make a second register linked by 'ref'."),
    "E263": _m("Trường '{id}' kiểu {type} không lọc được danh sách", "Field '{id}' of type {type} cannot filter the list",
               "Chỉ lọc theo các kiểu: {allowed}. Ô tìm kiếm tìm theo tên và mã.",
               "Filters take these types: {allowed}. The search box finds names and codes."),
    "E264": _m("Mẫu mã '{template}' không dùng 'sequence': mọi bản ghi sẽ cùng một mã",
               "Code template '{template}' does not use 'sequence': every record would get the same code",
               "Thêm {{{{ sequence }}}} (ví dụ {{{{ '%04d' % sequence }}}}) vào mẫu.",
               "Add {{{{ sequence }}}} (for example {{{{ '%04d' % sequence }}}}) to the template."),
    "E270": _m("Sự kiện truy xuất '{event}' đứng sau '{id}', nhưng 'trace.events' không có sự kiện này",
               "Trace event '{event}' comes after '{id}', which 'trace.events' does not declare",
               "Các sự kiện: {known}.", "Its events: {known}."),
    "E271": _m("Sự kiện truy xuất '{id}' không thể đứng sau chính nó",
               "Trace event '{id}' cannot come after itself",
               "Bỏ '{id}' khỏi 'after' của nó; dùng 'once: false' nếu sự kiện được lặp lại.",
               "Drop '{id}' from its own 'after'; an event may repeat unless 'once' is set."),
    "E272": _m("'trace.identity.{key}' nêu trường '{id}', nhưng sổ không có trường này",
               "'trace.identity.{key}' names field '{id}', which the register does not declare",
               "Các trường: {known}.", "Its fields: {known}."),
    "E273": _m("'trace.identity.{key}' cần trường '{id}' đúng kiểu, không phải {type}",
               "'trace.identity.{key}' needs field '{id}' of the right type, not {type}",
               "'lot' là một trường text; 'product' là một trường ref (một bản ghi, 'to: {{{{register: …}}}}').",
               "'lot' is a text field; 'product' is a ref field (one record, 'to: {{{{register: …}}}}')."),
    "E274": _m("Sự kiện truy xuất '{event}' có trường '{id}', một tên dành cho chính sự kiện",
               "Trace event '{event}' has a field '{id}', a name the event itself uses",
               "Các tên dành riêng: {reserved} (thời điểm, loại sự kiện, lô đầu vào). Đổi tên trường.",
               "Reserved names: {reserved} (its time, its kind, its input batches). Rename the field."),
    "E275": _m("Trường '{id}' của sự kiện truy xuất '{event}' kiểu {type}: sự kiện không mang được kiểu này",
               "Field '{id}' of trace event '{event}' is of type {type}, which an event cannot carry",
               "Một sự kiện được ghi trên điện thoại và gửi đi dạng EPCIS: dùng text, number, date, choice, ref…; hình vẽ thuộc về bản ghi mà sự kiện nêu (vùng trồng).",
               "An event is typed on a phone and travels as EPCIS values: use text, number, date, choice, ref…; a shape belongs to the record the event names (a growing area)."),
    "E228": _m("Bước {step} của chu trình đứng sau bước {before}: mỗi bước khai báo một lần, theo thứ tự tăng dần",
               "Cycle step {step} comes after step {before}: list each step once, in increasing order",
               "Sắp xếp 'cycle' theo số bước tăng dần và bỏ bước trùng.",
               "Order 'cycle' by step number and drop the repeated step."),
    "E229": _m("Trạng thái '{id}' thuộc bước {step}, nhưng 'cycle' của quy trình không có bước này",
               "State '{id}' is in step {step}, which the workflow's 'cycle' does not declare",
               "Chọn một bước đã khai báo ({steps}) hoặc thêm bước {step} vào 'cycle'.",
               "Choose a declared step ({steps}) or add step {step} to 'cycle'."),
    "E241": _m("Dạng '{id}' chưa được khai báo trong 'formats' của biểu mẫu",
               "Format '{id}' is not declared in the form's 'formats'",
               "Các dạng đã khai báo: {known}.", "Declared formats: {known}."),
    "E242": _m("Dạng '{id}' không dùng được: {reason}", "Format '{id}' cannot be used: {reason}",
               "Sửa 'pattern' (biểu thức chính quy Python) hoặc 'example' của dạng.",
               "Fix the format's 'pattern' (a Python regular expression) or its 'example'."),
    "E230": _m("Chuyển tiếp yêu cầu chứng từ '{id}' nhưng không biểu mẫu nào của quy trình thu chứng từ này: không biểu mẫu nào có chỗ để tải lên",
               "Evidence '{id}' is required but no form of the workflow collects it: no form offers a place to upload it",
               "Thêm một trường kiểu evidence với document: {id} vào một biểu mẫu của quy trình, hoặc sửa mã. Biểu mẫu thu: {known}.",
               "Add an evidence field with document: {id} to one of the workflow's forms, or fix the id. Collected: {known}."),
    "E231": _m("Trường '{id}' nhận tệp loại '{value}', nhưng không bao giờ được phép tải lên loại này",
               "Field '{id}' accepts '{value}' files, but uploads of that type are never allowed",
               "Chỉ dùng các loại tệp được phép tải lên (engine/uploads.py, thiết lập UPLOAD_EXTENSIONS): {known}.",
               "Use only the file types uploads allow (engine/uploads.py, the UPLOAD_EXTENSIONS setting): {known}."),
    "E232": _m("Nghĩa vụ '{id}' ({rule}): hành động '{action}' trong 'actions' không có tác dụng",
               "Duty '{id}' ({rule}): action '{action}' in 'actions' has no effect",
               "Quy tắc này chỉ đọc các hành động: {known} (different_actor: score là người đã chấm phiếu). Xóa hành động này.",
               "This rule reads only the actions: {known} (different_actor: score means whoever saved a score sheet). Remove the action."),
    "E233": _m("Quy trình '{id}' chấm theo phiếu của chế độ '{regime}', có tiêu chí do '{role}' chấm, nhưng tệp vai trò '{roles}' không có vai trò này với quyền 'score'",
               "Workflow '{id}' scores with the forms of regime '{regime}', whose criteria '{role}' assesses, but roles file '{roles}' has no such role with 'score'",
               "Thêm vai trò '{role}' (can: [score, …]) vào '{roles}', hoặc dùng chế độ chấm điểm có người chấm mà quy trình có. Phiếu chấm: {forms}.",
               "Add role '{role}' (can: [score, …]) to '{roles}', or score with a regime whose assessors the workflow has. Scoring forms: {forms}."),
    # --- E3xx: expressions ---------------------------------------------------------------
    "E301": _m("Biểu thức {where} sai cú pháp: {detail}", "Expression in {where} does not compile: {detail}",
               "Biểu thức theo cú pháp Jinja2, ví dụ: dossier.kind == 'first'.",
               "Expressions use Jinja2 syntax, e.g. dossier.kind == 'first'."),
    "E302": _m("Biểu thức {where} dùng tên không được phép: {detail}", "Expression in {where} uses an unknown name: {detail}",
               "Tên được phép ở đây: {allowed}.", "Names allowed here: {allowed}."),
    "E303": _m("Biểu thức {where} truy cập thuộc tính riêng: {detail}",
               "Expression in {where} touches a private attribute: {detail}",
               "Không dùng thuộc tính bắt đầu bằng '_'.", "Attributes starting with '_' are never allowed."),
    "E304": _m("Biểu thức {where} đọc '{name}.{key}', nhưng '{name}' không có khóa '{key}'",
               "Expression in {where} reads '{name}.{key}', but '{name}' has no key '{key}'",
               "Các khóa của '{name}': {known} (docs/definitions.md, bảng tên của biểu thức).",
               "The keys of '{name}': {known} (docs/definitions.md, the table of expression names)."),
    # --- E4xx: scoring arithmetic --------------------------------------------------------
    "E401": _m("Phần {where}: max {max} khác tổng các nhóm {sum}", "Part {where}: max {max} is not the sum of its groups {sum}",
               "Sửa 'max' của phần hoặc của các nhóm.", "Fix the part's 'max' or its groups'."),
    "E402": _m("Nhóm {where}: max {max} khác tổng các tiêu chí {sum}",
               "Group {where}: max {max} is not the sum of its criteria {sum}",
               "Sửa 'max'; nếu văn bản pháp lý sai như vậy, khai báo trong known_discrepancies.",
               "Fix 'max'; if the legal text itself says so, declare it in known_discrepancies."),
    "E403": _m("Tổng các phần {sum} khác điểm tối đa của phiếu {max}",
               "The parts add up to {sum}, not the form's maximum {max}",
               "Sửa 'max' của các phần (hoặc 'max' của phiếu).", "Fix the parts' 'max' (or the form's 'max')."),
    "E404": _m("Lựa chọn {where} được {points} điểm, quá max {max} của tiêu chí",
               "Option {where} is worth {points}, above its criterion's max {max}",
               "Sửa điểm của lựa chọn hoặc max của tiêu chí.", "Fix the option's points or the criterion's max."),
    "E405": _m("Ngưỡng sao {where} là {floor} sao nhưng không có hạng {floor} sao",
               "Star floor at {where} is {floor} stars but no band gives {floor} stars",
               "Hạng sao có: {known}.", "Bands give: {known}."),
    "E406": _m("Các hạng sao không liền mạch: {reason}", "Star bands do not tile 0..{max}: {reason}",
               "Mỗi hạng bắt đầu ở 'below' của hạng trước; hạng đầu từ 0; hạng cuối không có 'below'.",
               "Each band starts at the previous band's 'below'; the first at 0; the last has no 'below'."),
    "E407": _m("Tiêu chí {where} không có lựa chọn nào", "Criterion {where} has no options",
               "Thêm các lựa chọn với số điểm.", "Add the answer options with their points."),
    # --- E5xx: definition test cases -----------------------------------------------------
    "E501": _m("Ca kiểm thử '{name}' không đạt: {detail}", "Test case '{name}' failed: {detail}",
               "Sửa định nghĩa hoặc kết quả mong đợi của ca kiểm thử.", "Fix the definition or the case's expectation."),
    "E502": _m("Không chạy được ca kiểm thử '{name}': {reason}", "Test case '{name}' cannot run: {reason}",
               "Ca kiểm thử này chưa được kiểm; đừng coi là đạt.", "This case was not checked; do not count it as passed."),
    "E503": _m("Ca kiểm thử '{name}' nhắc tới {what} không tồn tại: '{id}'",
               "Test case '{name}' refers to an unknown {what} '{id}'",
               "Sửa mã trong ca kiểm thử.", "Fix the id in the test case."),
    "E504": _m("Ca kiểm thử '{name}' phải có đúng một trong 'scoring_form' hoặc 'workflow'",
               "Test case '{name}' must name exactly one of 'scoring_form' or 'workflow'",
               "Ca chấm điểm dùng 'scoring_form'; ca phân quyền dùng 'workflow'.",
               "Scoring cases name 'scoring_form'; permission cases name 'workflow'."),
    # --- E6xx: installing a bundle against the stored versions ----------------------------
    "E601": _m("{kind} '{id}' phiên bản {version} đã được cài với nội dung khác",
               "{kind} '{id}' version {version} is already installed with different content",
               "Đặt số phiên bản mới cho nội dung đã sửa; một phiên bản đã cài không bao giờ đổi.",
               "Give the edited content a new version; an installed version never changes."),
    "E602": _m("Ngày hiệu lực đề xuất {proposed} sớm hơn ngày trong tệp ({declared})",
               "The proposed effective date {proposed} is earlier than the file's ({declared})",
               "Chỉ được đề xuất ngày muộn hơn; muốn sớm hơn thì sửa 'effective_from' trong tệp và đặt phiên bản mới.",
               "Only a later date may be proposed; for an earlier one edit 'effective_from' in the file and give it a new version."),
    "E603": _m("Gói không có định nghĩa nào", "The bundle holds no definition",
               "Tải lên các tệp YAML (hoặc một tệp .zip chứa chúng).", "Upload the YAML files (or a .zip holding them)."),
    # --- E7xx: migration plans -----------------------------------------------------------
    "E701": _m("Kế hoạch chuyển đổi sai cấu trúc: {reason}", "The migration plan is malformed: {reason}",
               "Kế hoạch có: workflow, from, to, states (trạng thái cũ: trạng thái mới), và tùy chọn dossiers, kinds, on.",
               "A plan has: workflow, from, to, states (old state: new state), and optionally dossiers, kinds, on."),
    "E702": _m("Quy trình '{workflow}' không có phiên bản đã cài '{version}'",
               "Workflow '{workflow}' has no installed version '{version}'",
               "Phiên bản đã cài: {known}.", "Installed versions: {known}."),
    "E703": _m("'{state}' không phải trạng thái của {workflow} {version}",
               "'{state}' is not a state of {workflow} {version}",
               "Trạng thái có: {known}.", "States: {known}."),
    # --- warnings ------------------------------------------------------------------------
    "W001": _m("{message} — sai lệch đã biết: {note}", "{message} — known discrepancy: {note}",
               "Giữ nguyên theo văn bản pháp lý.", "Kept as in the legal text."),
    "W002": _m("Sai lệch khai báo ({code} tại {where}) không còn xảy ra", "Declared discrepancy ({code} at {where}) does not occur",
               "Xóa mục này khỏi known_discrepancies.", "Remove this entry from known_discrepancies."),
    "W004": _m("Tiêu chí {where}: max {max} nhưng lựa chọn cao nhất chỉ {best} điểm",
               "Criterion {where}: max {max} but its best option is worth {best}",
               "Kiểm tra lại điểm các lựa chọn.", "Check the options' points."),
    "W005": _m("Khóa '{key}' bị bỏ qua với trường kiểu {type}", "Key '{key}' is ignored for fields of type {type}",
               "Xóa khóa này.", "Remove the key."),
    "W006": _m("Không có phiếu chấm nào thuộc chế độ '{id}'", "No scoring form has regime '{id}'",
               "Nạp các phiếu chấm có 'regime: {id}' hoặc sửa mã.", "Load the scoring forms with 'regime: {id}', or fix the id."),
    "W007": _m("Không vai trò nào thực hiện được chuyển tiếp '{id}'", "No role may fire transition '{id}'",
               "Thêm 'roles: [...]' cho chuyển tiếp.", "Give the transition 'roles: [...]'."),
    "W008": _m("Đồng hồ '{id}' không bao giờ được bắt đầu", "Clock '{id}' is never started",
               "Thêm hiệu ứng 'start_clock: {id}' vào chuyển tiếp bắt đầu thời hạn, hoặc xóa đồng hồ.",
               "Add 'start_clock: {id}' to the transition that starts the period, or remove the clock."),
    "W009": _m("Quy trình '{id}' không nói biểu mẫu nào được sửa ở trạng thái nào: mọi biểu mẫu sửa được ở mọi trạng thái chưa kết thúc",
               "Workflow '{id}' does not say in which states its forms may be edited: every form is editable in every state that is not terminal",
               "Thêm 'editable_forms: [mã biểu mẫu]' vào các trạng thái mà biểu mẫu được điền (trạng thái con thừa hưởng); các trạng thái khác khi đó không cho sửa gì. Biểu mẫu: {forms}.",
               "Add 'editable_forms: [form ids]' to the states where forms are filled in (nested states inherit it); every other state then edits nothing. Forms: {forms}."),
    "W010": _m("Biểu mẫu '{id}' không được sửa ở trạng thái nào", "Form '{id}' cannot be edited in any state",
               "Thêm '{id}' vào 'editable_forms' của các trạng thái mà biểu mẫu được điền, hoặc bỏ nó khỏi 'forms'.",
               "Add '{id}' to 'editable_forms' of the states where it is filled in, or remove it from 'forms'."),
    "W011": _m("Hội đồng họp ở trạng thái '{id}' nhưng không chuyển tiếp nào rời trạng thái này cần kết quả chấm điểm",
               "A council sits in state '{id}' but no transition leaving it requires the scores",
               "Thêm 'requires: {{scores: true}}' vào chuyển tiếp kết luận phiên họp, hoặc bỏ 'council' khỏi trạng thái.",
               "Add 'requires: {{scores: true}}' to the transition that concludes the sitting, or remove 'council' from the state."),
    "W012": _m("Quy trình '{id}' không khai báo Hội đồng họp ở trạng thái nào: Hội đồng được suy ra từ vai trò quyết định theo kết quả chấm",
               "Workflow '{id}' does not say where its councils sit: they are inferred from the roles that decide on the scores",
               "Thêm 'council: {{members: [vai trò], chair: vai trò}}' vào trạng thái Hội đồng chấm điểm. Đang suy ra: {inferred}.",
               "Add 'council: {{members: [roles], chair: role}}' to each state where a council scores. Inferred now: {inferred}."),
    "W013": _m("Nhóm sản phẩm '{id}' (biểu mẫu chấm điểm '{form}') chưa có tên trong 'product_groups' của quy trình",
               "Product group '{id}' (scoring form '{form}') has no label in the workflow's 'product_groups'",
               "Thêm '{id}: {{vi: …, en: …}}' vào 'product_groups'. Đã có: {known}.",
               "Add '{id}: {{vi: …, en: …}}' to 'product_groups'. Labelled now: {known}."),
    "E235": _m("Chuyển tiếp '{transition}' có 'kind: return' nhưng dẫn tới trạng thái kết thúc '{state}'",
               "Transition '{transition}' is 'kind: return' but leads to the terminal state '{state}'",
               "Trả lại là để bổ sung rồi đi tiếp; bước kết thúc hồ sơ dùng 'kind: destructive' hoặc 'kind: forward'.",
               "A return sends the dossier back to be completed; a step that ends it is 'kind: destructive' or 'kind: forward'."),
    "E236": _m("Trạng thái '{id}' có 'rest: true' nhưng cũng có 'deadline' hoặc 'terminal: true'",
               "State '{id}' says 'rest: true' but also has a 'deadline' or 'terminal: true'",
               "'rest' là nơi hồ sơ không chờ ai (như đã công nhận); một thời hạn thì luôn có người phải làm, trạng thái kết thúc thì đã không có việc gì.",
               "'rest' is where a dossier waits for nobody (as when certified); a deadline always means somebody's work, and a terminal state has no work at all."),
    "E237": _m("Trường '{id}' (kiểu {type}) không nhận giá trị điền sẵn từ '{source}'",
               "Field '{id}' (type {type}) cannot be prefilled from '{source}'",
               "Nguồn hợp với kiểu này: {fits}.", "Sources that fit this type: {fits}."),
    "W016": _m("Chuyển tiếp '{transition}' kết thúc hồ sơ ở '{state}' nhưng không khai báo 'kind'",
               "Transition '{transition}' ends the dossier in '{state}' but declares no 'kind'",
               "Khai báo 'kind: destructive' (từ chối, rút, loại: người dùng phải xác nhận) hoặc 'kind: forward' (kết quả bình thường).",
               "Declare 'kind: destructive' (reject, withdraw, exclude: the person confirms it) or 'kind: forward' (a normal outcome)."),
    "E243": _m("Liên kết '{name}' trỏ tới sổ '{id}' chưa được khai báo",
               "Link '{name}' points to register '{id}', which is not declared",
               "Các sổ đã nạp: {known}. Sửa mã sổ hoặc thêm tệp sổ vào workflows/registers/.",
               "Registers loaded: {known}. Fix the register id or add its file under workflows/registers/."),
    "E244": _m("Liên kết '{id}' có 'same_on_renewal' nhưng quy trình không cấp giấy chứng nhận",
               "Link '{id}' declares 'same_on_renewal' but the workflow issues no certificate",
               "Không có giấy chứng nhận thì không có hồ sơ gia hạn: khai báo 'certificate' hoặc bỏ 'same_on_renewal'.",
               "Without a certificate there is no renewal: declare 'certificate' or drop 'same_on_renewal'."),
    "W017": _m("Liên kết '{name}': sổ '{id}' dùng tệp vai trò '{roles}', quy trình dùng '{workflow_roles}'",
               "Link '{name}': register '{id}' uses roles file '{roles}', the workflow uses '{workflow_roles}'",
               "Ai được chọn bản ghi nào được tính theo vai trò của sổ; dùng cùng một tệp vai trò để một vai trò có cùng nghĩa ở cả hai.",
               "Who may pick which record is decided by the register's roles; use one roles file so a role means the same in both."),
}  # fmt: skip


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: dict[str, Any], lang: str = "vi") -> tuple[str, str]:
    """(message, hint) for a code in the requested language; unknown params stay visible."""
    entry = CODES.get(code)
    if entry is None:
        return (f"{code} {params}", "")
    shown = _Params({k: _show(v) for k, v in params.items()})
    if lang == "en":
        message, hint = entry.en.format_map(shown), entry.hint_en.format_map(shown)
    else:
        message, hint = entry.vi.format_map(shown), entry.hint_vi.format_map(shown)
    guess = _suggestion(params)
    if guess:
        message += f" (did you mean '{guess}'?)" if lang == "en" else f" (có phải là '{guess}'?)"
    return message, hint


def _suggestion(params: dict[str, Any]) -> str | None:
    """The closest known name to a misspelt one: `efects` -> `effects`."""
    wrong = params.get("key", params.get("id", params.get("name")))
    known = params.get("allowed", params.get("known"))
    if not isinstance(wrong, str) or not isinstance(known, list | tuple) or wrong in known:
        return None
    close = difflib.get_close_matches(wrong, [str(k) for k in known], n=1, cutoff=0.75)
    return close[0] if close else None


def _show(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        items = (
            sorted(str(v) for v in value) if isinstance(value, set | frozenset) else [str(v) for v in value]
        )
        shown = ", ".join(items[:12])
        return shown + (", …" if len(items) > 12 else "") if items else "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def severity(code: str) -> str:
    return "warning" if code.startswith("W") else "error"


def table(lang: str = "vi") -> list[tuple[str, str, str]]:
    """(code, message template, hint template) for every code, for --codes and the docs."""
    rows = []
    for code, entry in CODES.items():
        rows.append(
            (code, entry.en if lang == "en" else entry.vi, entry.hint_en if lang == "en" else entry.hint_vi)
        )
    return rows
