"""Population data that stays where it lives: files, databases, data frames of an engine.

:func:`lazy_source` recognises data that is NOT brought into memory:

* a Parquet or CSV path with a glob (``data/part-*.parquet``), or any path with ``engine=``;
* ``"duckdb:PATH::TABLE"``: a table (or view) of a DuckDB database file, opened read-only;
* an ibis table of any backend (DuckDB, Spark, Postgres, Trino, ...);
* a DuckDB relation (``duckdb.sql(...)``);
* a PySpark DataFrame.

Each becomes a :class:`LazySource`: an ibis table expression plus a way to run expressions
on it and get (small) Arrow tables back. Why ibis: one portable expression API compiled to
each engine's SQL dialect, so the audit's GROUP BY and window queries are written once and
run unchanged on DuckDB (embedded, the default), Spark, Postgres, Trino, BigQuery... A DuckDB
relation and a Spark DataFrame are queried through the SQL that ibis compiles for their
dialect (``relation.query`` / ``spark.sql``), so no other connection is opened.

:func:`describe_lazy` computes the metadata a :class:`~scoreaudit.data.population.Population`
needs (rows, distinct levels of the protected columns, label and weight checks) with one
aggregate query: only that small result comes back. A lazy population is described at its
first use (:func:`describe_population`), not when it is built: ``sa.audit`` then derives the
description from its own (score level x keys x label) table, so the data are scanned once;
a value the description refuses (a missing protected value, a label other than 1/0/empty, a
weight that is not positive) is reported at that first use, with the same message. Column
names and types are checked when the population is built.

Examples
--------
>>> import duckdb
>>> src = lazy_source(duckdb.sql("SELECT 'a' AS g, 1.0 AS s UNION ALL SELECT 'b', 2.0"))
>>> src.kind, sorted(src.table.columns)
('relation', ['g', 's'])
>>> src.execute(src.table.count().name("n").as_table()).column("n").to_pylist()
[2]
"""

from __future__ import annotations

import glob as _glob
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import MISSING_LABEL
from scoreaudit.errors import DataError

__all__ = ["DUCKDB_PREFIX", "LazySource", "describe_lazy", "is_lazy", "lazy_source"]

#: Prefix of a DuckDB table address: ``duckdb:PATH::TABLE``.
DUCKDB_PREFIX = "duckdb:"

#: Most distinct values fetched for a text protected column (more is not a group attribute).
MAX_LEVELS = 10_000

#: Memory DuckDB may use in the connections scoreaudit opens (beyond it, it spills to disk):
#: the environment variable ``SCOREAUDIT_DUCKDB_MEMORY`` overrides it (e.g. ``"8GB"``).
DUCKDB_MEMORY = "1GB"

#: Most combinations of protected keys described in one query.
_MAX_COMBOS = 1_000_000


@dataclass
class LazySource:
    """A table inside an engine, and how to run ibis expressions on it.

    Attributes
    ----------
    table : ibis.Table
        The population's table (bound to an ibis backend, or unbound and run through SQL).
    name : str
        How errors name it (a path, ``duckdb:PATH::TABLE``, a table name).
    kind : str
        ``"parquet"``, ``"csv"``, ``"duckdb"``, ``"ibis"``, ``"relation"`` or ``"spark"``.
    dialect : str
        SQL dialect of the engine (``"duckdb"``, ``"pyspark"``, ...).
    """

    table: Any
    name: str
    kind: str
    dialect: str = "duckdb"
    _run: Callable[[Any], Any] | None = field(default=None, repr=False)
    _stream: Callable[[Any, int], Iterator[Any]] | None = field(default=None, repr=False)
    keep: Any = field(default=None, repr=False)  # objects kept alive (connections)
    #: Declared category order of dictionary-encoded columns (Parquet written from pandas
    #: categoricals), so that groups are listed in the order of the in-memory audit.
    categories: dict[str, list] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        """``"spark"`` for Spark, else the ibis backend's name (``"duckdb"``...)."""
        return "spark" if self.dialect == "pyspark" else self.dialect

    def execute(self, expr: Any) -> Any:
        """Run ``expr`` in the engine; return a :class:`pyarrow.Table` (keep it small)."""
        try:
            if self._run is not None:
                return self._run(expr)
            return expr.to_pyarrow()
        except DataError:
            raise
        except Exception as exc:  # every backend raises its own types
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise DataError.from_key(
                "err_engine_query", name=self.name, detail=f"{type(exc).__name__}: {first}"
            ) from None

    def batches(self, expr: Any, size: int = 1_000_000) -> Iterator[Any]:
        """Stream ``expr`` as :class:`pyarrow.RecordBatch` es (for models scored in Python)."""
        try:
            if self._stream is not None:
                yield from self._stream(expr, size)
            elif self.dialect == "duckdb":  # the DuckDB connection's own Arrow stream
                con = expr.get_backend().con
                yield from con.sql(self.sql(expr)).to_arrow_reader(size)
            else:
                yield from expr.to_pyarrow_batches(chunk_size=size)
        except DataError:
            raise
        except Exception as exc:
            raise DataError.from_key(
                "err_engine_stream", name=self.name, detail=f"{type(exc).__name__}: {exc}"
            ) from None

    def sql(self, expr: Any) -> str:
        """The SQL the engine runs for ``expr`` (for the record)."""
        import ibis

        return str(ibis.to_sql(expr, dialect=self.dialect))


