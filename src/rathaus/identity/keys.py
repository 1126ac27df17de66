"""The SP key pair of a municipality: generated once, the private key stored only encrypted
(Fernet, key derived from RATHAUS_IDENTITY_KEY_SECRET or else SECRET_KEY), never shown again.

xmlsec1 reads keys from files, so :func:`key_files` writes them for the duration of one SAML
operation into a private temporary folder (mode 0700) and removes them afterwards.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings


def _fernet() -> Fernet:
    secret = getattr(settings, "RATHAUS_IDENTITY_KEY_SECRET", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"rathaus.identity.sp-key:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def generate(common_name: str) -> tuple[str, bytes]:
    """A new RSA-3072 key and a self-signed certificate (10 years): (certificate PEM, encrypted key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), encrypt(pem_key)


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet().decrypt(bytes(token))


def cert_body(pem: str) -> str:
    """The base64 body of a PEM certificate (as metadata and xmlsec want it)."""
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


@contextmanager
def key_files(cert_pem: str, key_encrypted: bytes) -> Iterator[tuple[str, str]]:
    folder = tempfile.mkdtemp(prefix="rathaus-saml-")
    try:
        os.chmod(folder, 0o700)
        key_path, cert_path = os.path.join(folder, "sp.key"), os.path.join(folder, "sp.crt")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(decrypt(key_encrypted))
        with open(cert_path, "w") as fh:
            fh.write(cert_pem)
        yield key_path, cert_path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
