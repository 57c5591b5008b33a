"""Issue 19, words: the admin in Vietnamese (our locale/vi for the strings the third-party apps
ship no Vietnamese for), Vietnamese only in LANGUAGES, steps named by the act, history naming the
person and the role who recorded it."""

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.models import Stage
from tests.candidates.factories import candidate_at

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Historical",
    "Access attempts",
    "Access failures",
    "Access logs",
    "First child of",
    "Position:",
    "Relative to",
    "Please correct the error",
    "History date",
    "History type",
    "History user",
    "Show counts",
    "Skip to main content",
    "Add link",
    "Bản ghi nhớ",
    "BẢN GHI NHỚ",
]


def _visible_text(html: str) -> str:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", text)


def test_the_admin_speaks_vietnamese(client, tree):
    root = get_user_model().objects.create_superuser("root", "root@example.vn", "a-long-test-password")
    client.force_login(root)
    urls = ["/admin/"]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    urls += [
        reverse("admin:organizations_organization_change", args=[tree.CXA.pk]),
        reverse("admin:organizations_organization_history", args=[tree.CXA.pk]),
        reverse("admin:organizations_organization_add"),
    ]
    found = {}
    for url in urls:
        text = _visible_text(client.get(url).content.decode())
        for phrase in ENGLISH:
            if phrase in text:
                found.setdefault(phrase, url)
    assert found == {}
    history = client.get(reverse("admin:organizations_organization_history", args=[tree.CXA.pk])).content.decode()
    assert "Lịch sử" in history
    index = _visible_text(client.get("/admin/").content.decode())
    assert "Lịch sử tổ chức đảng" in index and "Lượt đăng nhập sai" in index


def test_a_bad_admin_form_says_so_in_vietnamese(client, tree):
    root = get_user_model().objects.create_superuser("root", "root@example.vn", "a-long-test-password")
    client.force_login(root)
    response = client.post(reverse("admin:auth_user_add"), {"username": "", "usable_password": "true"})
    assert response.status_code == 200 and "Vui lòng sửa" in response.content.decode()


def test_only_vietnamese_is_offered():
    assert [code for code, _ in settings.LANGUAGES] == ["vi"]
    assert (settings.BASE_DIR / "locale/vi/LC_MESSAGES/django.mo").exists()


def test_the_next_step_is_named_by_the_act(login, tree, users):
    c = candidate_at(tree.CXA, Stage.DECISION, decided_by=tree.X)
    html = login(users.secretary_a).get(reverse("candidates:detail", args=[c.pk])).content.decode()
    assert "Bước tiếp theo: Tổ chức lễ kết nạp" in html and "Ghi nhận: Tổ chức lễ kết nạp" in html
    assert "Ghi nhận: Đảng viên dự bị" not in html


def test_history_names_the_person_and_the_role(login, tree, users):
    users.secretary_a.first_name, users.secretary_a.last_name = "Lan", "Hà Thị"
    users.secretary_a.save()
    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    html = login(users.district_x).get(reverse("candidates:detail", args=[c.pk])).content.decode()
    assert "Ghi bởi Hà Thị Lan, Bí thư chi bộ — Chi bộ xóm Bưng" in html
    assert "Ghi bởi sec_a" not in html


def test_the_demo_accounts_have_names_history_shows(db):
    """History names the person who recorded a step: the demo accounts have names on file."""
    from django.contrib.auth import get_user_model

    from demo.tree import seed_accounts, seed_tree
    from partydev.templatetags.partydev import who

    seed_tree()
    seed_accounts()
    secretary = get_user_model().objects.get(username="secretary")
    assert who(secretary, "Bí thư chi bộ") == "Hà Thị Lan, Bí thư chi bộ"
    secretary.first_name = "Lan Anh"  # an edited name is kept by a second seed
    secretary.save()
    seed_accounts()
    secretary.refresh_from_db()
    assert secretary.first_name == "Lan Anh"
