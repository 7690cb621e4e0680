"""The certificate PDF: HTML from a template, WeasyPrint (fonts subset), then the PAdES signature.

Images are inlined as data URIs (photo, seals, the QR code), so rendering needs no URL fetching at all.
"""

import base64
import functools
import io
import math
import subprocess

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from . import signing
from .credentials import verify_url

TEMPLATE = "certificates/certificate_pdf.html"


def _data_uri(data: bytes) -> str:
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _read(name: str) -> bytes | None:
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as f:
            return f.read()
    except (FileNotFoundError, OSError):
        return None


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=1, dark="#222")


def certificate_context(certificate) -> dict:
    from applicants.models import ApplicantProfile
    from certification.models import Authority

    from .models import AuthoritySeal

    profile = ApplicantProfile.objects.filter(user_id=certificate.holder_id).only("photo").first()
    photo = _read(profile.photo.name) if profile and profile.photo else None
    authorities = {a.name: a for a in Authority.objects.filter(name__in=certificate.issuers)}
    seals = {s.authority_id: s for s in AuthoritySeal.objects.filter(authority__in=authorities.values())}
    issuers = []
    for name in certificate.issuers:
        a = authorities.get(name)
        seal = seals.get(a.pk) if a else None
        data = _read(seal.image.name) if seal else None
        issuers.append({"name": name, "seal": _data_uri(data) if data else ""})
    url = verify_url(certificate)
    return {"c": certificate, "photo": _data_uri(photo) if photo else "", "issuers": issuers,
            "qr": qr_data_uri(url), "verify_url": url}


def certificate_html(certificate) -> str:
    return render_to_string(TEMPLATE, certificate_context(certificate))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def certificate_pdf(certificate) -> bytes:
    return signing.sign_pdf(html_to_pdf(certificate_html(certificate)),
                            reason=f"{certificate.issuer_text}签发证书 {certificate.number}")


# --- demo seal ------------------------------------------------------------------------------------------

@functools.cache
def _cjk_font_path() -> str | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", "Noto Serif CJK SC:bold"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        return out or None
    except (OSError, subprocess.SubprocessError):
        return None


def demo_seal_png(name: str, size: int = 360) -> bytes:
    """A red round seal with the authority's name around a star, drawn with Pillow (demo only)."""
    from PIL import Image, ImageDraw, ImageFont

    red = (200, 22, 29, 235)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = size / 2
    d.ellipse([8, 8, size - 8, size - 8], outline=red, width=max(6, size // 40))
    r = size * 0.16
    star = [(c + (r if i % 2 == 0 else r * 0.38) * math.sin(i * math.pi / 5),
             c - (r if i % 2 == 0 else r * 0.38) * math.cos(i * math.pi / 5)) for i in range(10)]
    d.polygon(star, fill=red)
    path = _cjk_font_path()
    text = name[:16]
    font_size = int(size * 0.10)
    font = ImageFont.truetype(path, font_size) if path else ImageFont.load_default()
    spread = min(260.0, 18.0 * len(text))  # degrees of arc the text takes, centred on the top
    radius = size / 2 - 8 - font_size * 0.95
    for i, ch in enumerate(text):
        angle = -spread / 2 + (spread * (i + 0.5) / len(text))
        glyph = Image.new("RGBA", (font_size * 2, font_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font_size, font_size), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
        x = c + radius * math.sin(math.radians(angle)) - font_size
        y = c - radius * math.cos(math.radians(angle)) - font_size
        img.alpha_composite(glyph, (int(x), int(y)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
