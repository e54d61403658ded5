"""A mapping carries source columns the schema does not declare onto a kind
as typed extra attributes: validated, stored, remembered by the store, read
back, and used by the risk model, on both stores, without a schema edit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nigah.graph.open import open_store

ROOT = Path(__file__).resolve().parents[1]
FLAT = ROOT / "ingest" / "mappings" / "flat_declarations.yaml"


def nigah(*args):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True)


def _with_extras(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    data = tmp_path / "flat"
    assert nigah("generate", "--style", "flat", "--declarations", "2000", "--out", data).returncode == 0
    export = pd.read_csv(data / "export.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(1)
    export["Warehouse"] = rng.choice(["WH-North", "WH-South", 'Bonded "B"'], len(export))
    export["Insurance"] = np.round(rng.uniform(1, 90, len(export)), 2).astype(str)
    export.loc[11, "Insurance"] = "lots"          # not a number: quarantined, naming the field
    export.to_csv(data / "export.csv", index=False)
    mapping = yaml.safe_load(FLAT.read_text())
    mapping["kinds"]["Declaration"]["columns"] |= {"warehouse_code": {"column": "Warehouse", "type": "str"},
                                                   "insurance_usd": {"column": "Insurance", "type": "float"}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping))
    return data, tmp_path / "m.yaml", export


def _open(cli_store: list[str]):
    name = cli_store[cli_store.index("--store") + 1]
    home = Path(cli_store[cli_store.index("--home") + 1]) if "--home" in cli_store else None
    return open_store(name, home)


def test_a_mapping_keeps_columns_the_schema_lacks(tmp_path, cli_store):
    data, mapping, export = _with_extras(tmp_path)
    run = nigah("ingest", data, "--mapping", mapping, *cli_store, "--quarantine", tmp_path / "q.csv")
    assert run.returncode == 1, run.stderr            # the one bad insurance value
    rejected = pd.read_csv(tmp_path / "q.csv", dtype=str)
    assert rejected[["row", "field"]].values.tolist() == [["13", "insurance_usd"]]   # line 13: header + 12
    with _open(cli_store) as store:   # a new process, a new open: the store remembers them
        node = store.schema.node("Declaration")
        assert node.properties["insurance_usd"].type == "float" and node.properties["warehouse_code"].feature
        d = store.node_table("Declaration", ["warehouse_code", "insurance_usd"]).set_index("gd_number")
    source = export.drop(index=11).set_index("Declaration ID")
    assert len(d) == len(source)
    assert (d["warehouse_code"] == source.loc[d.index, "Warehouse"]).all()
    np.testing.assert_allclose(d["insurance_usd"], source.loc[d.index, "Insurance"].astype(float))


def test_the_risk_model_learns_from_extra_attributes_and_survives_new_ones(tmp_path):
    from nigah.analytics.risk.pipeline import prepare
    from nigah.analytics.risk.train import RiskConfig

    data, mapping, _ = _with_extras(tmp_path)
    home = tmp_path / "home"
    assert nigah("ingest", data, "--mapping", mapping, "--home", home).returncode == 1
    with open_store("duckdb", home) as store:
        columns = prepare(store, RiskConfig()).booster.X.columns
    assert {"raw_insurance_usd", "cat_warehouse_code", "warehouse_code_adverse_share"} <= set(columns)
    assert nigah("train", "--epochs", "1", "--trees", "20", "--home", home).returncode == 0
    # a later load brings one more attribute: scoring goes on with the trained inputs until the next training
    later = yaml.safe_load(mapping.read_text())
    later["kinds"]["Declaration"]["columns"]["berth"] = {"column": "Office ID", "type": "str"}
    mapping.write_text(yaml.safe_dump(later))
    assert nigah("ingest", data, "--mapping", mapping, "--home", home).returncode == 1
    run = nigah("analyze", "--home", home)
    assert run.returncode == 0, run.stderr
    with open_store("duckdb", home) as store:
        assert store.node_table("Declaration", ["risk", "berth"])[["risk", "berth"]].notna().all().all()


@pytest.mark.parametrize("column, message", [
    ({"column": "Warehouse"}, "give it a type"),
    ({"column": "Warehouse", "type": "blob"}, "a type among str, float, int, date"),
    ({"column": "Tax Rate", "type": "str", "target": "tax_rate"}, "is a float in the schema, not a str"),
])
def test_an_extra_attribute_without_a_usable_type_is_refused(tmp_path, column, message):
    data, _, _ = _with_extras(tmp_path)
    mapping = yaml.safe_load(FLAT.read_text())
    target = column.pop("target", "warehouse_code")
    mapping["kinds"]["Declaration"]["columns"][target] = column
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(mapping))
    run = nigah("ingest", data, "--mapping", tmp_path / "bad.yaml", "--home", tmp_path / "home")
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr, run.stderr
