"""PostgreSQL triggers that keep evidence records append-only (issue 9.11), installed by migrations.

UPDATE may change only the columns a ledger legitimately fills later (passed as the trigger's arguments);
DELETE and TRUNCATE are refused. A test database sets `kjfdy.allow_truncate=on` for its connection (test
settings) so that the test runner can empty tables between tests; nothing else sets it.
"""

FUNCTION = """
CREATE OR REPLACE FUNCTION kjfdy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mutable text[] := CASE WHEN TG_NARGS = 0 THEN ARRAY[]::text[] ELSE TG_ARGV END;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF current_setting('kjfdy.allow_truncate', true) = 'on' THEN RETURN NULL; END IF;
    RAISE EXCEPTION 'TRUNCATE % refused: evidence records are append-only', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'DELETE from % refused: evidence records are append-only', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(OLD) - mutable) IS DISTINCT FROM (to_jsonb(NEW) - mutable) THEN
    RAISE EXCEPTION 'UPDATE of % refused: only % may change', TG_TABLE_NAME, mutable
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The audit log's chain columns are filled once: a sealed entry is frozen (other tables have no such key).
  IF COALESCE(to_jsonb(OLD) ->> 'chain_hash', '') <> '' THEN
    RAISE EXCEPTION 'UPDATE of a sealed audit entry refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


def install_sql(table: str, mutable_columns: tuple[str, ...]) -> str:
    args = ", ".join(f"'{c}'" for c in mutable_columns)
    return f"""
{FUNCTION}
DROP TRIGGER IF EXISTS {table}_append_only_row ON {table};
DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table};
CREATE TRIGGER {table}_append_only_row BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION kjfdy_append_only({args});
CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION kjfdy_append_only();
"""


def remove_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only_row ON {table};
DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table};
"""


def operations(tables: dict[str, tuple[str, ...]]):
    """Migration operations installing the triggers on PostgreSQL (other databases: nothing to do)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table, columns in tables.items():
                schema_editor.execute(install_sql(table, columns), params=None)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(remove_sql(table), params=None)

    return [migrations.RunPython(forward, backward)]
