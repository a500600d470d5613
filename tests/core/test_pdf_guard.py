"""A PDF (the committee pack, a convention's report) reads the DSFR's fonts and nothing else, however the URL is written."""

import pytest

from core import pdf


@pytest.fixture
def fonts(app):
    with app.app_context():
        return pdf.fonts_dir().resolve()


def test_a_font_of_the_dsfr_may_be_read(fonts):
    font = next(fonts.rglob("*.woff2"))
    assert pdf.font_url(font.as_uri(), fonts) == font.as_uri()
    # Written with harmless encoded characters, it is still the same file once decoded.
    assert pdf.font_url(font.as_uri().replace("/fonts/", "/%66onts/"), fonts) == font.as_uri()


@pytest.mark.parametrize("tail", [
    "../../../../../../etc/passwd",
    "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    ".%2e/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd",
])
def test_a_path_out_of_the_fonts_folder_is_refused_however_it_is_encoded(fonts, tail):
    with pytest.raises(ValueError, match="not allowed"):
        pdf.font_url(fonts.as_uri() + "/" + tail, fonts)


@pytest.mark.parametrize("url", ["http://example.org/x.woff2", "file://attacker.example/etc/passwd", "data:,x"])
def test_another_scheme_or_host_is_refused(fonts, url):
    with pytest.raises(ValueError, match="not allowed"):
        pdf.font_url(url, fonts)

