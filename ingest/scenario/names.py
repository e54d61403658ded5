"""Names, identifiers and their variants, as a clearance system sees them."""
from __future__ import annotations

import numpy as np

from nigah.graph import formats

FIRST = ["Indus", "Crescent", "Al-Noor", "Mehran", "Karakoram", "Sapphire", "Zarai", "Faisal", "Habib",
         "Shaheen", "Ravi", "Chenab", "Bolan", "Khyber", "Margalla", "Orient", "Pak-Gulf", "Silk Route",
         "Madina", "Hilal", "Tariq", "Kohinoor", "Sitara", "Jinnah", "Noor", "Rehmat", "Barkat", "Fazal",
         "Iqbal", "Zamzam", "Al-Rehman", "Sadiq", "Haider", "Askari", "Qasim", "Anwar", "Bismillah",
         "Ittehad", "Sarhad", "Suleman", "Muhammad", "Ahmed", "Ghani", "Hamza", "Saif", "Ayaan", "Nawaz"]
SECOND = ["", "", "Star", "Global", "United", "Royal", "Prime", "Golden", "Modern", "National", "Eastern",
          "Northern", "City", "Grand", "Al-Madina", "New", "Super", "Classic", "Elite", "Pak"]
TRADE = ["Traders", "Enterprises", "Impex", "Corporation", "International", "Trading Co.", "Industries",
         "Commercial Agency", "Merchants", "Associates"]
LEGAL = ["(Pvt) Ltd", "(Private) Limited", "", "& Co.", "& Sons"]
AREAS = ["SITE Area", "Korangi Industrial Area", "Saddar", "Jodia Bazar", "Gulberg", "Blue Area",
         "Hayatabad", "Satellite Town", "Model Town", "Shahrah-e-Faisal", "Clifton", "Landhi", "Kharadar",
         "Boulton Market", "Circular Road", "Anarkali", "Ferozepur Road", "Karkhano Market"]
CITIES = ["Karachi", "Lahore", "Peshawar", "Quetta", "Islamabad", "Faisalabad", "Sialkot", "Multan"]
FOREIGN_CITIES = {"CN": ["Shenzhen", "Guangzhou", "Yiwu", "Ningbo", "Shanghai"], "AE": ["Dubai", "Sharjah"],
                  "JP": ["Osaka", "Yokohama"], "DE": ["Hamburg", "Munich"], "TH": ["Bangkok"],
                  "MY": ["Penang", "Klang"], "ID": ["Jakarta", "Surabaya"], "US": ["Houston", "Newark"],
                  "GB": ["Manchester", "Felixstowe"], "TR": ["Istanbul", "Izmir"], "KR": ["Busan"],
                  "VN": ["Hai Phong", "Ho Chi Minh City"]}
FOREIGN_WORDS = ["Xinda", "Hengtai", "Golden Bridge", "Sunrise", "Everbright", "Oceanic", "Kingstar",
                 "Bluewave", "Fortune", "Greatwall", "Harmony", "Pacific", "Unity", "Meridian", "Tianli",
                 "Jinhai", "Huaxin", "Starlight", "Evergreen", "Longwei", "Zenith", "Apex", "Nova", "Crown"]
FOREIGN_WORDS2 = ["", "Hua", "Tong", "Feng", "Sheng", "Da", "Xing", "Long", "Mei", "Jia", "Rui", "Hong", "Bao",
                  "Yuan", "Tai", "Kang", "Global", "Asia", "Prime", "United"]
FOREIGN_GOODS = ["Electronics", "Trading", "Industrial", "Import & Export", "Textile", "Machinery",
                 "Chemicals", "Auto Parts", "Plastics", "Foods"]
FOREIGN_LEGAL = ["Co., Ltd", "LLC", "GmbH", "Sdn Bhd", "Limited", "FZE", "Inc."]
AFGHAN_CITIES = ["Kabul", "Jalalabad", "Kandahar", "Herat", "Mazar-i-Sharif"]
# Spelling variants seen when one party is written down by different people.
TRANSLITERATIONS = {"Muhammad": "Mohammad", "Ahmed": "Ahmad", "Rehmat": "Rahmat", "Suleman": "Sulaiman",
                    "Iqbal": "Iqbaal", "Haider": "Hyder", "Qasim": "Kasim", "Al-Noor": "Alnoor",
                    "Trading Co.": "Trading Company", "Traders": "Trader", "Electronics": "Electronic"}
