from typing import Any

from django.core.management.base import BaseCommand

from documents.default_templates import build_all
from documents.render import DEFAULTS_DIR


class Command(BaseCommand):
    help = "Write the default .docx templates of documents/ to documents/templates_docx/."

    def handle(self, *args: Any, **options: Any) -> None:
        DEFAULTS_DIR.mkdir(exist_ok=True)
        for key, data in build_all().items():
            (DEFAULTS_DIR / f"{key}.docx").write_bytes(data)
            self.stdout.write(f"{key}.docx")
