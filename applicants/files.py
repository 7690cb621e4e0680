"""Upload checks by content, never by name or browser-declared type."""

import io
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

MB = 1024 * 1024
EVIDENCE_MAX_BYTES = 5 * MB
PHOTO_MAX_BYTES = 2 * MB
SCAN_MAX_BYTES = 10 * MB


def safe_display_name(name: str) -> str:
    """The base name only, for showing the applicant what they uploaded; never used as a storage path."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base.strip(". ")[:120] or "附件"


def _read_all(upload, limit: int, label: str) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"{label}不能超过{limit // MB}MB（当前{upload.size / MB:.2f}MB）。", code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationError(f"{label}不能超过{limit // MB}MB。", code="too_large")
    if not data:
        raise ValidationError(f"{label}是空文件。", code="empty")
    return data


def validate_pdf(upload, *, limit: int = EVIDENCE_MAX_BYTES, label: str = "附件") -> None:
    """A real, complete, unencrypted PDF of at most `limit` bytes."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = _read_all(upload, limit, label)
    if not data.startswith(b"%PDF-"):
        raise ValidationError(f"{label}必须是PDF文件（该文件内容不是PDF，可能是改了扩展名的图片或文档）。",
                              code="not_pdf")
    # A truncated download loses the trailer; pypdf's lenient mode would quietly "repair" it.
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(f"{label}PDF文件不完整（可能上传中断或已损坏），请重新导出后上传。", code="broken_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(f"{label}PDF文件已加密或设置了密码，请去除密码后上传。", code="encrypted_pdf")
        if len(reader.pages) < 1:
            raise ValidationError(f"{label}PDF文件没有页面。", code="broken_pdf")
        for page in reader.pages:
            page.mediabox  # noqa: B018 — touching each page makes pypdf resolve its objects
    except ValidationError:
        raise
    except (PdfReadError, Exception) as exc:  # noqa: BLE001 — pypdf raises many types on damaged input
        raise ValidationError(f"{label}PDF文件已损坏，无法打开，请重新导出后上传。", code="broken_pdf") from exc


def validate_image(upload, *, limit: int = PHOTO_MAX_BYTES, label: str = "照片") -> str:
    """A real JPEG or PNG image; returns its format ("JPEG" or "PNG")."""
    from PIL import Image, UnidentifiedImageError

    data = _read_all(upload, limit, label)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # verify() does not decode pixels; a truncated file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"{label}必须是完整的JPEG或PNG图片。", code="not_image") from exc
    if fmt not in {"JPEG", "PNG"}:
        raise ValidationError(f"{label}只接受JPEG或PNG格式（当前为{fmt}）。", code="bad_image_format")
    return fmt


def validate_scan(upload, *, label: str = "扫描件") -> None:
    """The signed and sealed form: a PDF, or a JPEG/PNG photo of it."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        validate_pdf(upload, limit=SCAN_MAX_BYTES, label=label)
    else:
        validate_image(upload, limit=SCAN_MAX_BYTES, label=label)