def is_lazy(data: Any, engine: str | None = None) -> bool:
    """True when :func:`lazy_source` keeps ``data`` in its engine (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> is_lazy(pd.DataFrame()), is_lazy("data/*.parquet"), is_lazy("x.csv")
    (False, True, False)
    >>> is_lazy("x.csv", engine="duckdb")
    True
    """
    if isinstance(data, LazySource):
        return True
    if isinstance(data, (str, os.PathLike)):
        text = os.fspath(data)
        return engine is not None or text.startswith(DUCKDB_PREFIX) or _has_glob(text)
    mod = type(data).__module__ or ""
    return mod.startswith("ibis.") or _is_relation(data) or _is_spark(data)


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _is_relation(data: Any) -> bool:
    return type(data).__name__ == "DuckDBPyRelation"


def _is_spark(data: Any) -> bool:
    mod = type(data).__module__ or ""
    return mod.startswith("pyspark.sql") and type(data).__name__ == "DataFrame"


def lazy_source(data: Any, engine: str | None = None) -> LazySource:
    """Wrap ``data`` as a :class:`LazySource` (see the module docstring for what is accepted).

    Parameters
    ----------
    data : str, os.PathLike, ibis.Table, duckdb.DuckDBPyRelation or pyspark DataFrame
        Where the population is.
    engine : {"duckdb", "spark"}, optional
        Engine for a path (default DuckDB, embedded). Ignored for engine objects.

    Raises
    ------
    DataError
        No file matches, the database cannot be opened, the table does not exist.
    """
    if isinstance(data, LazySource):
        return data
    if engine not in (None, "duckdb", "spark"):
        raise DataError.from_key("err_engine_name", engine=engine)
    if isinstance(data, (str, os.PathLike)):
        text = os.fspath(data)
        if text.startswith(DUCKDB_PREFIX):
            return _duckdb_table(text)
        return _spark_files(text) if engine == "spark" else _duckdb_files(text)
    if _is_relation(data):
        return _relation(data)
    if _is_spark(data):
        return _spark_frame(data, getattr(data, "_sa_name", None) or "Spark DataFrame")
    if (type(data).__module__ or "").startswith("ibis."):
        return _ibis_table(data)
    raise DataError.from_key("err_engine_source_type", kind=type(data).__name__)


def _files(text: str) -> tuple[list[str], str]:
    paths = sorted(_glob.glob(text)) if _has_glob(text) else [text]
    paths = [p for p in paths if os.path.isfile(p)]
    if not paths:
        raise DataError.from_key("err_no_file_matches", pattern=text)
    exts = {os.path.splitext(p)[1].lower() for p in paths}
    if exts <= {".parquet", ".pq"}:
        return paths, "parquet"
    if exts <= {".csv", ".txt", ".tsv"}:
        return paths, "csv"
    raise DataError.from_key("err_mixed_kinds", pattern=text, kinds=sorted(exts))


