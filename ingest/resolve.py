"""Entity resolution: records that are one real party under variant names.

Traders, consignees, consignors and clearing agents are written down by many
hands: legal suffixes ("(Pvt) Ltd", "Pvt. Limited"), transliterations
(Muhammad/Mohammad), case and punctuation vary, and a caught front company
re-registers under a variant of its name. Records are compared only within
blocks (same first two name tokens, or the same phone, bank account, director
or address), scored with rapidfuzz, and pairs at or above the threshold are
merged (connected components) into one party, identified by its earliest
record. Each record keeps ``party_id`` and ``party_reasons`` (fields matched
and score); the records themselves stay as they are, as provenance. Pairs just
under the threshold go to a review list.

A common company name alone is weak evidence (many honest firms are called
"Indus Traders"), so for traders a name match needs a shared identifier to
reach the threshold.

>>> normalise_name("M/S Mohammad Ahmed Traders (Pvt.) Ltd.")
'muhammad ahmad trader'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from nigah.graph.schema import REASON_SEPARATOR
from nigah.graph.store import GraphStore

LEGAL = r"\b(m s|pvt|private|ltd|limited|co|company|corp|corporation|llc|l l c|gmbh|g m b h|sdn|bhd|inc|fze|plc)\b"
SPELLINGS = {"mohammad": "muhammad", "mohammed": "muhammad", "mohd": "muhammad", "muhammed": "muhammad",
             "ahmed": "ahmad", "rahmat": "rehmat", "sulaiman": "suleman", "hyder": "haider", "kasim": "qasim",
             "iqbaal": "iqbal", "alnoor": "al noor"}


@dataclass(frozen=True)
class ResolveConfig:
    threshold: float = 0.88
    review_low: float = 0.75
    max_block: int = 300  # larger blocks are split by the next name token
    # Where a name alone may merge, it must be this close once normalised: two
    # suppliers a word apart ("… Prime Textile" and "… Jia Textile") are two.
    name_alone_min: float = 0.96
    # Per label: identifier columns that block and corroborate, and whether a
    # name match alone may merge.
    identifiers: dict[str, list[str]] = field(default_factory=lambda: {
        "Trader": ["phone", "bank_account", "director_cnic", "address"],
        "Consignor": ["country"], "Consignee": ["address"], "ClearingAgent": ["phone"]})
    name_alone: dict[str, bool] = field(default_factory=lambda: {
        "Trader": False, "Consignor": True, "Consignee": False, "ClearingAgent": False})


# Legal forms, each with its spellings. Two records whose forms conflict (an
# LLC and an FZE, a private limited company and a partnership "& Co.") are two
# legal persons, however alike their names.
LEGAL_FORMS = {
    "private_limited": r"\(?\s*(pvt|private)\.?\s*\)?\.?\s*(ltd|limited)",
    "company_limited": r"\bco\.?,?\s*(ltd|limited)|company limited",
    "limited": r"\b(ltd|limited)\b\.?",
    "llc": r"\bl\.?\s?l\.?\s?c\b\.?", "gmbh": r"\bg\.?m\.?b\.?h\b\.?", "fze": r"\bfze\b",
    "inc": r"\binc\b\.?", "sdn_bhd": r"\bsdn\.?\s*bhd\b", "and_co": r"&\s*co\b\.?", "and_sons": r"&\s*sons?\b",
}


def legal_form(name: str) -> str:
    """The legal form a name declares, or '' (checked in order: the most specific first).

    >>> legal_form("Indus Traders (Pvt.) Ltd"), legal_form("Gulf Trading L.L.C"), legal_form("Ravi Impex")
    ('private_limited', 'llc', '')
    """
    low = str(name).lower()
    return next((form for form, pattern in LEGAL_FORMS.items() if re.search(pattern, low)), "")


def normalise_name(name: str) -> str:
    s = re.sub(r"[^0-9a-z]+", " ", str(name).lower())
    s = re.sub(LEGAL, " ", s)
    s = re.sub(r"&\s*sons?|\bsons?\b|\band\b", " ", s)
    words = [SPELLINGS.get(w, w) for w in s.split()]
    words = [w[:-1] if len(w) > 4 and w.endswith("s") else w for w in words]  # traders ~ trader
    return " ".join(" ".join(words).split())


def candidate_pairs(records: pd.DataFrame, columns: list[str], max_block: int) -> pd.DataFrame:
    """Pairs of record positions (i < j) sharing a block key."""
    tokens = records["norm"].str.split()
    keys = [tokens.str[:2].str.join(" ").fillna("")]
    keys += [records[c].astype("string").str.lower().fillna("") for c in columns if c != "country"]
    if "country" in columns:  # country alone is no block; with the first token it is
        keys[0] = keys[0] + "|" + records["country"].astype("string").fillna("")
    parts = []
    for block in keys:
        frame = pd.DataFrame({"block": block.to_numpy(), "i": np.arange(len(records))})
        frame = frame[frame["block"] != ""]
        size = frame.groupby("block")["i"].transform("size")
        big = size > max_block
        frame.loc[big, "block"] = frame.loc[big, "block"] + "|" + tokens.iloc[
            frame.loc[big, "i"]].str[2].fillna("").to_numpy()
        frame = frame[frame.groupby("block")["i"].transform("size").between(2, max_block)]
        pairs = frame.merge(frame, on="block")
        parts.append(pairs.loc[pairs["i_x"] < pairs["i_y"], ["i_x", "i_y"]])
    if not parts:
        return pd.DataFrame(columns=["i", "j"])
    return pd.concat(parts).drop_duplicates().rename(columns={"i_x": "i", "i_y": "j"})


def score_pairs(records: pd.DataFrame, pairs: pd.DataFrame, columns: list[str], name_alone: bool,
                name_alone_min: float = 0.96, keep_from: float = 0.0) -> pd.DataFrame:
    """Score candidate pairs; only pairs scoring at least ``keep_from`` are returned
    (with their reasons), so millions of candidates stay cheap."""
    i, j = pairs["i"].to_numpy(dtype=np.int64), pairs["j"].to_numpy(dtype=np.int64)
    names = records["norm"].to_numpy()
    out = pd.DataFrame({"i": i, "j": j})
    # Vectorised, multi-threaded pairwise similarity of aligned lists.
    out["name"] = process.cpdist(names[i], names[j], scorer=fuzz.token_sort_ratio, workers=-1) / 100 \
        if len(out) else np.zeros(0)
    for c in columns:
        v = records[c].astype("string").str.lower().fillna("\0missing").to_numpy()
        out[c] = (v[i] == v[j]) & (v[i] != "\0missing")
    identifiers = [c for c in columns if c != "country"]
    corroborated = out[identifiers].any(axis=1).to_numpy() if identifiers else np.zeros(len(out), bool)
    country_ok = out["country"].to_numpy() if "country" in columns else np.ones(len(out), bool)
    evidence = corroborated | (name_alone & (out["name"].to_numpy() >= name_alone_min))
    forms = records["name"].map(legal_form).to_numpy()
    conflict = (forms[i] != "") & (forms[j] != "") & (forms[i] != forms[j])
    out["legal_conflict"] = conflict
    out["score"] = np.where(country_ok, np.where(evidence, out["name"], out["name"] * 0.85), 0.0) \
        * np.where(conflict, 0.8, 1.0)
    out = out[out["score"] >= keep_from].reset_index(drop=True)
    out["reasons"] = [
        f"name {n:.0%} alike" + "".join(f", same {c.replace('_', ' ')}" for c, hit in zip(columns, row) if hit)
        + (", different legal forms" if legal else "")
        for n, legal, row in zip(out["name"], out["legal_conflict"], out[columns].to_numpy())]
    return out


def _components(n: int, pairs: pd.DataFrame) -> np.ndarray:
    import igraph as ig

    g = ig.Graph(n=n, edges=pairs[["i", "j"]].to_numpy().tolist())
    return np.asarray(g.connected_components().membership)


def resolve_label(records: pd.DataFrame, key: str, label: str, config: ResolveConfig):
    """``(assignments, review)``: per record its party and reasons; uncertain pairs."""
    columns = [c for c in config.identifiers.get(label, []) if c in records.columns]
    records = records.reset_index(drop=True).assign(norm=records["name"].map(normalise_name).to_numpy())
    pairs = candidate_pairs(records, columns, config.max_block)
    scored = score_pairs(records, pairs, columns, config.name_alone.get(label, True), config.name_alone_min,
                         keep_from=config.review_low)
    merged = scored[scored["score"] >= config.threshold]
    comp = _components(len(records), merged)
    # The party is named after its first record by key, so ids are stable across runs.
    first = pd.Series(records[key].to_numpy()).groupby(comp).transform("min").to_numpy()
    reasons = pd.Series("", index=records.index, dtype=object)
    keys = records[key].to_numpy()
    for i, j, r, s in zip(merged["i"], merged["j"], merged["reasons"], merged["score"]):
        for a, b in ((i, j), (j, i)):
            text = f"same party as {keys[b]} ({r}; score {s:.2f})"
            reasons[a] = f"{reasons[a]}{REASON_SEPARATOR}{text}" if reasons[a] else text
    assignments = pd.DataFrame({key: records[key], "party_id": label + ":" + first.astype(str),
                                "party_reasons": reasons.where(reasons != "", None)})
    review = scored[(scored["score"] >= config.review_low) & (scored["score"] < config.threshold)]
    review = pd.DataFrame({"label": label, "key_a": records[key].to_numpy()[review["i"]],
                           "name_a": records["name"].to_numpy()[review["i"]],
                           "key_b": records[key].to_numpy()[review["j"]],
                           "name_b": records["name"].to_numpy()[review["j"]],
                           "score": review["score"].round(3).to_numpy(), "reasons": review["reasons"].to_numpy()})
    return assignments, review


def resolve_entities(store: GraphStore, config: ResolveConfig = ResolveConfig()) -> tuple[dict, pd.DataFrame]:
    """Resolve every party label in the store, write ``party_id``/``party_reasons``
    back, and return a summary and the review list."""
    summary, reviews = {}, []
    for label in config.identifiers:
        node = store.schema.node(label)
        columns = ["name"] + [c for c in config.identifiers[label] if c in node.properties]
        records = store.node_table(label, columns)
        if records.empty:
            continue
        assignments, review = resolve_label(records, node.key, label, config)
        store.write_properties(label, assignments)
        parties = assignments["party_id"].nunique()
        summary[label] = {"records": int(len(records)), "parties": int(parties),
                          "merged_records": int(len(records) - parties), "review_pairs": int(len(review))}
        reviews.append(review)
    return summary, (pd.concat(reviews, ignore_index=True) if reviews else pd.DataFrame())


def pair_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Pairwise precision and recall of a clustering: rows (label, key, party).

    >>> p = pd.DataFrame({"label": "T", "key": ["a", "b", "c"], "party": ["1", "1", "2"]})
    >>> t = pd.DataFrame({"label": "T", "key": ["a", "b", "c"], "party": ["x", "x", "x"]})
    >>> pair_scores(p, t)
    {'pair_precision': 1.0, 'pair_recall': 0.3333, 'predicted_pairs': 1, 'true_pairs': 3}
    """
    def pairs(frame):
        m = frame.merge(frame, on=["label", "party"])
        m = m[m["key_x"] < m["key_y"]]
        return set(zip(m["label"], m["key_x"], m["key_y"]))

    keys = truth[["label", "key"]]
    p, t = pairs(predicted.merge(keys, on=["label", "key"])), pairs(truth)
    hit = len(p & t)
    return {"pair_precision": round(hit / len(p), 4) if p else 1.0,
            "pair_recall": round(hit / len(t), 4) if t else 1.0,
            "predicted_pairs": len(p), "true_pairs": len(t)}
