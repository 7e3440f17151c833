"""The operational store: tables, migrations, repositories, PII encryption and audit."""
