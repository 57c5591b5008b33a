"""PDF through LibreOffice headless, where it is installed (``soffice`` or ``libreoffice`` on the
PATH). The .docx stays the issued paper; the PDF is made from the stored file on each request."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def converter() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(data: bytes, timeout: int = 120) -> bytes:
    program = converter()
    if program is None:
        raise RuntimeError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="partydev-pdf-") as tmp:
        source = Path(tmp) / "paper.docx"
        source.write_bytes(data)
        # A profile of its own: two conversions at once must not share LibreOffice's user directory.
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                program,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return (Path(tmp) / "paper.pdf").read_bytes()
