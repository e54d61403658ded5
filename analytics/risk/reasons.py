"""Plain-language reasons for a risk score.

The model's per-feature contributions (gradient × input, see
:func:`analytics.risk.train.predict`) are summed per piece of evidence (the
unit value, the trader's history, ...) and the strongest ones that raised the
score are written out with the GD's own figures, naming the neighbour (agent,
supplier, vehicle, ...) whose history drove it. The text is built column-wise
in Arrow: a million GDs' reasons take seconds, not minutes.

>>> rows = pd.DataFrame({"hs_code": ["85171300", "85171300"], "origin_country": "CN",
...                      "unit_value_ratio": [0.38, 2.5]})
>>> evidence_texts("unit_value", rows).tolist()
['unit value 62% below the HS 85171300 reference for CN: under-invoiced, or goods of a higher-duty code declared under this one?', 'unit value 2.5× the HS 85171300 reference for CN: dearer goods under a cheaper code?']
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nigah.analytics.risk.features import PARTIES
from nigah.graph.schema import REASON_SEPARATOR, SCHEMA

NOTHING = "nothing stands out"
# Inside a reason line, between its text and its structured record (JSON):
# the two travel together through ordering and de-duplication, and are split
# into ``risk_reasons`` and ``risk_evidence`` at the end (:func:`split_evidence`).
RECORD_MARK = "\x1f"
PARTY_NAMES = {"trader": "trader", "agent": "agent", "supplier": "supplier", "consignee": "consignee",
               "vehicle": "vehicle", "transporter": "transporter"}


# The booster's inputs about a declared attribute (analytics.risk.booster):
# ``cat_<column>`` and the value's history ``<column>_seen|_examined|_adverse_share``.
HISTORY_SUFFIXES = ("_seen", "_examined", "_adverse_share")
BOOSTER_TITLES = {"hs_origin": "HS code and origin", "hs_heading": "HS heading"}


def _attribute(feature: str) -> str | None:
    """The declared attribute a booster input describes, if it is one."""
    if feature.startswith("cat_"):
        return feature[4:]
    for suffix in HISTORY_SUFFIXES:
        if feature.endswith(suffix):
            return feature[:-len(suffix)]
    if feature.startswith("raw_"):
        return feature[4:]
    return None


def evidence_of(feature: str) -> str:
    """The piece of evidence a feature belongs to.

    >>> [evidence_of(f) for f in ("trader_adverse_rate", "cat_origin_country", "consignor_id_seen", "raw_duty_usd")]
    ['trader', 'attribute:origin_country', 'supplier', 'duty']
    """
    attribute = _attribute(feature)
    if attribute is not None:
        for party, column in PARTIES.items():
            if attribute == column:
                return party
        if attribute in ("declared_value_usd", "weight_kg", "quantity"):
            return "size"
        if attribute == "duty_usd":
            return "duty"
        if attribute == "gd_type":
            return "gd_type"
        return f"attribute:{attribute}"
    for party in PARTIES:
        if feature.startswith(f"{party}_") and not feature.startswith("trader_age"):
            return party
    if feature.startswith("unit_value"):
        return "unit_value"
    if feature.startswith("trader_age") or feature == "young_ntn":
        return "trader_age"
    if feature in ("duty_share", "hs_duty_rate"):
        return "duty"
    if feature in SCHEMA.enum_values("Declaration", "gd_type"):
        return "gd_type"
    if feature.startswith("log_"):
        return "size"
    return feature


# ---- formatting numbers and joining text, column-wise ---------------------------
def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _text(values: pd.Series) -> pa.Array:
    """Values as Arrow text, missing ones null."""
    return pc.cast(pa.array(values.astype(object).where(values.notna(), None), from_pandas=True), pa.string())


def _str(values: pd.Series) -> pa.Array:
    return pc.fill_null(_text(values), "unknown")


def _number(values: pd.Series) -> pa.Array:
    return pa.array(pd.to_numeric(values, errors="coerce").astype(float).fillna(0).to_numpy())


def _integer(x: pa.Array) -> pa.Array:
    """Like ``int(x)``: toward zero."""
    return pc.cast(pc.cast(pc.trunc(x), pa.int64()), pa.string())


def _rounded(x: pa.Array) -> pa.Array:
    """Like ``"{:.0f}"``: half to even."""
    return pc.cast(pc.cast(pc.round(x, 0, round_mode="half_to_even"), pa.int64()), pa.string())


def _one_decimal(x: pa.Array, sign: bool = False) -> pa.Array:
    """Like ``"{:.1f}"`` (``"{:+.1f}"`` with ``sign``)."""
    tenths = pc.cast(pc.round(pc.multiply(pc.abs(x), 10.0), 0, round_mode="half_to_even"), pa.int64())
    text = _join(pc.cast(pc.divide(tenths, 10), pa.string()), ".", pc.cast(pc.remainder(tenths, 10), pa.string()))
    negative = pc.less(x, 0.0)
    return _join(pc.if_else(negative, "-", "+" if sign else ""), text)


def _series(text: pa.Array, index: pd.Index) -> pd.Series:
    """Arrow text as a Series on ``index`` (by position: no realigning)."""
    return pd.Series(text.to_pandas().to_numpy(), index=index)


def evidence_texts(evidence: str, rows: pd.DataFrame) -> pd.Series:
    """One reason per row of ``rows`` (``DeclarationFeatures.context``)."""
    return _series(_evidence(evidence, rows), rows.index)


def unit_value_reasons(rows: pd.DataFrame) -> pd.Series:
    """The unit-value reason, for the standalone flags (``rows``:
    ``hs_code``, ``origin_country``, ``unit_value_ratio``)."""
    return _series(_evidence("unit_value", rows), rows.index)


def _none(n: int) -> pa.Array:
    """No reason: the evidence raised the score but has nothing with a direction to say."""
    return pa.nulls(n, pa.string())


def _evidence(evidence: str, rows: pd.DataFrame) -> pa.Array:
    if evidence == "unit_value":
        ratio = rows["unit_value_ratio"].astype(float)
        r = _number(ratio)
        where = _join(" the HS ", _str(rows["hs_code"]), " reference for ", _str(rows["origin_country"]))
        below = _join("unit value ", _rounded(pc.multiply(pc.subtract(1.0, r), 100.0)), "% below", where,
                      ": under-invoiced, or goods of a higher-duty code declared under this one?")
        above = _join("unit value ", _one_decimal(r), "×", where, ": dearer goods under a cheaper code?")
        text = pc.if_else(pa.array((ratio < 1).to_numpy()), below, above)
        # within a quarter of the reference, or no usable value: nothing to say
        usual = ratio.isna() | ratio.between(0.8, 1.25)
        return pc.if_else(pa.array(usual.to_numpy()), _none(len(rows)), text)
    if evidence == "kg_per_unit_z":
        ratio = rows["kg_per_unit_ratio"].astype(float) if "kg_per_unit_ratio" in rows else \
            pd.Series(np.nan, index=range(len(rows)))
        r = _number(ratio)
        where = _join(" the usual for HS ", _str(rows["hs_code"]))
        light = _join("weight per unit ", _rounded(pc.multiply(pc.subtract(1.0, r), 100.0)), "% below", where,
                      ": weight understated?")
        heavy = _join("weight per unit ", _one_decimal(r), "×", where, ": other goods than declared?")
        text = pc.if_else(pa.array((ratio < 1).to_numpy()), light, heavy)
        return pc.if_else(pa.array(ratio.notna().to_numpy()), text, _none(len(rows)))
    if evidence in PARTIES:
        name = _join(PARTY_NAMES[evidence] + " ", _str(rows[evidence]))
        adverse, recent = _number(rows[f"{evidence}_adverse"]), _number(rows[f"{evidence}_adverse_recent"])
        lately = pc.if_else(pc.greater(recent, 0.0), _join(", ", _integer(recent), " in the last 90 days"), "")
        examined = _number(rows[f"{evidence}_inspected"])
        rate = pc.divide(adverse, pc.max_element_wise(examined, 1.0))
        base = _number(rows["base_adverse_share"]) if "base_adverse_share" in rows else pa.array([0.0] * len(rows))
        times = pc.divide(rate, pc.max_element_wise(base, 1e-9))
        found = _join(name, ": findings in ", _integer(adverse), " of ", _integer(examined),
                      " earlier examination(s)", lately)
        compared = pc.if_else(pc.greater(base, 0.0), _join(found, ", ", _one_decimal(times), "× the usual share"),
                              found)
        # A party with no finding, or no more than the usual share, is no reason.
        worse = pc.and_(pc.greater(adverse, 0.0), pc.greater(rate, base))
        return pc.if_else(pc.and_(worse, pa.array(rows[evidence].notna().to_numpy())), compared, _none(len(rows)))
    if evidence == "trader_age":
        days = rows["trader_age_days"].astype(float)
        d = _number(days)
        after = _join("filed ", _integer(pc.negate(d)), " days before the trader's registration")
        # (a re-registered front can file under its new NTN's old records)
        before = _join("trader registered only ", _integer(d), " days before filing")
        # an established trader's age is no reason; a new one's, or an unknown one, is
        text = pc.if_else(pc.greater_equal(d, 0.0), pc.if_else(pc.less(d, 365.0), before, _none(len(rows))), after)
        return pc.if_else(pa.array(days.notna().to_numpy()), text, "trader's registration date unknown")
    if evidence == "duty":
        return _join("high-duty goods (HS ", _str(rows["hs_code"]), "): more to gain by misdeclaring")
    if evidence in ("gd_type", "size"):   # facts without a direction
        return _none(len(rows))
    if evidence.startswith("attribute:"):
        return _attribute_text(evidence.split(":", 1)[1], rows)
    constant = {"diversion_score": "transit movement flagged for diversion (see its diversion reasons)"}
    return pa.array([constant.get(evidence, evidence.replace("_", " "))] * len(rows), pa.string())


def _line(evidence: str, rows) -> pa.Array:
    """A reason's text with its record after :data:`RECORD_MARK`; null where it says nothing."""
    return _join(_evidence(evidence, rows), RECORD_MARK, _record(evidence, rows))


