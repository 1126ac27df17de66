"""Debian's SimpleSAMLphp as a real SAML IdP for the tests: ``php -S`` on its www folder with a
config folder written into a temporary directory (exampleauth users with OID-named attributes,
AuthnContextClassRef STORK-QAA-Level-3/4 set per user by a core:PHP filter, assertions signed and
encrypted for the SP)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .idp import make_keypair

WWW = Path("/usr/share/simplesamlphp/www")
PORTS = range(18100, 18200)

USERS = {
    "erika": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bPK2-SSP-Erika-0001",
        "urn:oid:2.5.4.42": "Erika",
        "urn:oid:2.5.4.4": "Gabler",
        "urn:oid:1.2.40.0.10.2.1.1.55": "1971-04-23",
        "urn:oid:2.5.4.16": "Rahnestraße 4",
        "urn:oid:2.5.4.17": "06712",
        "urn:oid:2.5.4.7": "Zeitz",
        "urn:oid:0.9.2342.19200300.100.1.3": "erika.gabler@example.org",
        "qaa": "STORK-QAA-Level-4",
    },
    "max": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bPK2-SSP-Max-0002",
        "urn:oid:2.5.4.42": "Max",
        "urn:oid:2.5.4.4": "Basis",
        "qaa": "STORK-QAA-Level-3",
    },
}
PASSWORD = "geheim-2026"


def _php(value: object) -> str:
    if isinstance(value, dict):
        return "[" + ", ".join(f"{_php(k)} => {_php(v)}" for k, v in value.items()) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(_php(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18100-18199")


def available() -> str:
    """'' when SimpleSAMLphp can run here, else why not."""
    if not shutil.which("php"):
        return "php-cli is not installed (apt-get install php-cli)"
    if not (WWW / "index.php").exists():
        return "SimpleSAMLphp is not installed (apt-get install simplesamlphp)"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    if "dom" not in modules:
        return "php-xml is not installed (apt-get install php-xml): SimpleSAMLphp needs DOMDocument"
    return ""


class SimpleSamlPhp:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.entity_id = f"{self.base}saml2/idp/metadata.php"
        self.process: subprocess.Popen[bytes] | None = None
        for sub in ("config", "metadata", "cert", "log", "data", "tmp", "sessions"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        cert, key = make_keypair("SimpleSAMLphp Test-IdP")
        (folder / "cert" / "idp.crt").write_text(cert)
        (folder / "cert" / "idp.key").write_text(key)
        self._write_config()

    def _write_config(self) -> None:
        f = self.folder
        config = {
            "baseurlpath": self.base,
            "certdir": f"{f}/cert/",
            "loggingdir": f"{f}/log/",
            "datadir": f"{f}/data/",
            "tempdir": f"{f}/tmp/",  # noqa: S108 (inside the pytest tmp folder)
            "metadatadir": f"{f}/metadata/",
            "metadata.sources": [{"type": "flatfile", "directory": f"{f}/metadata"}],
            "technicalcontact_name": "Rathaus Tests",
            "technicalcontact_email": "tests@example.org",
            "timezone": "Europe/Berlin",
            "secretsalt": "rathaus-test-salt-0123456789abcdef",
            "auth.adminpassword": "admin-nur-im-test",
            "admin.protectindexpage": False,
            "admin.protectmetadata": False,
            "showerrors": True,
            "errorreporting": False,
            "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log",
            "enable.saml20-idp": True,
            "module.enable": {"exampleauth": True, "core": True, "saml": True, "admin": True},
            "session.cookie.secure": False,
            "session.phpsession.savepath": f"{f}/sessions",
            "store.type": "phpsession",
            "language.available": ["en", "de"],
            "language.default": "de",
        }
        (f / "config" / "config.php").write_text(
            "<?php\n$config = " + _php(config) + ";\n$config['logging.level'] = SimpleSAML\\Logger::DEBUG;\n"
        )
        users = {f"{name}:{PASSWORD}": {k: [v] for k, v in attrs.items()} for name, attrs in USERS.items()}
        sources = {"admin": ["core:AdminPassword"], "example-userpass": {0: "exampleauth:UserPass", **users}}
        (f / "config" / "authsources.php").write_text("<?php\n$config = " + _php(sources) + ";\n")
        code = "$state['saml:AuthnContextClassRef'] = $attributes['qaa'][0]; unset($attributes['qaa']);"
        idp = {
            "host": "__DEFAULT__",
            "privatekey": "idp.key",
            "certificate": "idp.crt",
            "auth": "example-userpass",
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
            "saml20.sign.assertion": True,
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "authproc": {90: {"class": "core:PHP", "code": code}},
        }
        (f / "metadata" / "saml20-idp-hosted.php").write_text(
            "<?php\n$metadata[" + _php(self.entity_id) + "] = " + _php(idp) + ";\n"
        )
        (f / "metadata" / "saml20-sp-remote.php").write_text("<?php\n")

    def trust_sp(self, entity_id: str, acs: str, slo: str, certificate_pem: str) -> None:
        """The SP metadata of the test municipality (AuthnRequests must be signed; assertions
        are signed and encrypted for it)."""
        body = "".join(line for line in certificate_pem.strip().splitlines() if "-----" not in line)
        sp = {
            "AssertionConsumerService": acs,
            "SingleLogoutService": slo,
            "certData": body,
            "validate.authnrequest": True,
            "assertion.encryption": True,
            "saml20.sign.assertion": True,
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        }
        (self.folder / "metadata" / "saml20-sp-remote.php").write_text(
            "<?php\n$metadata[" + _php(entity_id) + "] = " + _php(sp) + ";\n"
        )

    def start(self) -> None:
        env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(self.folder / "config")}
        self.process = subprocess.Popen(
            [
                "php",
                "-d",
                f"session.save_path={self.folder}/sessions",
                "-S",
                f"127.0.0.1:{self.port}",
                "-t",
                str(WWW),
            ],
            env=env,
            stdout=(self.folder / "log" / "php-server.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.entity_id, timeout=2) as r:  # noqa: S310 (our own http IdP)
                    if r.status == 200 and b"IDPSSODescriptor" in r.read():
                        return
                    break
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SimpleSAMLphp did not start: {self.log()}")

    def metadata(self) -> str:
        with urllib.request.urlopen(self.entity_id, timeout=5) as r:  # noqa: S310 (our own http IdP)
            return r.read().decode()

    def log(self) -> str:
        out = []
        for p in (self.folder / "log").glob("*"):
            out.append(p.read_text(errors="replace")[-4000:])
        return "\n".join(out)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
