"""PDF through LibreOffice headless, where it is installed (``soffice`` or ``libreoffice`` on the
PATH). The .docx stays the issued paper; the PDF is made from the stored file on each request."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def converter() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf_many(files: dict[str, bytes], timeout: int = 300) -> dict[str, bytes]:
    """Convert several .docx (name → bytes) in one LibreOffice run; name → PDF bytes."""
    program = converter()
    if program is None:
        raise OSError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="partydev-pdf-") as tmp:
        sources = []
        for name, data in files.items():
            source = Path(tmp) / f"{name}.docx"
            source.write_bytes(data)
            sources.append(str(source))
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
                *sources,
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return {name: (Path(tmp) / f"{name}.pdf").read_bytes() for name in files}


def docx_to_pdf(data: bytes, timeout: int = 120) -> bytes:
    return docx_to_pdf_many({"paper": data}, timeout=timeout)["paper"]
