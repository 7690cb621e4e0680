"""The shared PDF renderer: compact CJK faces identical to the system's, no garbage collection mid-render."""

import gc

import pytest
import weasyprint
from fontTools.ttLib import TTFont

from certification import pdf

SAMPLE = "申报书青少年科技辅导员专业水平认证，。（）：ABCxyz0123456789-"


def _face(path, number=0):
    return TTFont(path, fontNumber=number, lazy=True)


@pytest.mark.parametrize(("weight", "fc_weight"), pdf.COMPACT_CJK_WEIGHTS)
def test_compact_faces_have_the_system_faces_glyphs(weight, fc_weight):
    css = pdf.cjk_font_face_css()
    assert f"font-weight: {weight}" in css
    compact_path = pdf._compact_cjk_face(fc_weight)
    assert compact_path.as_uri() in css
    import subprocess

    found = subprocess.run(["fc-match", f"{pdf.CJK_FAMILY}:weight={fc_weight}", "--format=%{file}\n%{index}"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    system, compact = _face(found[0], int(found[1])), _face(compact_path)
    system_cmap, compact_cmap = system.getBestCmap(), compact.getBestCmap()
    # Same advances and same outlines for what the form prints: the PDF looks the same.
    for char in SAMPLE:
        ours, theirs = compact_cmap[ord(char)], system_cmap[ord(char)]
        assert compact["hmtx"][ours] == system["hmtx"][theirs], char
        compact_glyph, system_glyph = compact.getGlyphSet()[ours], system.getGlyphSet()[theirs]
        from fontTools.pens.recordingPen import RecordingPen

        pens = RecordingPen(), RecordingPen()
        compact_glyph.draw(pens[0])
        system_glyph.draw(pens[1])
        assert pens[0].value == pens[1].value, char
    # Every character of GB 2312 is there, under low glyph ids.
    assert all(point in compact_cmap for point in pdf._compact_cjk_codepoints() if point in system_cmap)
    assert compact["maxp"].numGlyphs < 20000 < system["maxp"].numGlyphs


def test_no_garbage_collection_during_a_render(monkeypatch):
    collections, rendering = [], []
    real = weasyprint.HTML.write_pdf

    def watched(self, *args, **kwargs):
        rendering.append(True)
        try:
            return real(self, *args, **kwargs)
        finally:
            rendering.pop()

    def callback(phase, info):
        if phase == "start" and rendering:
            collections.append(info["generation"])

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", watched)
    thresholds = gc.get_threshold()
    gc.callbacks.append(callback)
    gc.set_threshold(10)  # a collection every few allocations, were the collector running
    try:
        content = pdf.html_to_pdf(html="<table>" + "<tr><td>申报书</td><td>认证</td></tr>" * 50 + "</table>")
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(callback)
    assert content.startswith(b"%PDF-") and collections == [] and gc.isenabled()
