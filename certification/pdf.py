"""PDF rendering and private-file responses shared by every app."""

import contextlib
import gc
import hashlib
import logging
import mimetypes
import os
import subprocess
import tempfile
import threading
from pathlib import Path, PurePosixPath

from django.http import FileResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_pdf(*, template: str, context: dict, request=None) -> bytes:
    """Render a Django template to PDF with WeasyPrint. Fonts come from the system (fonts-noto-cjk)."""
    html = render_to_string(template, context, request=request)
    return html_to_pdf(html=html, base_url=request.build_absolute_uri("/") if request else None)


# --- the compact CJK faces --------------------------------------------------------------------------------------
# The system's Noto Sans CJK is a collection of 65,535 glyphs per face, and WeasyPrint subsets each face it embeds for
# every PDF with the glyph ids kept, i.e. up to the highest id used (~63,000 for simplified Chinese): a tenth of a
# form's render and half its size. A copy of the same faces cut down to GB 2312 plus Latin and punctuation (HarfBuzz,
# once per machine, a quarter second) has the same outlines and metrics under low ids, so the PDF looks exactly the
# same. A character outside it falls back to the full system face, and without HarfBuzz-subset or fontconfig the
# forms use the system face alone: slower, never different.
CJK_FAMILY = "Noto Sans CJK SC"
COMPACT_CJK_FAMILY = "Noto Sans CJK SC Form"
COMPACT_CJK_VERSION = "1"  # part of the cached file's name: bump when the character set changes
COMPACT_CJK_WEIGHTS = (("normal", "regular"), ("bold", "bold"))
_compact_lock = threading.Lock()
_compact_css: str | None = None


def cjk_font_face_css() -> str:
    """@font-face rules of the compact faces (family COMPACT_CJK_FAMILY), built on first use; "" if they cannot be."""
    global _compact_css
    with _compact_lock:
        if _compact_css is None:
            try:
                rules = [f'@font-face {{ font-family: "{COMPACT_CJK_FAMILY}"; font-weight: {weight}; '
                         f'src: url("{_compact_cjk_face(fc_weight).as_uri()}"); }}'
                         for weight, fc_weight in COMPACT_CJK_WEIGHTS]
                _compact_css = "\n".join(rules)
            except Exception:  # noqa: BLE001 - any failure leaves the (slower, same-looking) system face
                logger.warning("compact CJK faces unavailable; PDFs use the full system font", exc_info=True)
                _compact_css = ""
        return _compact_css


def _compact_cjk_codepoints() -> list[int]:
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180)) | set(range(0x2000, 0x2070))
    points |= set(range(0x2460, 0x2500)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(points)


def _compact_cjk_face(fc_weight: str) -> Path:
    """The compact face's file in the temporary folder, cut from the system face fontconfig picks for this weight."""
    found = subprocess.run(["fc-match", f"{CJK_FAMILY}:weight={fc_weight}", "--format=%{file}\n%{index}\n%{family}"],
                           capture_output=True, text=True, check=True, timeout=10).stdout.splitlines()
    source, index, family = Path(found[0]), int(found[1]), found[2]
    if CJK_FAMILY not in family.split(","):
        raise LookupError(f"fontconfig has no {CJK_FAMILY} ({fc_weight}): {family}")
    stat = source.stat()
    key = hashlib.sha256(f"{source}:{index}:{stat.st_size}:{stat.st_mtime_ns}:{COMPACT_CJK_VERSION}".encode())
    target = Path(tempfile.gettempdir()) / "kjfdy-fonts" / f"{fc_weight}-{key.hexdigest()[:16]}.otf"
    if not target.exists():
        data = _harfbuzz_subset(source, index, _compact_cjk_codepoints())
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, target)  # several workers may build it at once: each file appears whole
    return target


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


def _harfbuzz_subset(source: Path, index: int, codepoints: list[int]) -> bytes:
    """The face `index` of `source` with only these characters (and what its layout tables reach from them)."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    hb, hb_subset = ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file_or_fail(str(source).encode())
    if blob == ffi.NULL:
        raise OSError(f"HarfBuzz cannot read {source}")
    face = hb.hb_face_create(blob, index)
    subset_input = hb_subset.hb_subset_input_create_or_fail()
    try:
        unicodes = hb_subset.hb_subset_input_unicode_set(subset_input)
        for point in codepoints:
            hb.hb_set_add(unicodes, point)
        result = hb_subset.hb_subset_or_fail(face, subset_input)
        if result == ffi.NULL:
            raise OSError(f"HarfBuzz cannot subset {source}")
        result_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = ffi.buffer(hb.hb_blob_get_data(result_blob, length), length[0])[:]
        hb.hb_blob_destroy(result_blob)
        hb.hb_face_destroy(result)
    finally:
        hb_subset.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    if data[:4] not in (b"OTTO", b"\x00\x01\x00\x00"):
        raise OSError(f"HarfBuzz made no font of {source}")
    return data


_render_lock = threading.Lock()
_font_config = None


def html_to_pdf(*, html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    # One font configuration per process: fontconfig reads the @font-face files (the compact CJK faces) once, not
    # for every document. Its font map is not thread-safe, so renders in one process take turns (each holds the GIL
    # anyway).
    with _render_lock, gc_paused():
        if _font_config is None:
            _font_config = FontConfiguration()
        return HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config)


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection while WeasyPrint lays out a document.

    A render keeps hundreds of thousands of boxes alive until it ends; their promotion to the oldest generation
    triggered full collections of the whole worker's heap in the middle of a render (a quarter of a 申报书's
    time). Reference counting still frees memory meanwhile, and the render's own cycles are young when the
    collector resumes, so they go in a young-generation pass instead of a full one.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
