"""District staff issue the admission decision from the candidate page on a phone and download it."""

import pytest
from playwright.sync_api import expect

from tests.browser.login import log_in
from tests.documents.conftest import decided, docx_text  # noqa: F401 (the decided fixture)
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_and_download_the_decision_from_the_candidate_page(live_server, page, decided, users):
    log_in(page, live_server, "dist_x", PASSWORD)
    page.goto(f"{live_server.url}/candidates/{decided.pk}/")
    papers = page.get_by_test_id("papers")
    expect(papers).to_contain_text("9-KNĐ")
    decision = papers.locator('li[data-kind="9-knd"]')
    decision.get_by_label("Người ký").fill("Trần Văn Huyện")
    decision.get_by_test_id("issue-9-knd").click()
    link = page.get_by_test_id("download-9-knd")
    expect(link).to_contain_text("số 1-QĐ/HU")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as fh:
        text = docx_text(fh.read())
    assert "Hoàng Thị Mận" in text and "Số 1-QĐ/HU" in text and "Trần Văn Huyện" in text
