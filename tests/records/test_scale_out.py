"""The Spark recipe of docs/howto/scale-out.md: its partition function, and Spark itself.

The recipe's code is read from the page (one copy): its function
definitions and constants are run here. With pandas alone the partition
function must give, bucket by bucket, exactly the records of
``audit_records`` over the whole table; with pyspark and Java installed the
recipe runs on a local Spark session.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import ot_billing_rules as ob

pd = pytest.importorskip("pandas")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "scale-out.md"


def _recipe() -> dict[str, Any]:
    """The page's definitions: every example that defines a function or a constant."""
    namespace: dict[str, Any] = {"pd": pd, "ob": ob, "__name__": "scale_out_recipe"}
    for example in doctest.DocTestParser().get_examples(PAGE.read_text(encoding="utf-8")):
        source = example.source
        if source.startswith(("def ", "schema = ")) or re.match(r"[A-Z_]+ = ", source):
            exec(compile(example.source, str(PAGE), "exec"), namespace)
    return namespace


RECIPE = _recipe()


def _claims(n: int) -> Any:
    rows = []
    for i in range(n):
        codes = [("97530", "25"), ("97110", "12")] if i % 5 else [("9753", "10")]  # a bad code
        for code, minutes in codes:
            rows.append(
                {"visit_id": f"v{i:03d}", "date_of_service": "2024-07-01", "code": code,
                 "minutes": minutes, "payer": "medicare" if i % 2 else "commercial"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_page_defines_the_recipe() -> None:
    assert {"audit_partition", "records_frame", "schema", "DTYPES"} <= set(RECIPE)


def test_partition_function_by_bucket_equals_audit_records_of_the_table() -> None:
    claims = _claims(60)
    claims["bucket"] = [hash(v) % 4 for v in claims["visit_id"]]
    parts = [RECIPE["audit_partition"](group) for _, group in claims.groupby("bucket")]
    got = pd.concat(parts).drop(columns="index").sort_values("visit_id")
    rows = claims.drop(columns="bucket").to_dict("records")
    expected = RECIPE["records_frame"](ob.audit_records(ob.visits_from_rows(rows)))
    expected = expected.drop(columns="index").sort_values("visit_id")
    assert len(got) == 60
    # A reader's error names the row's line within its partition: the only difference.
    for frame in (got, expected):
        frame["error_message"] = frame["error_message"].str.replace(
            r"line \d+", "line ?", regex=True
        )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert (~got["ok"]).sum() == 12  # the bad visits are records too


def test_spark_schema_names_every_record_column_in_order() -> None:
    names = [part.split()[0] for part in RECIPE["schema"].split(", ")]
    assert names == list(ob.RESULT_SCHEMA)
    frame = RECIPE["records_frame"]([])
    assert [str(t) for t in frame.dtypes] == [
        {int: "Int64", bool: "boolean", str: "string"}[t] for t in ob.RESULT_SCHEMA.values()
    ]


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for Spark"
    return None


@pytest.mark.skipif(_spark_missing() is not None, reason=str(_spark_missing()))
def test_the_spark_recipe_on_a_local_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    # Spark's Python workers must be this interpreter (with the library), not python3 on PATH.
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        claims = _claims(40)
        frame = spark.createDataFrame(claims)
        audited = (
            frame.withColumn("bucket", F.pmod(F.hash("visit_id"), F.lit(4)))
            .groupBy("bucket")
            .applyInPandas(RECIPE["audit_partition"], schema=RECIPE["schema"])
            .toPandas()
        )
    finally:
        spark.stop()
    rows = claims.to_dict("records")
    expected = {r["visit_id"]: r for r in ob.audit_records(ob.visits_from_rows(rows))}
    assert sorted(audited["visit_id"]) == sorted(expected)
    for row in audited.to_dict("records"):
        want = expected[row["visit_id"]]
        got = tuple(None if pd.isna(row[k]) else row[k] for k in ("ok", "claim_lines", "status"))
        assert got == (want["ok"], want["claim_lines"], want["status"])
