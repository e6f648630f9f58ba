"""Writing gazetteer rows: COPY into a temporary table, then one upsert per batch.

A batch is committed on its own, so a two-million-row file is never one huge
transaction and memory stays bounded by the batch. Rows that would change nothing
are not rewritten (a reload of the same file mostly reads).
"""

from collections.abc import Iterable

from django.db import connection, transaction

from ..models import Place
from .layouts import Row

BATCH = 20_000
COLUMNS = list(Row._fields)
UPDATED = [c for c in COLUMNS if c not in ("kind", "ref")]
STAGING = "gazetteer_load"


class Writer:
    """Collects rows and writes them a batch at a time.

    `only_new`: insert rows whose (kind, ref) is not there yet and leave existing
    ones alone (the built-in postcode areas must not replace the centres a
    postcode file gave them).
    """

    def __init__(self, *, batch: int = BATCH, only_new: bool = False, on_flush=None):
        self.batch = batch
        self.only_new = only_new
        self.on_flush = on_flush
        self.rows: list[Row] = []
        self.written = 0
        self.unchanged = 0
        self._staging_ready = False

    def add(self, row: Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def add_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        with transaction.atomic(), connection.cursor() as cursor:
            self._prepare(cursor)
            with cursor.cursor.copy(
                f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row([*row[:-1], list(row.alt_keys)])
            cursor.execute(self._upsert_sql())
            changed = max(cursor.rowcount, 0)
            cursor.execute(f"TRUNCATE {STAGING}")
        self.written += changed
        self.unchanged += len(rows) - changed
        if self.on_flush is not None:
            self.on_flush(len(rows))

    def _prepare(self, cursor) -> None:
        if self._staging_ready:
            return
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ("
            "seq bigserial, kind text, ref text, name text, key text, "
            "latitude double precision, longitude double precision, county text, "
            "nation text, population integer, alt_keys text[])"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        self._staging_ready = True

    def _upsert_sql(self) -> str:
        table = Place._meta.db_table
        columns = ", ".join(COLUMNS)
        # Within one batch the last row of a (kind, ref) wins, as it does across
        # batches.
        select = (
            f"SELECT DISTINCT ON (kind, ref) {columns}, '' AS label, '' AS slug "
            f"FROM {STAGING} ORDER BY kind, ref, seq DESC"
        )
        if self.only_new:
            conflict = "ON CONFLICT (kind, ref) DO NOTHING"
        else:
            assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATED)
            before = ", ".join(f"{table}.{c}" for c in UPDATED)
            after = ", ".join(f"EXCLUDED.{c}" for c in UPDATED)
            conflict = (
                f"ON CONFLICT (kind, ref) DO UPDATE SET {assignments} "
                f"WHERE ({before}) IS DISTINCT FROM ({after})"
            )
        return f"INSERT INTO {table} ({columns}, label, slug) {select} {conflict}"
