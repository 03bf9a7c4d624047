"""Writes thong-bao-gia-han.docx, the renewal notice's template (docxtpl: Jinja tags inside a Word document).

The office may restyle the .docx in Word, keeping its {{ … }} and {%tr … %} tags; this script writes the
original: ``.venv/bin/python evaluations/letters/make_template.py``.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

TEMPLATE = Path(__file__).with_name("thong-bao-gia-han.docx")


def paragraph(document, text, *, bold=False, italic=False, align=None, size=13, space_after=4):
    p = document.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    return p


def main():
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)  # A4, as Vietnamese administrative documents
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)

    head = document.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.text = "UBND TỈNH THANH HÓA\n{{ office_name_upper }}\nSố: ……/TB-VPĐP"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in p.runs:
                run.bold, run.font.size = True, Pt(12)
    paragraph(document, "Thanh Hóa, ngày {{ day }} tháng {{ month }} năm {{ year }}", italic=True,
              align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(document, "THÔNG BÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14, space_after=0)
    paragraph(document, "Về việc giấy chứng nhận sản phẩm OCOP sắp hết hiệu lực", bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document, "Kính gửi: {{ producer_name }}{% if producer_address %} ({{ producer_address }}){% endif %}",
              align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document, (
        "Theo quy định của Chương trình Mỗi xã một sản phẩm (OCOP), giấy chứng nhận sản phẩm OCOP có hiệu lực 36 tháng "
        "kể từ ngày ký quyết định công nhận. {{ office_name }} thông báo: giấy chứng nhận của các sản phẩm sau đây của "
        "{{ producer_name }} sắp hết hiệu lực."
    ))
    # docxtpl repeats the row between {%tr for %} and {%tr endfor %} for each certificate.
    table = document.add_table(rows=4, cols=6)
    table.style = "Table Grid"
    header, loop, body, end = table.rows
    for cell, text in zip(header.cells, ("STT", "Mã sản phẩm", "Tên sản phẩm", "Hạng sao", "Quyết định công nhận",
                                         "Hiệu lực đến"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    loop.cells[0].text = "{%tr for c in certificates %}"
    for cell, text in zip(body.cells, ("{{ loop.index }}", "{{ c.code }}", "{{ c.name }}", "{{ c.stars }} sao",
                                       "Số {{ c.decision_no }} ngày {{ c.decision_date }}", "{{ c.valid_until }}"),
                          strict=True):
        cell.text = text
    end.cells[0].text = "{%tr endfor %}"
    paragraph(document, "")
    paragraph(document, (
        "Để sản phẩm tiếp tục được công nhận, đề nghị {{ producer_name }} chuẩn bị hồ sơ đề nghị đánh giá, phân hạng "
        "lại và gửi về {{ office_name }} trước ngày {{ deadline }}. Sau ngày hết hiệu lực, sản phẩm không được sử "
        "dụng biểu trưng và hạng sao OCOP trên nhãn."
    ))
    paragraph(document, (
        "Mọi thông tin xin liên hệ: {{ office_name }}{% if office_address %}, {{ office_address }}{% endif %}"
        "{% if office_phone %}; điện thoại {{ office_phone }}{% endif %}"
        "{% if office_email %}; email {{ office_email }}{% endif %}."
    ))
    sign = document.add_table(rows=1, cols=2)
    receivers, signatory = sign.rows[0].cells
    receivers.text = "Nơi nhận:\n- Như trên;\n- UBND xã, phường nơi có sản phẩm;\n- Lưu: VT."
    signatory.text = "CHÁNH VĂN PHÒNG\n\n\n\n"
    signatory.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    signatory.paragraphs[0].runs[0].bold = True
    document.save(TEMPLATE)


if __name__ == "__main__":
    main()
