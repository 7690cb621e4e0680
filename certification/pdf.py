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


def private_file_response(fieldfile, *, download_name: str | None = None, as_attachment: bool = True):
    """Stream a stored file after the caller has checked permission. Media is never served by URL."""
    name = download_name or PurePosixPath(fieldfile.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(fieldfile.open("rb"), as_attachment=as_attachment, filename=name,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
