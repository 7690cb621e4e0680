"""Upload checks by content, never by name or browser-declared type."""

import io
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

MB = 1024 * 1024
EVIDENCE_MAX_BYTES = 5 * MB
PHOTO_MAX_BYTES = 2 * MB
SCAN_MAX_BYTES = 10 * MB

# Pixel caps, checked from the image header before any pixel is decoded (a 700 KB PNG can hold 10,000 × 10,000
# pixels: 400 MB once decoded). A photo larger than a phone camera's is not a 1-inch photo; a scan of an A4 form
# at 600 dpi is 4,961 × 7,016 (34.8 million pixels).
PHOTO_MAX_PIXELS = 4000 * 4000
SCAN_MAX_PIXELS = 40_000_000
# The 1-inch photo as the form prints it: 25 × 35 mm at 300 dpi.
PHOTO_PRINT_SIZE = (295, 413)
DISPLAY_NAME_MAX = 120

def safe_display_name(name: str) -> str:
    """The base name only, for showing the applicant what they uploaded; never used as a storage path.

    A long name is shortened in its stem: the extension stays (it tells the downloader what the file is).
    """
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    if len(base) > DISPLAY_NAME_MAX:
        suffix = PurePosixPath(base).suffix
        suffix = suffix if 1 < len(suffix) <= 10 else ""
        base = base[:DISPLAY_NAME_MAX - len(suffix)].rstrip(". ") + suffix
    return base or "附件"


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
        active = _pdf_active_content(reader)
    except ValidationError:
        raise
    except (PdfReadError, Exception) as exc:  # noqa: BLE001 — pypdf raises many types on damaged input
        raise ValidationError(f"{label}PDF文件已损坏，无法打开，请重新导出后上传。", code="broken_pdf") from exc
    if active:
        raise ValidationError(
            f"{label}PDF文件含有脚本或打开时自动执行的动作（{active}），出于安全考虑不予接收。"
            "请用“打印为PDF”或扫描软件重新生成不含脚本的PDF后上传。", code="pdf_script")


# Keys and action types by which a PDF runs something when opened or viewed.
_PDF_ACTIVE_KEYS = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/AA": "自动动作", "/OpenAction": "打开动作"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "启动程序", "/ImportData": "导入数据",
                       "/SubmitForm": "提交表单", "/Rendition": "媒体脚本"}
_PDF_WALK_LIMIT = 50_000


def _pdf_active_content(reader) -> str:
    """What in the document would run by itself: '' if nothing. Walks every object reachable from the trailer
    (the catalogue's /OpenAction and /AA, the /Names /JavaScript tree, pages, annotations and form fields).

    An /OpenAction that only opens a page view (an array destination, or a /GoTo action) is harmless and kept.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _PDF_WALK_LIMIT:
            return "对象过多，无法检查"
        if isinstance(obj, DictionaryObject):
            action = obj.get("/S")
            if isinstance(action, NameObject) and action in _PDF_ACTIVE_ACTIONS:
                return _PDF_ACTIVE_ACTIONS[action]
            for name, what in _PDF_ACTIVE_KEYS.items():
                if name not in obj:
                    continue
                if name == "/OpenAction":
                    target = obj[name].get_object()
                    if isinstance(target, ArrayObject) or (
                            isinstance(target, DictionaryObject) and target.get("/S") == "/GoTo"):
                        continue
                return what
            stack.extend(v for k, v in obj.items() if k not in ("/Parent", "/P"))
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return ""


def _pixel_cap_message(label: str, size: tuple[int, int] | None, max_pixels: int) -> str:
    actual = f"（{size[0]}×{size[1]}像素）" if size else ""
    side = int(max_pixels ** 0.5)
    return (f"{label}图片像素尺寸过大{actual}，最大允许{max_pixels // 10_000}万像素（如{side}×{side}）。"
            "请缩小图片后重新上传。")


def validate_image(upload, *, limit: int = PHOTO_MAX_BYTES, label: str = "照片",
                   max_pixels: int = PHOTO_MAX_PIXELS) -> str:
    """A real JPEG or PNG image of at most `max_pixels` pixels; returns its format ("JPEG" or "PNG").

    The size is read from the header first: an oversized image is refused before a single pixel is decoded.
    """
    from PIL import Image, UnidentifiedImageError

    data = _read_all(upload, limit, label)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, size = img.format, img.size
            if size[0] * size[1] > max_pixels:
                raise ValidationError(_pixel_cap_message(label, size, max_pixels), code="too_many_pixels")
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # verify() does not decode pixels; a truncated file fails here
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses to even open it (far beyond Image.MAX_IMAGE_PIXELS, set in ApplicantsConfig).
        raise ValidationError(_pixel_cap_message(label, None, max_pixels), code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"{label}必须是完整的JPEG或PNG图片。", code="not_image") from exc
    if fmt not in {"JPEG", "PNG"}:
        raise ValidationError(f"{label}只接受JPEG或PNG格式（当前为{fmt}）。", code="bad_image_format")
    return fmt


def photo_for_print(upload, *, label: str = "照片"):
    """Check the photo, then re-encode it as the form prints it: upright, 25 × 35 mm at 300 dpi, cropped to
    that shape from the centre as the form shows it, JPEG without metadata. Returns a file to store."""
    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps

    validate_image(upload, label=label)
    upload.seek(0)
    with Image.open(upload) as img:
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            background = Image.new("RGB", img.size, (255, 255, 255))
            background.paste(img, mask=img.getchannel("A"))
            img = background
        else:
            img = img.convert("RGB")
        if img.width > PHOTO_PRINT_SIZE[0] or img.height > PHOTO_PRINT_SIZE[1]:
            img = ImageOps.fit(img, PHOTO_PRINT_SIZE, method=Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=90, optimize=True, dpi=(300, 300))
    upload.seek(0)
    return ContentFile(out.getvalue(), name="photo.jpg")


def validate_scan(upload, *, label: str = "扫描件") -> None:
    """The signed and sealed form: a PDF, or a JPEG/PNG photo of it."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        validate_pdf(upload, limit=SCAN_MAX_BYTES, label=label)
    else:
        validate_image(upload, limit=SCAN_MAX_BYTES, label=label, max_pixels=SCAN_MAX_PIXELS)
