"""Every kind of paper rendered to PDF by LibreOffice headless: at most the pages its form has,
and the person's name in the text. Slow (LibreOffice starts): runs where ``PARTYDEV_LIBREOFFICE=1``
(``.ci/run`` sets it on one of its two database passes)."""

import datetime
import io
import os
import unicodedata

import pytest
from pypdf import PdfReader

from documents import pdf, services

from .conftest import official_candidate

ENABLED = os.environ.get("PARTYDEV_LIBREOFFICE") == "1"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ENABLED, reason="PARTYDEV_LIBREOFFICE=1 not set (LibreOffice tests run on one CI pass)"),
]

# The forms are one page; the lists may run to a second with a long dossier or a big cell.
MAX_PAGES = {"dossier-list": 2, "cultivation-list": 2}


def _nfc(text: str) -> str:
    """NFC, and every run of white space one space (a name may wrap in a narrow column)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_libreoffice_is_there_when_asked_for():
    assert pdf.converter() is not None, "PARTYDEV_LIBREOFFICE=1 but neither soffice nor libreoffice is on the PATH"


def test_one_paper_of_each_kind_renders_to_pdf(tree, users, decided):
    official = official_candidate(tree, "Hà Văn Chính")
    sign = {"signer_name": "Nguyễn Văn Ký"}
    papers = {}
    for key, who, c in (
        ("6-knd", users.secretary_a, decided),
        ("8-knd", users.grassroots, decided),
        ("9-knd", users.district_x, decided),
        ("dossier-list", users.secretary_a, decided),
        ("13-knd", users.secretary_a, official),
        ("official-decision", users.district_x, official),
    ):
        papers[key] = (services.document_issue(kind_key=key, candidate_pk=c.pk, user=who, **sign), c)
    papers["15-knd"] = (
        services.document_issue(
            kind_key="15-knd",
            candidate_pk=official.pk,
            user=users.grassroots,
            document_date=official.recognition_proposal_date,
            **sign,
        ),
        official,
    )
    cultivation = services.cultivation_list_issue(
        cell=tree.CXA, user=users.secretary_a, document_date=datetime.date(2026, 11, 1), **sign
    )
    pdfs = pdf.docx_to_pdf_many(
        {
            **{key: bytes(doc.content) for key, (doc, _) in papers.items()},
            "cultivation-list": bytes(cultivation.content),
        }
    )
    names = {key: c.person.full_name for key, (_, c) in papers.items()} | {"cultivation-list": "Hoàng Thị Mận"}
    for key, data in pdfs.items():
        reader = PdfReader(io.BytesIO(data))
        assert 1 <= len(reader.pages) <= MAX_PAGES.get(key, 1), (key, len(reader.pages))
        text = _nfc(" ".join(page.extract_text() for page in reader.pages))
        assert _nfc(names[key]) in text, (key, text[:300])
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text, key