def _figures(evidence: str) -> dict[str, str]:
    """The figures a reason quotes, by name, and the context columns holding them."""
    if evidence in PARTIES:
        return {"adverse": f"{evidence}_adverse", "adverse_last_90_days": f"{evidence}_adverse_recent",
                "examined": f"{evidence}_inspected", "usual_adverse_share": "base_adverse_share"}
    if evidence.startswith("attribute:"):
        name = evidence.split(":", 1)[1]
        return {"value": f"value_{name}", "examined": f"{name}_examined", "adverse_share": f"{name}_adverse_share",
                "usual_adverse_share": "base_adverse_share"}
    return {"unit_value": {"ratio_to_reference": "unit_value_ratio", "hs_code": "hs_code",
                           "origin_country": "origin_country"},
            "kg_per_unit_z": {"ratio_to_usual": "kg_per_unit_ratio", "hs_code": "hs_code"},
            "trader_age": {"days_registered": "trader_age_days"},
            "duty": {"hs_code": "hs_code"},
            "diversion_score": {"diversion_score": "diversion_score"}}.get(evidence, {})


def _entity(evidence: str) -> tuple[str, str] | None:
    """The entity a reason is about, as (schema label, context column): the
    party whose record it quotes, or the node a declared attribute references."""
    declaration = SCHEMA.node("Declaration").properties
    if evidence == "trader_age":
        evidence = "trader"
    if evidence in ("unit_value", "kg_per_unit_z", "duty") and declaration["hs_code"].references:
        return declaration["hs_code"].references, "hs_code"
    if evidence in PARTIES:
        column = PARTIES[evidence]
        label = declaration[column].references if column in declaration else None
        if label is None and evidence == "transporter":
            label = SCHEMA.relationships["OPERATED_BY"].target
        return (label, evidence) if label else None
    if evidence.startswith("attribute:"):
        name = evidence.split(":", 1)[1]
        if name in declaration and declaration[name].references:
            return declaration[name].references, f"value_{name}"
    return None