LEGAL_VARIANTS = {"(Pvt) Ltd": ["Pvt. Limited", "(Private) Limited", "PVT LTD"],
                  "(Private) Limited": ["(Pvt) Ltd", "Pvt Ltd"], "Co., Ltd": ["Co Ltd", "Company Limited"],
                  "LLC": ["L.L.C.", "L.L.C"], "Limited": ["Ltd", "Ltd."], "GmbH": ["G.m.b.H."]}


def pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def join(*parts: np.ndarray) -> np.ndarray:
    """Element-wise join of string arrays with single spaces, skipping empty parts."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        p = np.asarray(p, dtype=object)
        out = np.where(p == "", out, out + " " + p)
    return out


def trader_names(rng, n: int) -> np.ndarray:
    return join(pick(rng, FIRST, n), pick(rng, SECOND, n), pick(rng, TRADE, n), pick(rng, LEGAL, n))


def foreign_names(rng, countries: np.ndarray) -> np.ndarray:
    n = len(countries)
    cities = np.array([FOREIGN_CITIES[c][i % len(FOREIGN_CITIES[c])]
                       for c, i in zip(countries, rng.integers(0, 5, n))], dtype=object)
    # Real suppliers' names are diverse: two name words make accidental twins rare.
    return join(cities, pick(rng, FOREIGN_WORDS, n), pick(rng, FOREIGN_WORDS2, n), pick(rng, FOREIGN_GOODS, n),
                pick(rng, FOREIGN_LEGAL, n))


def variant(rng: np.random.Generator, name: str) -> str:
    """Another way of writing ``name``: legal suffix, transliteration, case, punctuation."""
    out = name
    for legal, alternatives in LEGAL_VARIANTS.items():
        if out.endswith(legal) and rng.random() < 0.8:
            out = out[: -len(legal)] + alternatives[int(rng.integers(len(alternatives)))]
            break
    for a, b in TRANSLITERATIONS.items():
        if a in out and rng.random() < 0.7:
            out = out.replace(a, b)
    r = rng.random()
    if r < 0.25:
        out = out.upper()
    elif r < 0.45:
        out = out.replace(".", "").replace(",", "").replace("-", " ")
    if out == name:
        out = name.upper() if rng.random() < 0.5 else name.replace(" ", "  ", 1)
    return out


def ntn_check_digit(seven: np.ndarray) -> np.ndarray:
    """Illustrative check digit: weighted digit sum mod 10."""
    digits = np.stack([(seven // 10 ** (6 - i)) % 10 for i in range(7)], axis=1)
    return (digits * np.arange(2, 9)).sum(axis=1) % 10


def ntns(rng, n: int) -> np.ndarray:
    seven = rng.choice(np.arange(1_000_000, 9_999_999), size=n, replace=False)
    return np.char.add(np.char.add(seven.astype(str), "-"), ntn_check_digit(seven).astype(str)).astype(object)


def digits(rng, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10 ** min(width, 18), n).astype(str), width).astype(object)


def phones(rng, n: int) -> np.ndarray:
    return ("+923" + np.char.zfill(rng.integers(0, 10 ** 9, n).astype(str), 9)).astype(object)


def cnics(rng, n: int) -> np.ndarray:
    return (digits(rng, n, 5) + "-" + digits(rng, n, 7) + "-" + digits(rng, n, 1)).astype(object)


def bank_accounts(rng, n: int) -> np.ndarray:
    banks = pick(rng, ["HABB", "MEZN", "UNIL", "NBPA", "ALFH", "MUCB", "BAHL"], n)
    return ("PK" + digits(rng, n, 2) + banks + digits(rng, n, 16)).astype(object)


def addresses(rng, n: int) -> np.ndarray:
    return (rng.integers(1, 400, n).astype(str).astype(object) + ", " + pick(rng, AREAS, n) + ", "
            + pick(rng, CITIES, n)).astype(object)


def containers(rng, n: int) -> np.ndarray:
    owners = pick(rng, ["MSCU", "MAEU", "CMAU", "HLXU", "OOLU", "EGHU", "COSU", "ONEU"], n)
    serial = digits(rng, n, 6)
    base = owners + serial
    return np.array([b + str(formats.iso6346_check_digit(b)) for b in base], dtype=object)