def _duckdb_files(text: str) -> LazySource:
    import ibis

    paths, kind = _files(text)
    con = ibis.duckdb.connect()
    _limit_memory(con)
    try:
        table = con.read_parquet(paths) if kind == "parquet" else con.read_csv(paths)
    except Exception as exc:
        raise DataError.from_key(
            "err_engine_read", pattern=text, kind=kind.upper(), why=exc
        ) from None
    cats = _parquet_categories(paths[0]) if kind == "parquet" else {}
    return LazySource(table, text, kind, "duckdb", keep=con, categories=cats)


def _parquet_categories(path: str) -> dict[str, list]:
    """Dictionary (category) order of the dictionary-encoded columns of a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = [f.name for f in pf.schema_arrow if pa.types.is_dictionary(f.type)]
        if not names or pf.num_row_groups == 0:
            return {}
        group = pf.read_row_group(0, columns=names)
    except Exception:  # the engine reports unreadable files itself
        return {}
    out = {}
    for name in names:
        chunks = group.column(name).chunks
        if chunks:
            out[name] = chunks[0].dictionary.to_pylist()
    return out


def parse_duckdb_address(text: str) -> tuple[str, str]:
    """``duckdb:PATH::TABLE`` -> ``(PATH, TABLE)``.

    Examples
    --------
    >>> parse_duckdb_address("duckdb:data/base.duckdb::beneficiaries")
    ('data/base.duckdb', 'beneficiaries')
    """
    body = text[len(DUCKDB_PREFIX) :]
    if "::" not in body:
        raise DataError.from_key("err_duckdb_address", text=text)
    path, table = body.rsplit("::", 1)
    if not path or not table:
        raise DataError.from_key("err_duckdb_address", text=text)
    return path, table


def _duckdb_table(text: str) -> LazySource:
    import ibis

    path, name = parse_duckdb_address(text)
    if not os.path.isfile(path):
        raise DataError.from_key("err_duckdb_missing", path=path, text=text)
    try:
        con = ibis.duckdb.connect(path, read_only=True)
    except Exception as exc:
        raise DataError.from_key("err_duckdb_open", path=path, detail=str(exc)) from None
    try:
        table = con.table(name)
    except Exception:
        tables = ", ".join(con.list_tables()[:30]) or "none"
        raise DataError.from_key("err_duckdb_table", name=name, path=path, tables=tables) from None
    _limit_memory(con)
    return LazySource(table, text, "duckdb", "duckdb", keep=con)


def _limit_memory(con: Any) -> None:
    """Bound DuckDB's memory in a connection scoreaudit opened (it spills beyond)."""
    limit = os.environ.get("SCOREAUDIT_DUCKDB_MEMORY", DUCKDB_MEMORY)
    try:
        con.con.execute(f"SET memory_limit = '{limit}'")
    except Exception as exc:
        raise DataError.from_key("err_duckdb_memory", limit=limit, detail=str(exc)) from None


def _ibis_table(table: Any) -> LazySource:
    try:
        backend = table.get_backend()
        dialect = backend.name
    except Exception:  # an unbound table cannot run
        raise DataError.from_key("err_ibis_unbound") from None
    name = getattr(table.op(), "name", None) or f"ibis {dialect} table"
    if dialect == "pyspark":
        import ibis

        ibis.pyspark  # noqa: B018 - loads the dialect's options
    return LazySource(table, str(name), "ibis", dialect)


def _relation(rel: Any) -> LazySource:
    import ibis
    import pyarrow as pa

    view = f"sa_rel_{uuid.uuid4().hex[:12]}"
    schema = ibis.schema({c: _duckdb_type(t) for c, t in zip(rel.columns, rel.types, strict=True)})
    table = ibis.table(schema, name=view)

    def run(expr: Any) -> pa.Table:
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        return rel.query(view, sql).to_arrow_table()

    def stream(expr: Any, size: int) -> Iterator[pa.RecordBatch]:
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        yield from rel.query(view, sql).to_arrow_reader(size)

    return LazySource(table, "DuckDB relation", "relation", "duckdb", run, stream, keep=rel)


def _duckdb_type(t: Any) -> Any:
    from ibis.backends.sql.datatypes import DuckDBType

    return DuckDBType.from_string(str(t))


