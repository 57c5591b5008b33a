import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from organizations.models import Role

pytestmark = pytest.mark.django_db


def test_create_scoped_user(tree):
    call_command(
        "create_scoped_user", "newstaff", role="district_staff", org=tree.X.code, password="a-long-pass-phrase-42"
    )
    user = get_user_model().objects.get(username="newstaff")
    assert user.check_password("a-long-pass-phrase-42")
    assert list(Role.objects.filter(user=user).values_list("kind", "organization__code")) == [
        ("district_staff", tree.X.code)
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"role": "emperor", "org": "T.X"}, "Vai trò không hợp lệ"),
        ({"role": "district_staff", "org": "NOPE"}, "Không có tổ chức"),
        ({"role": "district_staff", "org": "T.X", "password": "123"}, "Mật khẩu không đạt"),
    ],
)
def test_create_scoped_user_rejects_bad_input(tree, kwargs, message):
    kwargs.setdefault("password", "a-long-pass-phrase-42")
    with pytest.raises(CommandError, match=message):
        call_command("create_scoped_user", "bad", **kwargs)
    assert not get_user_model().objects.filter(username="bad").exists()