def _json_text(values: pd.Series) -> pa.Array:
    """Strings as JSON strings (``null`` where missing)."""
    text = _text(values)
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                         (RECORD_MARK, " ")):
        text = pc.replace_substring(text, raw, escaped)
    return pc.fill_null(_join('"', text, '"'), "null")


def _json_value(values: pd.Series) -> pa.Array:
    """Numbers as JSON numbers (rounded to 4 places; ``null`` where missing or
    infinite), anything else as a JSON string."""
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        return _json_text(values)
    x = pd.to_numeric(values, errors="coerce").astype(float)
    x = x.where(np.isfinite(x)).round(4)
    text = pc.cast(pa.array(x.to_numpy(), mask=x.isna().to_numpy()), pa.string())
    return pc.fill_null(text, "null")


def _record(evidence: str, rows) -> pa.Array:
    """The reason as data (a JSON object): ``kind`` (the evidence), ``entity``
    (a node id, where it is about one) and ``figures`` (what the text quotes)."""
    n = len(rows)
    parts = ['{"kind":', _json_text(pd.Series([evidence] * n)), ',"entity":']
    entity = _entity(evidence)
    if entity and entity[1] in rows:
        keys = rows[entity[1]]
        parts.append(_json_text((entity[0] + ":" + keys.astype(str)).where(keys.notna())))
    else:
        parts.append("null")
    parts.append(',"figures":{')
    figures = [(name, column) for name, column in _figures(evidence).items() if column in rows]
    for i, (name, column) in enumerate(figures):
        parts += [("," if i else "") + f'"{name}":', _json_value(rows[column])]
    parts.append("}}")
    return _join(*parts)


