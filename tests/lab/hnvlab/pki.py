"""Certificates for certificate authentication in the VPN lab, made with the
openssl command: a CA per tenant, and end-entity certificates with an EC
P-256 key, a CN and an IP subjectAltName, valid for a month from now.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise LabError(f"openssl {' '.join(args[:2])} failed ({done.returncode}): {done.stderr}")


@dataclass
class Issued:
    cert: str  # PEM
    key: str   # PEM, unencrypted
    serial: int = 0
    subject: str = ""  # "/CN=..."


class CertificateAuthority:
    def __init__(self, directory: Path, name: str) -> None:
        self.dir, self.name = directory, name
        directory.mkdir(parents=True, exist_ok=True)
        self.key_path, self.cert_path = directory / f"{name}.key", directory / f"{name}.pem"
        _openssl("req", "-x509", *_EC, "-keyout", str(self.key_path), "-out", str(self.cert_path), "-days", "30",
                 "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.cert = self.cert_path.read_text()

    def issue(self, cn: str, ip: str, *, tag: str = "") -> Issued:
        """A certificate for subject CN=cn with subjectAltName IP:ip."""
        base = self.dir / f"{cn}{tag}-by-{self.name}"
        key, csr, cert, ext = (base.with_suffix(s) for s in (".key", ".csr", ".pem", ".ext"))
        ext.write_text(f"subjectAltName=IP:{ip}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n")
        _openssl("req", "-new", *_EC, "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={cn}")
        serial = secrets.randbits(62) | 1 << 61
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(self.cert_path), "-CAkey", str(self.key_path),
                 "-set_serial", str(serial), "-days", "30", "-extfile", str(ext), "-out", str(cert))
        return Issued(cert.read_text(), key.read_text(), serial, f"/CN={cn}")

    def issue_expired(self, cn: str, ip: str) -> Issued:
        """Like issue(), but valid only during January 2025: expired. `openssl x509 -req`
        cannot back-date a certificate; `openssl ca` takes -startdate and -enddate."""
        base = self.dir / f"{cn}-expired-by-{self.name}"
        key, csr, cert, ext = (base.with_suffix(s) for s in (".key", ".csr", ".pem", ".ext"))
        ext.write_text(f"subjectAltName=IP:{ip}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n")
        _openssl("req", "-new", *_EC, "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={cn}")
        db = self.dir / f"{self.name}-expired"
        db.mkdir(exist_ok=True)
        (db / "index.txt").write_text("")
        serial = secrets.randbits(62) | 1 << 61
        (db / "serial").write_text(f"{serial:X}\n")
        conf = db / "ca.cnf"
        conf.write_text(f"[ca]\ndefault_ca = old\n[old]\ndatabase = {db}/index.txt\nserial = {db}/serial\n"
                        f"new_certs_dir = {db}\ndefault_md = sha256\npolicy = any\n"
                        "unique_subject = no\n[any]\ncommonName = supplied\n")
        _openssl("ca", "-batch", "-notext", "-config", str(conf), "-keyfile", str(self.key_path),
                 "-cert", str(self.cert_path), "-in", str(csr), "-startdate", "20250101000000Z",
                 "-enddate", "20250131000000Z", "-extfile", str(ext), "-out", str(cert))
        return Issued(cert.read_text(), key.read_text(), serial, f"/CN={cn}")

    def revocation_list(self, revoked: list[Issued], *, days: int = 7) -> str:
        """A CRL (PEM) of this CA naming `revoked`, made by `openssl ca -gencrl` from an
        index file written for it; each call makes a new list (a higher CRL number)."""
        db = self.dir / f"{self.name}-crl"
        db.mkdir(exist_ok=True)
        when = "250101000000Z"  # revoked on 2025-01-01; the expiry column is not used for a CRL
        (db / "index.txt").write_text("".join(
            f"R\t{when}\t{when}\t{i.serial:X}\tunknown\t{i.subject}\n" for i in revoked))
        number = db / "crlnumber"
        if not number.exists():
            number.write_text("01\n")
        conf = db / "ca.cnf"
        conf.write_text(f"[ca]\ndefault_ca = crl\n[crl]\ndatabase = {db}/index.txt\ncrlnumber = {number}\n"
                        f"default_md = sha256\ndefault_crl_days = {days}\ncrl_extensions = ext\n"
                        "[ext]\nauthorityKeyIdentifier = keyid:always\n")
        out = db / "crl.pem"
        _openssl("ca", "-gencrl", "-config", str(conf), "-keyfile", str(self.key_path), "-cert", str(self.cert_path),
                 "-out", str(out))
        return out.read_text()
