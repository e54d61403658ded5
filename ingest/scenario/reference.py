"""Reference data of the scenario: stations, corridors, HS codes and price levels,
after ../shared/domain.md. Figures are illustrative, not official tariffs."""
from __future__ import annotations

# (code, name, role, lat, lon)
STATIONS = [
    ("KPT", "Karachi Port (West Wharf)", "sea_port", 24.84, 66.98),
    ("PQA", "Port Qasim", "sea_port", 24.77, 67.33),
    ("GWD", "Gwadar", "sea_port", 25.12, 62.33),
    ("TKM", "Torkham", "border_exit", 34.13, 71.09),
    ("CMN", "Chaman", "border_exit", 30.92, 66.45),
    ("GKN", "Ghulam Khan", "border_exit", 33.24, 70.07),
    ("AAD", "Angoor Adda", "border_exit", 32.33, 69.35),
    ("TFN", "Taftan", "border", 28.96, 61.59),
    ("WGH", "Wagah", "border", 31.60, 74.57),
    ("SST", "Sost", "border", 36.69, 74.82),
    ("PSW", "Peshawar Dry Port", "dry_port", 34.01, 71.58),
    ("QTA", "Quetta", "inland", 30.18, 66.99),
    ("LHR", "Lahore Dry Port", "dry_port", 31.52, 74.36),
    ("ISB", "Islamabad", "inland", 33.68, 73.05),
    ("FSD", "Faisalabad", "inland", 31.42, 73.08),
    ("SKT", "Sialkot", "inland", 32.49, 74.53),
    ("MUX", "Multan", "inland", 30.20, 71.47),
    ("HYD", "Hyderabad", "checkpoint", 25.39, 68.37),
    ("SKZ", "Sukkur", "checkpoint", 27.71, 68.85),
    ("DIK", "Dera Ismail Khan", "checkpoint", 31.83, 70.90),
]

# Transit corridors: name, allowed hours, stations in order (port first, exit last).
ROUTES = {
    "APTTA-CMN": ("Karachi - Chaman transit corridor", 96, ["KPT", "HYD", "SKZ", "QTA", "CMN"]),
    "APTTA-TKM": ("Karachi - Torkham transit corridor", 144, ["KPT", "SKZ", "MUX", "DIK", "PSW", "TKM"]),
    "APTTA-GKN": ("Port Qasim - Ghulam Khan transit corridor", 132, ["PQA", "SKZ", "DIK", "GKN"]),
}
# Where a diverted truck is seen off its corridor: inland markets.
OFF_CORRIDOR = ["LHR", "FSD", "ISB", "SKT", "MUX", "QTA"]

# (PCT code, description, duty rate, reference USD per kg, seasonal price swing)
HS_CODES = [
    ("85171300", "Smartphones", 0.10, 180.0, 0.0),
    ("85287200", "Television receivers", 0.20, 25.0, 0.0),
    ("84713010", "Laptops", 0.05, 90.0, 0.0),
    ("39269099", "Other articles of plastics", 0.20, 4.0, 0.0),
    ("87089900", "Motor vehicle parts", 0.35, 8.0, 0.0),
    ("52081100", "Cotton fabric", 0.20, 5.0, 0.10),
    ("10063090", "Rice, semi-milled", 0.00, 0.6, 0.25),
    ("15119000", "Palm oil", 0.10, 1.0, 0.25),
    ("27101990", "Lubricating oils", 0.11, 2.0, 0.10),
    ("30049099", "Medicaments", 0.11, 40.0, 0.0),
    ("72085100", "Flat-rolled iron", 0.11, 0.7, 0.10),
    ("85044090", "Static converters", 0.20, 15.0, 0.0),
    ("64039900", "Footwear", 0.35, 12.0, 0.0),
    ("24022000", "Cigarettes", 0.65, 30.0, 0.0),
    ("61091000", "Cotton T-shirts", 0.35, 10.0, 0.0),
    ("84151010", "Air conditioners", 0.20, 9.0, 0.20),
    ("08045020", "Mangoes, fresh", 0.20, 1.2, 0.35),
    ("33049900", "Cosmetics", 0.35, 22.0, 0.0),
    ("40111000", "Tyres for cars", 0.20, 4.5, 0.0),
    ("87112090", "Motorcycles", 0.50, 6.0, 0.0),
]
# Misdeclaration swaps a high-duty good for a low-duty code.
HS_SWAPS = {"85171300": "39269099", "24022000": "39269099", "87112090": "87089900",
            "33049900": "30049099", "85287200": "85044090", "64039900": "61091000"}

# Origin price factors: the same HS code costs more from some origins.
ORIGINS = {"CN": 0.85, "AE": 1.0, "JP": 1.25, "DE": 1.35, "TH": 0.9, "MY": 0.95, "ID": 0.9,
           "US": 1.3, "GB": 1.3, "TR": 1.0, "KR": 1.15, "VN": 0.8}
