"""Named formats that schema properties may require, with their normalisers.

Each format is a regular expression applied after normalisation (upper-case,
trimmed); the normaliser lets common spellings (``8517.12.00``) load as the
canonical form (``85171200``).
"""
from __future__ import annotations

import re

import pandas as pd

# Pakistan's NTN: seven digits and a check digit, written 1234567-8.
# HS codes: Pakistan's 8-digit PCT code (first six digits are the HS).
# GD numbers as WeBOC writes them: collectorate, type, serial, year (KPPI-HC-123456-2025),
# and a looser id for other systems' exports.
PATTERNS: dict[str, str] = {
    "ntn": r"\d{7}-\d",
    "hs_code": r"\d{8}",
    "gd_number": r"[A-Z0-9][A-Z0-9-]{3,39}",
    "code": r"[A-Z0-9][A-Z0-9_.-]{0,39}",
    "country": r"[A-Z]{2}",
    "phone": r"\+?[0-9]{7,15}",
    "vehicle_registration": r"[A-Z]{1,4}-?[0-9]{1,5}",
}

_HUMAN = {
    "ntn": "an NTN like 1234567-8",
    "hs_code": "an 8-digit HS/PCT code like 85171200",
    "gd_number": "a GD number like KPPI-HC-000123-2025",
    "code": "a code of letters, digits, '-', '_' or '.'",
    "country": "an ISO 3166 two-letter country code",
    "phone": "a phone number of 7-15 digits",
    "vehicle_registration": "a registration like TLH-1234",
}


def normalise(fmt: str, values: pd.Series) -> pd.Series:
    """Canonical spelling of ``values`` for format ``fmt`` (strings in, strings out)."""
    s = values.str.strip().str.upper()
    if fmt == "hs_code":
        s = s.str.replace(".", "", regex=False).str.replace(" ", "", regex=False)
    elif fmt == "phone":
        s = s.str.replace(r"[\s()-]", "", regex=True)
    elif fmt == "vehicle_registration":
        s = s.str.replace(" ", "-", regex=False)
    return s


def matches(fmt: str, values: pd.Series) -> pd.Series:
    """Boolean mask: which (normalised) values have format ``fmt``."""
    return values.str.fullmatch(PATTERNS[fmt]).fillna(False).astype(bool)


def describe(fmt: str) -> str:
    return _HUMAN[fmt]