def _spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the installation
        raise DataError.from_key("err_spark_missing") from None
    try:
        return SparkSession.builder.appName("scoreaudit").getOrCreate()
    except Exception as exc:  # no Java, no cluster
        raise DataError.from_key("err_spark_session", detail=str(exc)) from None


def _spark_files(text: str) -> LazySource:
    spark = _spark_session()
    paths, kind = _files(text)
    try:
        if kind == "parquet":
            frame = spark.read.parquet(*paths)
        else:
            frame = spark.read.csv(paths, header=True, inferSchema=True)
    except Exception as exc:
        raise DataError.from_key("err_spark_read", text=text, detail=str(exc)) from None
    src = _spark_frame(frame, text)
    if kind == "parquet":
        src.categories = _parquet_categories(paths[0])
    return src


def _spark_frame(frame: Any, name: str) -> LazySource:
    import ibis
    import pyarrow as pa

    ibis.pyspark  # noqa: B018 - loads the dialect's options
    view = f"sa_df_{uuid.uuid4().hex[:12]}"
    frame.createOrReplaceTempView(view)
    spark = frame.sparkSession
    schema = ibis.schema({f.name: _spark_type(f.dataType) for f in frame.schema.fields})
    table = ibis.table(schema, name=view)

    def run(expr: Any) -> pa.Table:
        sql = str(ibis.to_sql(expr, dialect="pyspark"))
        return spark.sql(sql).toArrow()

    def stream(expr: Any, size: int) -> Iterator[pa.RecordBatch]:
        sql = str(ibis.to_sql(expr, dialect="pyspark"))
        rows: list = []
        for row in spark.sql(sql).toLocalIterator(prefetchPartitions=True):
            rows.append(row.asDict())
            if len(rows) >= min(size, 100_000):
                yield pa.RecordBatch.from_pylist(rows)
                rows = []
        if rows:
            yield pa.RecordBatch.from_pylist(rows)

    return LazySource(table, name, "spark", "pyspark", run, stream, keep=frame)


def _spark_type(t: Any) -> str:
    name = type(t).__name__
    return {
        "StringType": "string",
        "BooleanType": "boolean",
        "ByteType": "int8",
        "ShortType": "int16",
        "IntegerType": "int32",
        "LongType": "int64",
        "FloatType": "float32",
        "DoubleType": "float64",
        "DateType": "date",
        "TimestampType": "timestamp",
    }.get(name, "string" if name == "VarcharType" else "float64")


# ----------------------------------------------------------------------------------------------
# metadata of a lazy population


@dataclass(frozen=True)
class LazyMeta:
    """What comes back from the engine to build a Population: small, whatever the rows."""

    rows: int
    levels: dict[str, pd.Series]  # per protected column: distinct keys (NaN = missing) -> rows
    labelled: int | None
    total_weight: float | None


def column_type(source: LazySource, column: str) -> Any:
    """ibis data type of ``column``, or a DataError naming the table and column."""
    cols = list(source.table.columns)
    if column not in cols:
        shown = ", ".join(map(str, cols[:30]))
        more = " ..." if len(cols) > 30 else ""
        raise DataError.from_key(
            "err_engine_column", column=column, name=source.name, columns=shown + more
        )
    return source.table.schema()[column]


def protected_key(source: LazySource, column: str, edges: Sequence[float] | None) -> Any:
    """The engine expression of a protected column's group key (band code when banded)."""
    import ibis

    dtype = column_type(source, column)
    col = source.table[column]
    if edges is None:
        if not (
            dtype.is_string() or dtype.is_integer() or dtype.is_boolean() or dtype.is_floating()
        ):
            raise DataError.from_key(
                "err_engine_group_type", column=column, name=source.name, dtype=str(dtype)
            )
        return col
    if not dtype.is_numeric():
        raise DataError.from_key(
            "err_engine_band_type", column=column, name=source.name, dtype=str(dtype)
        )
    code = ibis.literal(0)
    for e in edges:  # band = number of edges <= value (closed on the left)
        code = code + (col >= float(e)).cast("int32")
    missing = col.isnull()
    if dtype.is_floating():
        missing = missing | col.isnan()
    return ibis.ifelse(missing, ibis.null("int32"), code.cast("int32"))


