"""Rendering a paper: the template (the office's own version if it put one in place, else the
default file in ``documents/templates_docx/``), its placeholders checked, rendered by docxtpl in a
sandboxed Jinja environment (a template is uploaded by people, so it may not reach Python)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .kinds import DocKind, placeholders_of, required_placeholders
from .models import TemplateOverride

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates_docx"


def sandbox() -> SandboxedEnvironment:
    # autoescape: a name with "<" or "&" must not break the document's XML.
    return SandboxedEnvironment(autoescape=True)


def default_template(kind: DocKind) -> bytes:
    return (DEFAULTS_DIR / f"{kind.key}.docx").read_bytes()


def current_template(kind: DocKind) -> tuple[bytes, TemplateOverride | None]:
    override = TemplateOverride.objects.filter(kind=kind.key, active=True).order_by("-id").first()
    if override is not None:
        return bytes(override.content), override
    return default_template(kind), None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def template_variables(data: bytes) -> set[str]:
    """The names a .docx template uses (top-level names only; ``item.no`` counts as ``item``,
    loop variables are not undeclared)."""
    tpl = DocxTemplate(io.BytesIO(data))
    try:
        return tpl.get_undeclared_template_variables(jinja_env=sandbox())
    except TemplateSyntaxError as e:
        raise ValidationError(f"Mẫu có lỗi cú pháp trường trộn ở dòng {e.lineno}: {e.message}.") from None


def check_placeholders(kind: DocKind, data: bytes) -> set[str]:
    used = template_variables(data)
    known = set(placeholders_of(kind))
    unknown = sorted(used - known)
    missing = sorted(set(required_placeholders(kind)) - used)
    problems = []
    if unknown:
        problems.append("trường không có trong danh mục: " + ", ".join(f"{{{{ {n} }}}}" for n in unknown))
    if missing:
        problems.append("thiếu trường bắt buộc: " + ", ".join(f"{{{{ {n} }}}}" for n in missing))
    if problems:
        raise ValidationError(f"Mẫu {kind.form} không dùng được — " + "; ".join(problems) + ".")
    return used


def render(kind: DocKind, template: bytes, context: dict) -> bytes:
    check_placeholders(kind, template)
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(context, jinja_env=sandbox())
    except SecurityError as e:
        raise ValidationError(
            f"Mẫu {kind.form} dùng thuộc tính không được phép trong trường trộn ({str(e).rstrip('.')}); đã từ chối."
        ) from None
    except Exception as e:  # any other error of an office's file: a message, not a 500
        raise ValidationError(f"Không lập được văn bản {kind.form} từ mẫu: {str(e).rstrip('.')}.") from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def sample_context(kind: DocKind) -> dict[str, object]:
    """A value for every placeholder, to try a template once before it replaces the default."""
    context: dict[str, object] = dict.fromkeys(placeholders_of(kind), "…")
    row = {
        "no": 1,
        "name": "…",
        "form": "…",
        "date": "01/01/2026",
        "full_name": "…",
        "date_of_birth": "…",
        "helper": "…",
        "since": "01/01/2026",
    }
    context.update(items=[row], rows=[row], replaces="")
    return context


def try_template(kind: DocKind, data: bytes) -> None:
    """Refuse a template that does not render (a syntax error, a forbidden attribute)."""
    render(kind, data, sample_context(kind))
