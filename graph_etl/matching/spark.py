"""Score candidate record pairs with Splink on Spark (`FAMILY_NETWORK_MATCH_BACKEND=spark`).

The same model file as DuckDB (`Model.for_dialect("spark")` swaps the DuckDB function
names for Spark's) and the same output as `scoring.score_duckdb`. Needs the `[spark]`
extra (pyspark 4) and Java 17 or newer.

Spark has no Jaro-Winkler or Damerau-Levenshtein of its own: Splink ships them as Scala
UDFs in a jar inside the splink package (`splink.backends.spark.similarity_jar_location`),
which must be on the JVM's class path when it starts; `SparkAPI` then registers them.
With no Spark session running we start a local one with that jar, bound to 127.0.0.1,
with no web UI and quiet logs (nothing is fetched or served), scratch files in a
temporary folder, and stop it when done. A session that is already running (a cluster,
a notebook) is used as it is and left running: it must have the jar (`spark.jars`)
and, outside Databricks, a checkpoint folder (Splink writes its intermediate tables
there), or scoring stops with an error that says so.

Splink's Jaro-Winkler UDF counts transpositions as a fraction where DuckDB's rounds
them down, so on a few name pairs it is a little lower (see docs/matching-spark.md).
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from graph_etl.matching.model_store import Model
from graph_etl.matching.scoring import Edges, edges_from_arrow, output_columns, predict_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import SparkSession

# The Scala UDFs our SQL calls (comparisons.FUNCTIONS["spark"]).
UDFS = ("jaro_winkler", "damerau_levenshtein")

LOCAL_CONF = {
    "spark.master": "local[2]",
    "spark.app.name": "family-network-matching",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.memory": "3g",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

# Spark 4 logs through log4j2. PythonGatewayServer's level is the one a PySpark
# session reports as "Setting default log level to ..." unless it is set.
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


class SparkBackendError(RuntimeError):
    """The Spark session cannot run the model (no similarity UDFs, say)."""


def jar_path() -> Path:
    """Splink's similarity UDF jar for the installed Spark's major version."""
    from splink.backends.spark import similarity_jar_location

    jar = Path(similarity_jar_location())
    if not jar.is_file():
        raise SparkBackendError(f"Splink's similarity jar is missing: {jar}")
    return jar


def local_session(workdir: Path) -> SparkSession:
    """A new local Spark session with Splink's similarity jar; scratch files in `workdir`."""
    from pyspark.sql import SparkSession

    jar = jar_path()
    log4j2 = workdir / "log4j2.properties"
    log4j2.write_text(LOG4J2, encoding="utf-8")
    builder = SparkSession.builder
    for key, value in LOCAL_CONF.items():
        builder = builder.config(key, value)
    builder = (
        builder.config("spark.jars", str(jar))
        .config("spark.local.dir", str(workdir / "local"))
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j2.as_uri()}")
    )
    # The JVM starts here and takes its environment from ours: SPARK_LOCAL_IP keeps
    # Spark from looking for a non-loopback address (and warning about it).
    previous = os.environ.get("SPARK_LOCAL_IP")
    os.environ["SPARK_LOCAL_IP"] = previous or "127.0.0.1"
    try:
        spark = builder.getOrCreate()
    finally:
        if previous is None:
            os.environ.pop("SPARK_LOCAL_IP", None)
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(workdir / "checkpoints"))
    return spark


@contextmanager
def session() -> Iterator[tuple[SparkSession, str | None]]:
    """The running Spark session, else a local one stopped on exit; with the break
    lineage method to give Splink (None: Splink's default for a session not ours)."""
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    try:
        running = SparkSession.active()  # this thread's session, else the default one
    except PySparkRuntimeError:  # none
        running = None
    if running is not None:
        yield running, None
        return
    with tempfile.TemporaryDirectory(prefix="family-network-spark-") as scratch:
        spark = local_session(Path(scratch))
        try:
            # Intermediate tables as parquet in the checkpoint folder: bounded memory.
            yield spark, "parquet"
        finally:
            spark.stop()


def _check_udfs(spark: SparkSession) -> None:
    missing = [name for name in UDFS if not spark.catalog.functionExists(name)]
    if missing:
        raise SparkBackendError(
            f"this Spark session has no {', '.join(missing)}: start it with Splink's "
            f"similarity jar (spark.jars={jar_path()})"
        )


def _temp_views(spark: SparkSession) -> set[str]:
    return {table.name for table in spark.catalog.listTables() if table.isTemporary}


def _to_arrow(frame: Any) -> pa.Table:
    if hasattr(frame, "toArrow"):  # Spark 4
        return frame.toArrow()
    return pa.Table.from_pandas(frame.toPandas(), preserve_index=False)


def score_spark(table: pa.Table, model: Model, threshold: float) -> Edges:
    """Pairs with match probability >= `threshold`, as `scoring.score_duckdb` gives."""
    from splink import Linker, SparkAPI

    name = f"family_network_records_{uuid.uuid4().hex[:12]}"
    with session() as (spark, break_lineage):
        db_api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage)
        _check_udfs(spark)
        before = _temp_views(spark)
        records = db_api.register(table, table_name=name)
        try:
            linker = Linker(records, predict_settings(model, "spark"), log_level=None)
            logging.getLogger("splink").setLevel(logging.ERROR)
            predictions = linker.inference.predict(
                threshold_match_probability=threshold, warning_mode="never"
            )
            arrow = _to_arrow(
                spark.sql(
                    f"SELECT {', '.join(output_columns(predictions.columns))} "  # noqa: S608
                    f"FROM {predictions.physical_name}"
                )
            )
        finally:
            # Tidy a session that is not ours (ours is about to stop anyway).
            for view in _temp_views(spark) - before:
                if view == name or view.startswith("__splink__"):
                    spark.catalog.dropTempView(view)
    return edges_from_arrow(arrow, model)
