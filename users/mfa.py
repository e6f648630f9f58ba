"""allauth's two-factor set-up with the site's one QR-code library: the code an
authenticator app scans is drawn by segno, as the certificates' is
(courses/pdf.py), so allauth's optional qrcode package is not installed."""

import io

import segno
from allauth.mfa.adapter import DefaultMFAAdapter


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url: str) -> str:
        """The otpauth:// address as a standalone SVG (allauth shows it as an
        image from a data: URI, so it keeps its namespace)."""
        buffer = io.BytesIO()
        segno.make(url, error="m").save(
            buffer, kind="svg", scale=4, light="white", xmldecl=False, nl=False
        )
        return buffer.getvalue().decode()
