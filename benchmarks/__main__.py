"""Run the benchmarks and print their figures (copy them into the README)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from benchmarks import goals, outbox


async def main(quick: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    scale = 10 if quick else 1
    print("limits off:", json.dumps(await outbox.limits_off(3000 // scale * 3, 200)))
    print("tick sqlite:", json.dumps(await outbox.tick_cost(outbox.sqlite_url(), "sqlite")))
    try:
        from tests.databases import PostgresDatabases, postgres_available

        if postgres_available() is None:
            pg = PostgresDatabases()
            url = pg.create(migrated=True)
            try:
                print("tick postgresql:", json.dumps(await outbox.tick_cost(url, "postgresql")))
            finally:
                pg.close()
        else:
            print("tick postgresql: skipped,", postgres_available())
    except ImportError:
        print("tick postgresql: skipped (tests package not importable)")
    sizes = (50, 500) if quick else (500, 5000)
    print("goals sweep sqlite:", json.dumps(goals.sweep_cost(outbox.sqlite_url, sizes)))
    try:
        from tests.databases import PostgresDatabases, postgres_available

        if postgres_available() is None:
            pg = PostgresDatabases()
            try:
                made = goals.sweep_cost(lambda: pg.create(migrated=True), sizes)
                print("goals sweep postgresql:", json.dumps(made))
            finally:
                pg.close()
    except ImportError:
        pass
    print("goals chart:", json.dumps(goals.chart_cost()))
    limited = await outbox.within_limits(10_000 // scale, 2_000 // scale)
    print("within limits:", json.dumps(limited))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    asyncio.run(main(parser.parse_args().quick))