def _attribute_text(name: str, rows) -> pa.Array:
    """A declared attribute whose value's record raised the risk, compared
    with all examined GDs: "Origin country CN: findings in 40% of 25 earlier
    examinations with it (11% over all)"; the value alone where it has none."""
    title = BOOSTER_TITLES.get(name) or (SCHEMA.node("Declaration").properties[name].title
                                         if name in SCHEMA.node("Declaration").properties else name)
    value = _str(rows[f"value_{name}"]) if f"value_{name}" in rows else pa.array(["?"] * len(rows))
    head = _join(title + " ", value)
    if f"{name}_examined" not in rows:
        return head
    seen = _number(rows[f"{name}_examined"])
    share = pc.multiply(_number(rows[f"{name}_adverse_share"]), 100.0)
    base = pc.multiply(_number(rows["base_adverse_share"]), 100.0)
    record = _join(head, ": findings in ", _rounded(share), "% of ", _rounded(seen),
                   " earlier examination(s) with it (", _rounded(base), "% over all)")
    # A record no worse than the average is no reason, whatever the model's
    # interactions made of it: such a line would state a fact without a direction.
    record = pc.if_else(pc.greater(share, base), record, _none(len(rows)))
    return pc.if_else(pc.greater(seen, 0.5), record, _join(head, ": not seen in earlier examinations"))


class _Rows:
    """Some rows of a frame, column by column: an evidence reads three or
    four of the context's thirty columns, so only those are copied."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray):
        self.frame, self.rows = frame, rows

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column].iloc[self.rows]

    def __contains__(self, column: str) -> bool:
        return column in self.frame

    def __len__(self) -> int:
        return len(self.rows)


# The GD's own anomalies, as the detectors see them apart from any model: an
# officer checks these at the shed, so where one is clear it leads the
# reasons, before what the model weighed about who filed (the context).
OWN_ANOMALIES = {
    "diversion_score": lambda c: c["diversion_score"].astype(float) >= SCHEMA.score("diversion_score").flag_at,
    "unit_value": lambda c: (c["unit_value_z"].astype(float).abs() >= 3)
    & ~c["unit_value_ratio"].astype(float).between(0.67, 1.5),
    "kg_per_unit_z": lambda c: (c["kg_per_unit_z"].astype(float).abs() >= 3)
    & ~c["kg_per_unit_ratio"].astype(float).between(0.67, 1.5),
}


def with_own_anomalies(why: pd.Series, context: pd.DataFrame, top: int = 4) -> pd.Series:
    """``why`` (lines from :func:`reason_lines`) with the GD's clear anomalies first, each once.

    >>> c = pd.DataFrame({"hs_code": ["85171300"], "origin_country": ["CN"], "unit_value_ratio": [0.4],
    ...                   "unit_value_z": [-4.0], "kg_per_unit_z": [0.0], "kg_per_unit_ratio": [1.0],
    ...                   "diversion_score": [0.1]})
    >>> lines = with_own_anomalies(pd.Series(["agent A: findings in 3 of 4 earlier examination(s)"]), c)
    >>> split_evidence(lines)[0][0].split(REASON_SEPARATOR)[0]
    'unit value 60% below the HS 85171300 reference for CN: under-invoiced, or goods of a higher-duty code declared under this one?'
    """
    if not all(c in context for c in ("diversion_score", "unit_value_z", "kg_per_unit_ratio")):
        return why   # a context without the detectors' figures has no anomalies to lead with
    lines = why.where(why != NOTHING, "").str.split(REASON_SEPARATOR)
    lead = pd.Series([[] for _ in range(len(why))], index=why.index)
    for evidence, clear in OWN_ANOMALIES.items():
        rows = np.flatnonzero(clear(context).fillna(False).to_numpy())
        if len(rows):
            texts = _line(evidence, _Rows(context, rows)).to_pylist()
            for row, text in zip(rows, texts):
                if text:
                    lead.iat[row].append(text)
    joined = [REASON_SEPARATOR.join(list(dict.fromkeys(a + [x for x in b if x]))[:top]) or NOTHING
              for a, b in zip(lead, lines)]
    return pd.Series(joined, index=why.index)


def reasons(contributions: np.ndarray, features: list[str], context: pd.DataFrame, top: int = 3) -> pd.Series:
    """The reasons' text alone (see :func:`reason_lines`)."""
    return split_evidence(reason_lines(contributions, features, context, top))[0]


