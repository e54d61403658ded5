"""Named formats that schema properties may require, with their normalisers.

Each format is a regular expression applied after normalisation (upper-case,
trimmed); the normaliser lets common spellings (``8517.12.00``) load as the
canonical form (``85171200``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

# Pakistan's NTN: seven digits and a check digit, written 1234567-8.
# HS codes: Pakistan's 8-digit PCT code (first six digits are the HS).
# GD numbers as WeBOC writes them: collectorate, type, serial, year (KPPI-HC-123456-2025),
# and a looser id for other systems' exports.
PATTERNS: dict[str, str] = {
    "ntn": r"\d{7}-\d",
    "hs_code": r"\d{6}(\d{2})?",
    "gd_number": r"[A-Z0-9][A-Z0-9-]{3,39}",
    "code": r"[A-Z0-9][A-Z0-9_.-]{0,39}",
    "country": r"[A-Z]{2}",
    "currency": r"[A-Z]{3}",
    "phone": r"\+?[0-9]{7,15}",
    "vehicle_registration": r"[A-Z]{1,4}-?[0-9]{1,5}",
    # CNIC: Pakistan's national identity card number, 12345-1234567-1.
    "cnic": r"\d{5}-\d{7}-\d",
    # An IBAN as Pakistani banks issue them: PK, 2 check digits, 4-letter bank code, 16 digits.
    "bank_account": r"PK\d{2}[A-Z]{4}\d{16}",
    # ISO 6346 container: owner code, category, serial, check digit (checked in `matches`).
    "container": r"[A-Z]{3}[UJZ]\d{7}",
}

_HUMAN = {
    "ntn": "an NTN like 1234567-8",
    "hs_code": "a 6-digit HS or 8-digit PCT code like 85171200",
    "gd_number": "a GD number like KPPI-HC-000123-2025",
    "code": "a code of letters, digits, '-', '_' or '.'",
    "country": "an ISO 3166 two-letter country code",
    "currency": "an ISO 4217 three-letter currency code like KRW",
    "phone": "a phone number of 7-15 digits",
    "vehicle_registration": "a registration like TLH-1234",
    "cnic": "a CNIC like 12345-1234567-1",
    "bank_account": "an IBAN like PK36HABB0000001123456702",
    "container": "an ISO 6346 container number with a valid check digit, like CSQU3054383",
}


# Digits as Urdu, Arabic or Hindi text writes them (۱۲۳, ١٢٣, १२३) are the
# same digits: an NTN typed in Urdu is the same NTN. Full-width forms go
# through Unicode's compatibility normalisation (NFKC).
_DIGITS = {ord(c): str(i) for base in (0x0660, 0x06F0, 0x0966, 0x09E6) for i, c in
           enumerate(map(chr, range(base, base + 10)))}


def normalise(fmt: str, values: pd.Series) -> pd.Series:
    """Canonical spelling of ``values`` for format ``fmt`` (strings in, strings out).

    >>> normalise("ntn", pd.Series(["۱۲۳۴۵۶۷-۸", "１２３４５６７８"])).tolist()
    ['1234567-8', '1234567-8']
    >>> normalise("cnic", pd.Series(["4210112345671", "42101 1234567 1"])).tolist()
    ['42101-1234567-1', '42101-1234567-1']
    """
    s = values.str.normalize("NFKC").str.translate(_DIGITS).str.strip().str.upper()
    if fmt == "hs_code":
        s = s.str.replace(".", "", regex=False).str.replace(" ", "", regex=False)
    elif fmt == "phone":
        s = s.str.replace(r"[\s()-]", "", regex=True)
    elif fmt == "vehicle_registration":
        s = s.str.replace(" ", "-", regex=False)
    elif fmt in ("bank_account", "container", "cnic"):
        s = s.str.replace(" ", "", regex=False)
    if fmt == "ntn":  # 12345678 is the same NTN as 1234567-8
        s = s.str.replace(r"^(\d{7})(\d)$", r"\1-\2", regex=True)
    elif fmt == "cnic":  # 4210112345671 is the same CNIC as 42101-1234567-1
        s = s.str.replace(r"^(\d{5})(\d{7})(\d)$", r"\1-\2-\3", regex=True)
    return s


# Identifiers an officer types in another shape than the store keeps them.
_TYPED = ("ntn", "cnic", "vehicle_registration", "phone", "hs_code", "bank_account")


def search_variants(text: str) -> list[str]:
    """``text`` and the canonical spellings it has as a typed identifier, so
    that a search finds ``TLR-80725`` from ``TLR 80725`` or ``tlr80725``, an NTN
    typed without its hyphen, or a phone in local format (0300…) kept as +92300….

    >>> search_variants("TLR 80725"), search_variants("22417087"), search_variants("0308-8573013")
    (['TLR 80725', 'TLR-80725'], ['22417087', '2241708-7'], ['0308-8573013', '03088573013', '+923088573013'])
    >>> search_variants("4210112345671")[-1]
    '42101-1234567-1'
    >>> search_variants("Ghani Star")
    ['Ghani Star']
    """
    return list(_variants(text))


@lru_cache(maxsize=4096)
def _variants(text: str) -> tuple[str, ...]:
    # Cached: a search asks it once per query and once per result (which field matched).
    out = [text]
    typed = pd.Series([text])
    for fmt in _TYPED:
        value = normalise(fmt, typed)
        if fmt == "vehicle_registration":   # TLR80725: the dash between letters and digits
            value = value.str.replace(r"^([A-Z]{1,4})([0-9]{1,5})$", r"\1-\2", regex=True)
        if bool(matches(fmt, value).iloc[0]):
            out.append(value.iloc[0])
            if fmt == "phone":   # Pakistan's local and international prefixes, as E.164
                digits = value.iloc[0].lstrip("+")
                for local in ("0092", "92", "0"):
                    if digits.startswith(local) and len(digits) - len(local) == 10:
                        out.append("+92" + digits[len(local):])
                        break
    return tuple(dict.fromkeys(out))


ISO6346_VALUES = {**{str(d): d for d in range(10)},
                  **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                             [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27,
                              28, 29, 30, 31, 32, 34, 35, 36, 37, 38]))}


def iso6346_check_digit(code10: str) -> int:
    """The ISO 6346 check digit of owner code, category and serial (10 characters).

    >>> iso6346_check_digit("CSQU305438")
    3
    """
    return sum(ISO6346_VALUES[c] * 2 ** i for i, c in enumerate(code10)) % 11 % 10


def matches(fmt: str, values: pd.Series) -> pd.Series:
    """Boolean mask: which (normalised) values have format ``fmt``."""
    ok = values.str.fullmatch(PATTERNS[fmt]).fillna(False).astype(bool)
    if fmt == "container" and ok.any():
        ok[ok] = iso6346_valid(values[ok].to_numpy(dtype=str))
    return ok


_CHAR_VALUES = np.zeros(128, dtype=np.int64)
for _c, _v in ISO6346_VALUES.items():
    _CHAR_VALUES[ord(_c)] = _v


def iso6346_valid(codes: np.ndarray) -> np.ndarray:
    """Vectorised check digits of well-formed container numbers (11 characters)."""
    chars = np.frombuffer(np.asarray(codes, dtype="S11").tobytes(), dtype=np.uint8).reshape(-1, 11)
    total = (_CHAR_VALUES[chars[:, :10]] * (2 ** np.arange(10))).sum(axis=1)
    return total % 11 % 10 == chars[:, 10] - ord("0")


def describe(fmt: str) -> str:
    return _HUMAN[fmt]
