"""Login: lockout before the hash, password rules, session timeouts and rotation."""

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.test import Client

from partydev import middleware
from tests.fixtures import PASSWORD

from . import hashers

LOGIN = "/accounts/login/"
LIMIT = django_settings.AXES_FAILURE_LIMIT


@pytest.fixture
def counting_hasher(settings, users, django_user_model):
    settings.PASSWORD_HASHERS = ["tests.hardening.hashers.CountingHasher"]
    for user in django_user_model.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    hashers.reset()
    return hashers


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_settings_put_the_lockout_check_first():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert LIMIT == 5


def test_username_locked_out_after_limit_without_hashing(db, users, counting_hasher, client):
    for i in range(LIMIT - 1):
        assert attempt(client, "sec_a", f"wrong-{i}", ip=f"10.0.1.{i}").status_code == 200
    locking = attempt(client, "sec_a", "wrong-last", ip="10.0.1.99")
    assert locking.status_code == 429
    hashers.reset()
    # From another IP, with the right password: still refused, and no hash computed.
    started = time.perf_counter()
    refused = attempt(client, "sec_a", PASSWORD, ip="10.0.2.1")
    elapsed = time.perf_counter() - started
    assert refused.status_code == 429
    assert "Tạm khóa đăng nhập" in refused.content.decode()
    assert hashers.total() == 0, "a locked-out attempt computed a password hash"
    assert "_auth_user_id" not in client.session
    print(f"\nlockout threshold {LIMIT}; refused attempt took {elapsed * 1000:.1f} ms")
    assert elapsed < 0.25  # a real hash costs about 0.5 s here


def test_ip_locked_out_across_usernames_without_hashing(db, users, counting_hasher):
    client = Client()
    for i in range(LIMIT):
        attempt(client, f"nobody-{i}", "guess", ip="10.9.9.9")  # unknown users: one dummy hash each
    hashers.reset()
    refused = attempt(client, "sec_b", PASSWORD, ip="10.9.9.9")
    assert refused.status_code == 429
    assert hashers.total() == 0
    # Another IP and an untouched username still log in.
    ok = attempt(Client(), "sec_b", PASSWORD, ip="10.9.9.10")
    assert ok.status_code == 302


def test_unlocked_attempt_does_hash(db, users, counting_hasher, client):
    # The counter above is meaningful: an ordinary attempt computes a hash.
    attempt(client, "sec_a", "wrong")
    assert hashers.total() >= 1


def test_refused_attempt_time_against_a_real_hash(db, users, settings, client):
    """The figure for the closing note: a refused attempt against a real PBKDF2 check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for i in range(LIMIT):
        attempt(client, "dist_x", f"wrong-{i}", ip=f"10.3.0.{i}")
    timings = []
    for i in range(5):
        started = time.perf_counter()
        assert attempt(client, "dist_x", PASSWORD, ip=f"10.4.0.{i}").status_code == 429
        timings.append(time.perf_counter() - started)
    median = sorted(timings)[2]
    # Against the real hash measured in the same moment, not a fixed time: a refusal computes
    # none, so it costs less than one check of the password (whatever the machine's load).
    hashed = make_password(PASSWORD)
    checks = []
    for _ in range(5):
        started = time.perf_counter()
        check_password(PASSWORD, hashed)
        checks.append(time.perf_counter() - started)
    one_hash = sorted(checks)[2]
    print(f"\nrefused attempt: median {median * 1000:.1f} ms over 5; one PBKDF2 check {one_hash * 1000:.1f} ms")
    assert median < one_hash


@pytest.mark.parametrize(
    "password, code",
    [
        ("ngan-9x", "password_too_short"),  # under 10 characters
        ("password123", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("1234509876123", "password_entirely_numeric"),
        ("nguyenvanthanh", "password_too_similar"),
    ],
)
def test_password_rules(db, users, password, code):
    user = users.secretary_a
    user.first_name = "Nguyenvanthanh"
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, user)
    assert code in {e.code for e in refused.value.error_list}


def test_a_good_password_passes(db, users):
    password_validation.validate_password("nhanh-chong-vuot-deo-17", users.secretary_a)


def test_password_change_form_refuses_a_common_password(db, users, client):
    client.force_login(users.secretary_a)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert response.status_code == 200
    users.secretary_a.refresh_from_db()
    assert users.secretary_a.check_password(PASSWORD)


def test_session_key_rotates_on_login(db, users, client):
    client.get(LOGIN)
    client.session.save()
    anonymous_key = client.session.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = anonymous_key
    response = attempt(client, "sec_a", PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != anonymous_key
    assert client.session["_auth_user_id"] == str(users.secretary_a.pk)


def test_password_change_ends_other_sessions(db, users):
    laptop, phone = Client(), Client()
    assert attempt(laptop, "sec_a", PASSWORD).status_code == 302
    assert attempt(phone, "sec_a", PASSWORD, ip="10.0.0.2").status_code == 302
    assert phone.get("/ping/").status_code == 200
    new = "mot-mat-khau-moi-dai-42"
    response = laptop.post(
        "/accounts/password_change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert laptop.get("/ping/").status_code == 200  # the session that changed it stays
    gone = phone.get("/ping/")
    assert gone.status_code == 302 and gone.url.startswith(LOGIN)


def _age_session(client, *, login_by=0, seen_by=0):
    session = client.session
    session[middleware.LOGIN_AT] -= login_by
    session[middleware.SEEN_AT] -= seen_by
    session.save()


def test_idle_timeout(db, users, client, settings):
    client.force_login(users.secretary_a)
    assert client.get("/ping/").status_code == 200
    _age_session(client, seen_by=settings.SESSION_IDLE_TIMEOUT - 120)
    assert client.get("/ping/").status_code == 200  # still inside: the clock is refreshed
    _age_session(client, seen_by=settings.SESSION_IDLE_TIMEOUT - 120)
    assert client.get("/ping/").status_code == 200
    _age_session(client, seen_by=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/ping/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.get("/api/organizations").status_code == 403


def test_absolute_timeout_despite_activity(db, users, client, settings):
    client.force_login(users.secretary_a)
    _age_session(client, login_by=settings.SESSION_ABSOLUTE_TIMEOUT - 60)
    assert client.get("/ping/").status_code == 200
    _age_session(client, login_by=120)  # active a moment ago, but logged in too long ago
    response = client.get("/ping/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_session_cookie_settings():
    assert django_settings.SESSION_COOKIE_HTTPONLY
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_ABSOLUTE_TIMEOUT
    assert django_settings.SESSION_IDLE_TIMEOUT <= 60 * 60


def test_a_quiet_page_does_not_write_its_session(db, users, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users.secretary_a)
    client.get("/ping/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/ping/")
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []  # the idle clock is refreshed at most once a minute