def describe_lazy(
    source: LazySource,
    protected: Sequence[str],
    bands: Mapping[str, Sequence[float]],
    label: str | None,
    weight: str | None,
) -> LazyMeta:
    """Rows, protected keys with their counts, label and weight checks: one small query."""
    import ibis

    t = source.table
    cols = {f"k{i}": protected_key(source, c, bands.get(c)) for i, c in enumerate(protected)}
    if label is not None:
        cols["lab"] = label_class(source, label)
    if weight is not None:
        w = weight_expr(source, weight)
        cols["bad_w"] = (w.isnull() | w.isnan() | (w <= 0) | w.isinf()).cast("int64")
        cols["wt"] = ibis.ifelse(cols["bad_w"] == 1, 0.0, w)
    x = t.select(**cols)
    aggs: dict[str, Any] = {"n": x.count()}
    if label is not None:
        aggs["bad_label"] = (x.lab < 0).cast("int64").sum()
        aggs["labelled"] = (x.lab < 2).cast("int64").sum()
    if weight is not None:
        aggs["bad_weight"] = x.bad_w.sum()
        aggs["total_weight"] = x.wt.sum()
    # one scan: rows per combination of protected keys (few), with the label/weight checks
    keys = [f"k{i}" for i in range(len(protected))]
    q = x.group_by(keys).aggregate(**aggs).limit(_MAX_COMBOS + 1)
    combos = source.execute(q).to_pandas()
    return meta_from_combos(source, protected, label, weight, combos)


def meta_from_combos(
    source: LazySource,
    protected: Sequence[str],
    label: str | None,
    weight: str | None,
    combos: pd.DataFrame,
) -> LazyMeta:
    """The description from rows per combination of protected keys, with the checks.

    ``combos`` has the keys ``k0, k1, ...`` and the sums ``n`` (rows), ``bad_label`` and
    ``labelled`` (with a label), ``bad_weight`` and ``total_weight`` (with a weight): from
    :func:`describe_lazy`'s query, or derived from the audit's own level table (one scan
    for both, :mod:`scoreaudit.engines.sql`).
    """
    if len(combos) > _MAX_COMBOS:
        raise DataError.from_key("err_engine_combos", name=source.name, max=f"{_MAX_COMBOS:,}")
    sums = [c for c in combos.columns if not c.startswith("k")]
    row = {k: combos[k].sum() for k in sums}
    if label is not None and row["bad_label"]:
        raise DataError.from_key(
            "err_engine_label_values", column=label, name=source.name, n=row["bad_label"]
        )
    if weight is not None and row["bad_weight"]:
        raise DataError.from_key(
            "err_engine_weight_values", column=weight, name=source.name, n=row["bad_weight"]
        )
    levels = {}
    for i, c in enumerate(protected):
        per = combos.groupby(f"k{i}", dropna=False, sort=False)["n"].sum()
        if len(per) > MAX_LEVELS:
            raise DataError.from_key(
                "err_engine_levels", column=c, name=source.name, max=f"{MAX_LEVELS:,}"
            )
        levels[c] = pd.Series(per.to_numpy(np.int64), index=pd.Index(per.index, name="key"))
    return LazyMeta(
        rows=int(row["n"]),
        levels=levels,
        labelled=None if label is None else int(row["labelled"]),
        total_weight=None if weight is None else float(row["total_weight"]),
    )


def label_class(source: LazySource, column: str) -> Any:
    """0 (no irregularity), 1 (irregularity), 2 (never controlled), -1 (not a label)."""
    import ibis

    dtype = column_type(source, column)
    col = source.table[column]
    if dtype.is_boolean():
        return ibis.cases((col.isnull(), 2), (col, 1), else_=0)
    if not dtype.is_numeric():
        raise DataError.from_key(
            "err_engine_label_type", column=column, name=source.name, dtype=str(dtype)
        )
    missing = col.isnull() | col.isnan() if dtype.is_floating() else col.isnull()
    return ibis.cases((missing, 2), (col == 1, 1), (col == 0, 0), else_=-1)


def weight_expr(source: LazySource, column: str) -> Any:
    """The weight column as float64 (a DataError for booleans and text)."""
    dtype = column_type(source, column)
    if not dtype.is_numeric() or dtype.is_boolean():
        raise DataError.from_key(
            "err_engine_weight_type", column=column, name=source.name, dtype=str(dtype)
        )
    return source.table[column].cast("float64")