def split_evidence(lines: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Reason lines (text and record) as two aligned columns: the text, one
    reason per line, and the records, one JSON object per line (``null``
    where a line has none); a GD with nothing to say has no records."""
    texts, records = [], []
    for joined in lines.tolist():
        parts = [line.split(RECORD_MARK, 1) for line in joined.split(REASON_SEPARATOR)]
        texts.append(REASON_SEPARATOR.join(p[0] for p in parts))
        records.append(None if joined == NOTHING else
                       REASON_SEPARATOR.join(p[1] if len(p) > 1 else "null" for p in parts))
    return pd.Series(texts, index=lines.index, dtype=object), pd.Series(records, index=lines.index, dtype=object)


def reason_lines(contributions: np.ndarray, features: list[str], context: pd.DataFrame, top: int = 3) -> pd.Series:
    """Reasons per row, one line each: the ``top`` pieces of evidence that
    raised its score most (by at least 0.05 on the logit), strongest first.
    Evidence that declines to be a reason for a row (a party no worse than
    usual, an established trader's age) gives way to the next strongest,
    looking twice as deep as ``top``."""
    groups = pd.Series([evidence_of(f) for f in features])
    names = list(dict.fromkeys(groups))
    summed = np.column_stack([contributions[:, (groups == g).to_numpy()].sum(axis=1) for g in names])
    order = np.argsort(-summed, axis=1, kind="stable")[:, :2 * top]
    strong = np.take_along_axis(summed, order, axis=1) > 0.05
    # Each piece of evidence is written once for the rows that cite it, into
    # one pool; each line then takes its row's text from the pool.
    pool, offset = [], 0
    where = np.full(order.shape, -1, np.int64)
    for j, name in enumerate(names):
        chosen = (order == j) & strong
        rows = np.flatnonzero(chosen.any(axis=1))
        if not len(rows):
            continue
        pool.append(_line(name, _Rows(context, rows)))
        for k in range(order.shape[1]):
            hit = np.flatnonzero(chosen[:, k])
            where[hit, k] = offset + np.searchsorted(rows, hit)
        offset += len(rows)
    texts = pa.concat_arrays(pool) if pool else pa.array([], pa.string())
    joined = pa.nulls(len(context), pa.string())
    said = np.zeros(len(context), np.int64)
    for k in range(order.shape[1]):
        # an evidence may decline to be a reason for a row (a null text): skip it
        line = pc.take(texts, pa.array(where[:, k], mask=(where[:, k] < 0) | (said >= top)))
        both = pc.binary_join_element_wise(joined, line, REASON_SEPARATOR)
        joined = pc.if_else(pc.is_null(line), joined, pc.if_else(pc.is_null(joined), line, both))
        said += pc.is_valid(line).to_numpy(zero_copy_only=False)
    return _series(pc.fill_null(joined, NOTHING), context.index)
