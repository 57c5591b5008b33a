"""The default templates, written with python-docx so that their layout is reviewable as code.

``manage.py build_document_templates`` writes them to ``documents/templates_docx/`` (committed:
the files are the templates; this module is how they were made). Layout: A4, margins
20/15/30/15 mm (top, bottom, left, right), Times New Roman 14 pt; the issuing body's name and "*"
top left, "ĐẢNG CỘNG SẢN VIỆT NAM" and the place and date top right, the number and symbol under
the issuer (Hướng dẫn 36-HD/VPTW on the format of party documents).
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_PARAGRAPH_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .kinds import ALL_KINDS, DocKind

FONT = "Times New Roman"

BODIES: dict[str, list[str]] = {
    "6-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Căn cứ đơn xin vào Đảng, lý lịch, giấy giới thiệu của {{ introducers }} và ý kiến nhận xét của "
        "các đoàn thể, chi ủy nơi cư trú đối với quần chúng {{ full_name }};",
        "{{ cell_vote_date_words|capitalize }}, {{ cell_name }} đã họp xét đề nghị kết nạp quần chúng {{ full_name }} vào Đảng.",
        "Họ và tên: {{ full_name }}; giới tính: {{ sex }}; sinh ngày: {{ date_of_birth }}; quê quán: {{ place_of_origin }}; "
        "dân tộc: {{ ethnicity }}; tôn giáo: {{ religion }}.",
        "Đảng viên giúp đỡ: đồng chí {{ helper }}.",
        "Tổng số đảng viên chính thức của chi bộ: {{ cell_total }} đồng chí; có mặt: {{ cell_present }} đồng chí; "
        "số đồng chí tán thành việc kết nạp: {{ cell_votes_for }}, đạt {{ cell_votes_percent }} so với tổng số "
        "đảng viên chính thức.",
        "CHI BỘ QUYẾT NGHỊ",
        "Đề nghị cấp ủy cấp trên xem xét, kết nạp quần chúng {{ full_name }} vào Đảng Cộng sản Việt Nam.",
    ],
    "7-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Căn cứ nghị quyết của {{ cell_name }} {{ cell_vote_date_words }} đề nghị kết nạp quần chúng {{ full_name }} "
        "(sinh ngày {{ date_of_birth }}) vào Đảng;",
        "Đảng ủy bộ phận đã thẩm định hồ sơ. Tổng số ủy viên: {{ partial_members }}; số đồng chí tán thành: "
        "{{ partial_votes_for }}.",
        "ĐẢNG ỦY BỘ PHẬN QUYẾT NGHỊ",
        "Đề nghị đảng ủy cơ sở xem xét, đề nghị kết nạp quần chúng {{ full_name }} vào Đảng.",
    ],
    "8-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Căn cứ nghị quyết của {{ cell_name }} {{ cell_vote_date_words }} đề nghị kết nạp quần chúng {{ full_name }} "
        "(sinh ngày {{ date_of_birth }}, quê quán {{ place_of_origin }}) vào Đảng;",
        "Đảng ủy đã xét. Tổng số cấp ủy viên: {{ committee_members }}; số đồng chí tán thành việc kết nạp: "
        "{{ committee_votes_for }}.",
        "ĐẢNG ỦY QUYẾT NGHỊ",
        "Đề nghị cấp ủy có thẩm quyền xem xét, quyết định kết nạp quần chúng {{ full_name }} vào Đảng.",
    ],
    "9-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Xét nghị quyết của {{ grassroots_name }} {{ committee_date_words }} đề nghị kết nạp đảng viên,",
        "BAN THƯỜNG VỤ QUYẾT ĐỊNH",
        "Điều 1. Kết nạp quần chúng {{ full_name }}, sinh ngày {{ date_of_birth }}, quê quán {{ place_of_origin }}, "
        "vào Đảng Cộng sản Việt Nam.",
        "Điều 2. Thời gian dự bị 12 tháng, kể từ ngày chi bộ tổ chức lễ kết nạp.",
        "Điều 3. {{ grassroots_name }}, {{ cell_name }} và đồng chí {{ full_name }} chịu trách nhiệm thi hành "
        "quyết định này.",
    ],
    "13-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Đồng chí {{ full_name }}, sinh ngày {{ date_of_birth }}, được kết nạp vào Đảng {{ ceremony_date_words }}; "
        "hết thời gian dự bị {{ probation_end_words }}.",
        "Căn cứ bản tự kiểm điểm của đảng viên dự bị, nhận xét của đảng viên giúp đỡ và ý kiến nhận xét của "
        "các đoàn thể, chi ủy nơi cư trú, {{ cell_name }} đã họp xét.",
        "CHI BỘ QUYẾT NGHỊ",
        "Đề nghị cấp ủy cấp trên xem xét, công nhận đồng chí {{ full_name }} là đảng viên chính thức.",
    ],
    "15-knd": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Xét nghị quyết của {{ cell_name }} {{ proposal_date_words }} đề nghị công nhận đảng viên chính thức "
        "đối với đồng chí {{ full_name }}, sinh ngày {{ date_of_birth }}, kết nạp {{ ceremony_date_words }}, "
        "hết thời gian dự bị {{ probation_end_words }},",
        "ĐẢNG ỦY QUYẾT NGHỊ",
        "Đề nghị cấp ủy có thẩm quyền công nhận đồng chí {{ full_name }} là đảng viên chính thức.",
    ],
    "official-decision": [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam; các văn bản hướng dẫn thi hành Điều lệ Đảng ({{ guidance }});",
        "Xét đề nghị của {{ grassroots_name }} về việc công nhận đảng viên chính thức,",
        "BAN THƯỜNG VỤ QUYẾT ĐỊNH",
        "Điều 1. Công nhận đồng chí {{ full_name }}, sinh ngày {{ date_of_birth }}, đảng viên dự bị kết nạp "
        "{{ ceremony_date_words }} (Quyết định kết nạp số {{ admission_decision_number }}), là đảng viên chính "
        "thức kể từ {{ official_from_words }}.",
        "Điều 2. {{ grassroots_name }}, {{ cell_name }} và đồng chí {{ full_name }} chịu trách nhiệm thi hành "
        "quyết định này.",
    ],
    "dossier-list": [
        "Hồ sơ của quần chúng {{ full_name }}, sinh ngày {{ date_of_birth }}, {{ cell_name }}, gồm:",
    ],
    "cultivation-list": [
        "Danh sách đối tượng bồi dưỡng kết nạp đảng viên của {{ cell_name }}:",
    ],
}
TABLES = {
    "dossier-list": (
        ("STT", "Thành phần hồ sơ", "Mẫu", "Ngày"),
        ("{%tr for item in items %}",),
        ("{{ item.no }}", "{{ item.name }}", "{{ item.form }}", "{{ item.date }}"),
        ("{%tr endfor %}",),
    ),
    "cultivation-list": (
        ("STT", "Họ và tên", "Ngày sinh", "Đảng viên giúp đỡ", "Vào danh sách từ"),
        ("{%tr for row in rows %}",),
        ("{{ row.no }}", "{{ row.full_name }}", "{{ row.date_of_birth }}", "{{ row.helper }}", "{{ row.since }}"),
        ("{%tr endfor %}",),
    ),
}
HEADINGS = {"CHI BỘ QUYẾT NGHỊ", "ĐẢNG ỦY BỘ PHẬN QUYẾT NGHỊ", "ĐẢNG ỦY QUYẾT NGHỊ", "BAN THƯỜNG VỤ QUYẾT ĐỊNH"}


def _font(run: Run, size: float = 14, bold: bool = False, italic: bool = False, underline: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _para(
    container: DocxDocument | _Cell,
    text: str,
    *,
    align: WD_PARAGRAPH_ALIGNMENT = WD_ALIGN_PARAGRAPH.JUSTIFY,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    indent: bool = False,
) -> Paragraph:
    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(3)
    if indent:
        p.paragraph_format.first_line_indent = Mm(10)
    _font(p.add_run(text), size=size, bold=bold, italic=italic, underline=underline)
    return p


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "nil"}))
    tbl_pr.append(borders)


def build(kind: DocKind) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(15)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = kind.title
    doc.core_properties.author = "partydev"

    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(header)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = ""
    _font(left.paragraphs[0].add_run("{{ superior_name|upper }}"), size=13)
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(left, "{{ issuer_name|upper }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=13, bold=True)
    _para(left, "*", align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    if kind.numbered:
        _para(left, "Số {{ number_symbol }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _font(right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM"), size=14, bold=True, underline=True)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, "{{ place }}, {{ date_words }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=14, italic=True)

    doc_type = {"NQ": "NGHỊ QUYẾT", "QĐ": "QUYẾT ĐỊNH"}.get(kind.doc_type, "")
    _para(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER)
    if doc_type:
        _para(doc, doc_type, align=WD_ALIGN_PARAGRAPH.CENTER, size=15, bold=True)
        _para(doc, "{{ title }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    else:
        _para(doc, "{{ title|upper }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=15, bold=True)
    _para(doc, "{% if replaces %}(Thay thế {{ replaces }}){% endif %}", align=WD_ALIGN_PARAGRAPH.CENTER, italic=True)
    _para(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in BODIES[kind.key]:
        if line in HEADINGS:
            _para(doc, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        else:
            _para(doc, line, indent=True)
    if kind.key in TABLES:
        head, *rows = TABLES[kind.key]
        table = doc.add_table(rows=1 + len(rows), cols=len(head))
        table.style = "Table Grid"
        for i, text in enumerate(head):
            table.rows[0].cells[i].text = ""
            _font(table.rows[0].cells[i].paragraphs[0].add_run(text), size=13, bold=True)
        for r, cells in enumerate(rows, start=1):
            for i, text in enumerate(cells):
                table.rows[r].cells[i].text = ""
                _font(table.rows[r].cells[i].paragraphs[0].add_run(text), size=13)
    _para(doc, "")
    signature = doc.add_table(rows=1, cols=2)
    _no_borders(signature)
    left, right = signature.rows[0].cells
    _font(left.paragraphs[0].add_run("Nơi nhận:"), size=12, bold=True, italic=True)
    _para(left, "- Như trên;", align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
    _para(left, "- Lưu hồ sơ.", align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
    _font(right.paragraphs[0].add_run("{{ signer_title }}"), size=14, bold=True)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, "{{ signer_position }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _para(right, "(Ký, ghi rõ họ tên)", align=WD_ALIGN_PARAGRAPH.CENTER, size=13, italic=True)
    _para(right, "", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(right, "{{ signer_name }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_all() -> dict[str, bytes]:
    return {key: build(kind) for key, kind in ALL_KINDS.items()}
