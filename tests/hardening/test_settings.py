"""Deployment settings and security headers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "t3st-" + "".join(chr(0x41 + (i * 7) % 26) + str(i % 10) for i in range(30))


def run(code_or_args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ENV", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.update(env)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


PRODUCTION = {"DJANGO_ENV": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "partydev.example.vn"}


def test_production_passes_the_deploy_check_with_zero_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_development_settings_would_fail_it():
    # The check is not vacuous: the development defaults are refused.
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode != 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run("import django; django.setup()", DJANGO_SETTINGS_MODULE="partydev.settings", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_production_values():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG','SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS','SESSION_COOKIE_SECURE',"
        "'CSRF_COOKIE_SECURE','SECURE_SSL_REDIRECT','X_FRAME_OPTIONS','SECURE_REFERRER_POLICY',"
        "'SILENCED_SYSTEM_CHECKS']}))"
    )
    result = run(code, DJANGO_SETTINGS_MODULE="partydev.settings", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # Every silenced check is explained in the README.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for check in values["SILENCED_SYSTEM_CHECKS"]:
        assert f"`{check}`" in readme


def test_secret_key_is_read_from_the_environment_only():
    source = (ROOT / "partydev" / "settings.py").read_text(encoding="utf-8")
    assert 'SECRET_KEY = env("SECRET_KEY")' in source


def test_security_headers_on_a_page(db, users, client):
    client.force_login(users.secretary_a)
    response = client.get("/ping/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_hsts_header_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


TEMPLATE_DIRS = [
    ROOT / "templates",
    *(ROOT / app / "templates" for app in ["partydev", "organizations", "members", "candidates", "reports"]),
]


def test_templates_have_no_inline_script_or_style():
    import re

    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html") if folder.exists() else []:
            text = path.read_text(encoding="utf-8")
            for pattern in (
                r"<script(?![^>]*\bsrc=)[^>]*>",
                r"\sstyle\s*=",
                r"<style\b",
                r"\son[a-z]+\s*=\s*[\"']",
                r"javascript:",
            ):
                for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                    line = text.count("\n", 0, match.start()) + 1
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert offenders == [], "inline script or style is blocked by the Content Security Policy"
