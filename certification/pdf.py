"""PDF rendering and private-file responses shared by every app."""

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse
from django.template.loader import render_to_string


def render_pdf(*, template: str, context: dict, request=None) -> bytes:
    """Render a Django template to PDF with WeasyPrint. Fonts come from the system (fonts-noto-cjk)."""
    html = render_to_string(template, context, request=request)
    return html_to_pdf(html=html, base_url=request.build_absolute_uri("/") if request else None)


def html_to_pdf(*, html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


# What a stored file is served as: decided from its first bytes (the upload check's verdict), never its name.
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG by its first bytes; None for anything else."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def private_file_response(fieldfile, *, download_name: str | None = None, as_attachment: bool = True):
    """Stream a stored file after the caller has checked permission. Media is never served by URL.

    The Content-Type is the one the content shows (PDF, PNG or JPEG), whatever the uploaded name said; the
    download name gets the matching extension if its own does not match. Anything else is an attachment of
    type application/octet-stream, never shown inline.
    """
    name = download_name or PurePosixPath(fieldfile.name).name
    handle = fieldfile.open("rb")
    head = handle.read(16)
    handle.seek(0)
    sniffed = sniff_type(head)
    if sniffed is None:
        content_type, as_attachment = "application/octet-stream", True
    else:
        content_type, extension = sniffed
        if mimetypes.guess_type(name)[0] != content_type:
            name = f"{name}{extension}"
    response = FileResponse(handle, as_attachment=as_attachment, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