def init_lazy_population(
    pop: Any,
    source: LazySource,
    protected: Sequence[str],
    label: str | None,
    weight: str | None,
    bands: Mapping[str, Sequence[float]],
    missing: str,
) -> None:
    """Fill a :class:`~scoreaudit.data.population.Population` from engine metadata only.

    The protected attributes are validated by the in-memory code on their DISTINCT keys (one
    pseudo-row per key), so levels, their order and every refusal are those of a frame.
    ``pop.key_maps[column]`` maps a key (value or band code) to its level code.
    """

    protected = [protected] if isinstance(protected, str) else list(protected)
    if missing not in ("error", "category"):
        raise DataError.from_key("err_missing_option", value=missing)
    if not protected:
        raise DataError.from_key("err_no_protected")
    if len(set(protected)) != len(protected):
        raise DataError.from_key("err_protected_twice", protected=protected)
    for c in protected:
        column_type(source, c)
    unknown = [c for c in bands if c not in protected]
    if unknown:
        raise DataError.from_key("err_bands_not_protected", bands=unknown, protected=protected)
    for col, key in ((label, "err_label_is_protected"), (weight, "err_weight_is_protected")):
        if col is not None and col in protected:
            raise DataError.from_key(key, column=col)
    if label is not None:
        label_class(source, label)  # type checks now, values at the description
    if weight is not None:
        weight_expr(source, weight)
    pop.source = source
    pop.data = None
    pop.protected = protected
    pop.bands = {k: [float(e) for e in v] for k, v in bands.items()}
    pop.missing = missing
    pop.label_column, pop.weight_column = label, weight
    pop.labels = pop.weights = None
    pop._pending_description = True


#: Attributes of a lazy population that its description fills (see :func:`describe_population`).
DESCRIBED = frozenset({"n_rows", "attributes", "key_maps", "lazy_meta"})


def description_pending(pop: Any) -> bool:
    """True while a lazy population has not been described yet (nothing scanned so far)."""
    return bool(vars(pop).get("_pending_description"))


def describe_population(pop: Any, meta: LazyMeta | None = None) -> None:
    """Describe a lazy population: rows, protected groups, label and weight checks.

    Done at the population's first use rather than when it is built, so that an audit can
    take the description from its own level table (one scan of the data instead of two);
    any other first use (``len``, ``attributes``, ``summary``...) runs
    :func:`describe_lazy`'s query. ``meta``: the description when already computed.
    """
    source = pop.source
    protected, label, weight = pop.protected, pop.label_column, pop.weight_column
    if meta is None:
        meta = describe_lazy(source, protected, pop.bands, label, weight)
    if meta.rows < 2:
        raise DataError.from_key("err_engine_rows", name=source.name, n=meta.rows)
    attributes, key_maps = {}, {}
    for c in protected:
        keys = meta.levels[c]
        null = keys.index.isna()
        if null.any() and pop.missing == "error":
            raise DataError.from_key(
                "err_engine_missing",
                column=c,
                name=source.name,
                n=int(keys[null].sum()),
                label=MISSING_LABEL,
            )
        values = pd.Series(keys.index)
        cats = source.categories.get(c)
        if cats is not None and c not in pop.bands and set(values.dropna()) <= set(cats):
            values = pd.Series(pd.Categorical(values, categories=cats))
        if c in pop.bands:  # one representative value per band code
            edges = np.asarray(pop.bands[c], dtype=float)
            lows = np.concatenate([[np.nextafter(edges[0], -np.inf)], edges])
            code = values.to_numpy(dtype=float, na_value=np.nan)
            values = pd.Series(
                np.where(np.isnan(code), np.nan, lows[np.nan_to_num(code).astype(int)])
            )
        attr = pop._attribute(c, values)
        key_maps[c] = (pd.Index(keys.index), attr.codes)
        attributes[c] = type(attr)(name=c, codes=np.zeros(0, dtype=np.int32), levels=attr.levels)
    pop.n_rows, pop.attributes, pop.key_maps = meta.rows, attributes, key_maps
    pop.lazy_meta = meta
    pop._pending_description = False
