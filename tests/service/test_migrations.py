"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import shapely
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from service.store import migrate
from service.store.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_a_record_numbered_in_16_digits_moves_to_db11_t_2157_2023s_15(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(text("INSERT INTO areas (code, level, name, parent_code, geometry_wkb, attributes) VALUES "
                                "('3301080030010007', 'grid', 'g', '330108003001', :wkb, '{}'), "
                                "('330108003001000702', 'micro_grid', 'm', '3301080030010007', :wkb, '{}'), "
                                "('FQ01', 'defence_zone', 'z', '330108003', :wkb, '{}')"),
                           {"wkb": shapely.to_wkb(shapely.box(120.14, 30.15, 120.15, 30.16))})
        connection.commit()
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = set(connection.execute(text("SELECT code, parent_code FROM areas")))
    assert rows == {("330108003001007", "330108003001"), ("33010800300100702", "330108003001007"),
                    ("FQ01", "330108003")}
