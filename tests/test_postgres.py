"""schemas/postgres.sql in a real PostgreSQL server: two years loaded from the CSVs with COPY, nothing lost.

The server is the distribution's (Debian's postgresql package; `.ci/run`
installs it when missing), started by the test in a private folder with a
Unix socket only, so it needs no free port and touches no other cluster. The
test skips only when no server binary is installed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

psycopg = pytest.importorskip("psycopg")

from pipeline import contract  # noqa: E402
from pipeline import fields as F  # noqa: E402
from tests.docs_snippets import doc_block  # noqa: E402
from tools.testkit.two_years import build_two_years  # noqa: E402

PORT = 5433  # only names the socket file inside the private folder; no TCP listener


def server_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL server's initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user() -> tuple[list[str], str | None]:
    """The command prefix that runs a program as a user PostgreSQL accepts (it refuses root), and that user."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    pytest.skip("running as root and there is no postgres or nobody user to run the server as")


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server of our own: yields the psycopg connection arguments; stopped and removed after."""
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server installed (initdb not found; .ci/run installs Debian's postgresql)")
    prefix, user = _as_server_user()
    # not under pytest's tmp folder: that is private to root, and the server runs as another user
    root = Path(tempfile.mkdtemp(prefix="nanoknife-pg-"))
    data, log = root / "data", root / "server.log"
    if user:
        shutil.chown(root, user)
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--locale=C"], check=True, capture_output=True)
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                        f"-k {root} -c listen_addresses='' -p {PORT} -c fsync=off", "start"],
                       check=True, capture_output=True)
        yield {"host": str(root), "port": PORT, "user": "postgres", "dbname": "postgres"}
    except subprocess.CalledProcessError as exc:
        log_text = log.read_text() if log.exists() else ""
        raise AssertionError(f"{exc.cmd[len(prefix)]} failed: {exc.stderr.decode()}{log_text}") from None
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return build_two_years(tmp_path_factory.mktemp("postgres"))


@pytest.fixture(scope="module")
def loaded(server, outputs):
    """Both years, 2022 then 2023, loaded from their CSVs with COPY into the tables of schemas/postgres.sql."""
    with psycopg.connect(**server, autocommit=True) as con:
        con.execute((contract.SCHEMAS / "postgres.sql").read_text(encoding="utf-8"))
        for year in (2022, 2023):
            for name in F.TABLES:  # codes first: the others reference it
                with con.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT csv, HEADER match)') as copy:
                    copy.write((outputs / str(year) / f"{name}.csv").read_bytes())
    return server


def query(server, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(**server) as con:
        return con.execute(sql, params).fetchall()


def test_both_years_are_loaded_whole(loaded):
    counts = query(loaded, "SELECT guide_year, count(*) FROM payments GROUP BY 1 ORDER BY 1")
    assert counts == [(2022, 8), (2023, 8)]
    for name in F.TABLES:
        assert query(loaded, f'SELECT count(DISTINCT guide_year) FROM "{name}"') == [(2,)]
    assert query(loaded, "SELECT count(*) FROM provenance") == [(192,)]


def test_money_reads_back_as_numeric_12_2(loaded):
    assert query(loaded, "SELECT guide_year, payment_usd, pg_typeof(payment_usd)::text FROM payments "
                         "WHERE cpt_code = '0600T' AND setting = 'hospital_outpatient' ORDER BY 1") == [
        (2022, Decimal("9096.46"), "numeric"), (2023, Decimal("9278.39"), "numeric")]
    types = dict(query(loaded, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                               "WHERE attrelid = 'payments'::regclass AND attnum > 0 AND NOT attisdropped"))
    assert types == {"guide_year": "smallint", "cpt_code": "text", "setting": "text", "payment_status": "text",
                     "payment_usd": "numeric(12,2)", "rvus": "numeric(8,2)", "apc": "text", "indicator": "text",
                     "source_page": "smallint"}
    assert query(loaded, "SELECT rvus FROM payments WHERE guide_year = 2023 AND cpt_code = '0601T' "
                         "AND setting = 'physician_facility'") == [(Decimal("24.15"),)]


def test_comments_and_keys_are_declared(loaded):
    assert query(loaded, "SELECT col_description('payments'::regclass, 5)") == [
        (F.PAYMENTS.field("payment_usd").description,)]
    assert query(loaded, "SELECT obj_description('codes'::regclass, 'pg_class')") == [(F.CODES.description,)]
    keys = query(loaded, "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                         "WHERE contype IN ('p', 'f') AND conrelid::regclass::text IN ('codes', 'payments') "
                         "ORDER BY 1, 2")
    assert keys == [("codes", "p", "PRIMARY KEY (guide_year, cpt_code)"),
                    ("payments", "f", "FOREIGN KEY (guide_year, cpt_code) REFERENCES codes(guide_year, cpt_code)"),
                    ("payments", "p", "PRIMARY KEY (guide_year, cpt_code, setting)")]


@pytest.mark.parametrize("code", ["X0600TX", "0600TX", "060T", "0600t"])
def test_a_bad_code_is_rejected(loaded, code):
    with pytest.raises(psycopg.errors.CheckViolation, match="codes_cpt_code_check"):
        query(loaded, "INSERT INTO codes VALUES (2024, %s, 'III', 'x', 3)", [code])


def test_an_orphan_payment_is_rejected(loaded):
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="payments_guide_year_cpt_code_fkey"):
        query(loaded, "INSERT INTO payments VALUES (2023, '0602T', 'hospital_outpatient', 'national_rate', 1.00, "
                      "NULL, '5362', 'J1', 3)")


def test_a_negative_amount_and_a_second_copy_of_a_year_are_rejected(loaded):
    with pytest.raises(psycopg.errors.CheckViolation, match="payments_payment_usd_check"):
        query(loaded, "INSERT INTO payments VALUES (2023, '0600T', 'hospital_outpatient', 'national_rate', -1.00, "
                      "NULL, '5362', 'J1', 3)")
    with pytest.raises(psycopg.errors.UniqueViolation, match="codes_pkey"):
        query(loaded, "INSERT INTO codes SELECT * FROM codes WHERE guide_year = 2022")


def checkout_of(outputs):
    """The folder holding `outputs`, laid out like the repository: outputs/ and schemas/ side by side."""
    checkout = outputs.parent
    (checkout / "schemas").mkdir(exist_ok=True)
    for name in ("postgres.sql", "postgres-year.sql"):
        shutil.copy(contract.SCHEMAS / name, checkout / "schemas" / name)
    return checkout


def shell(server, script: str, cwd) -> subprocess.CompletedProcess:
    """`script` run by bash in `cwd`, with the server's psql on PATH and our server in the PG* variables."""
    env = {**os.environ, "PATH": f"{server_bin()}:{os.environ['PATH']}", "PGHOST": server["host"],
           "PGPORT": str(server["port"]), "PGUSER": server["user"]}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True)


def test_the_docs_psql_commands_load_both_years(server, outputs):
    """docs/warehouses.md's shell block, run as written with psql against our server (PG* variables)."""
    done = shell(server, doc_block("tested: psql"), checkout_of(outputs))
    assert (done.returncode, done.stderr) == (0, "")
    database = {**server, "dbname": "nanoknife"}
    assert query(database, "SELECT guide_year, count(*) FROM payments GROUP BY 1 ORDER BY 1") == [(2022, 8), (2023, 8)]
    assert query(database, "SELECT payment_usd FROM payments WHERE guide_year = 2022 AND cpt_code = '0600T' "
                           "AND setting = 'hospital_outpatient'") == [(Decimal("9096.46"),)]
    for name in F.TABLES:
        rows = query(database, f'SELECT * FROM "{name}" ORDER BY 1, 2, 3, 4')
        assert len(rows) == sum(len(pq.read_table(outputs / str(y) / f"{name}.parquet")) for y in (2022, 2023))


# ---------------------------------------------------------------- run twice; one year loaded or replaced

def fresh_database(server, name: str) -> dict:
    with psycopg.connect(**server, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return {**server, "dbname": name}


def everything(database) -> dict[str, list[tuple]]:
    return {name: query(database, f'SELECT * FROM "{name}" ORDER BY 1, 2, 3, 4') for name in F.TABLES}


def load_year(server, database, folder, cwd=None) -> subprocess.CompletedProcess:
    """schemas/postgres-year.sql run by psql on `folder` (a year's folder), as docs/warehouses.md says."""
    checkout = checkout_of(folder.parent)
    return shell(server, f"psql -d {database['dbname']} -q -v year_folder={folder} -f {checkout}/schemas/"
                         "postgres-year.sql", cwd or checkout)


def test_the_ddl_runs_twice_and_keeps_the_rows(server, outputs):
    database = fresh_database(server, "twice")
    ddl = (contract.SCHEMAS / "postgres.sql").read_text(encoding="utf-8")
    with psycopg.connect(**database, autocommit=True) as con:
        con.execute(ddl)
        con.execute("INSERT INTO codes VALUES (2022, '0600T', 'III', 'x', 3)")
        con.execute(ddl)  # a second run: no error, nothing dropped
    assert query(database, "SELECT * FROM codes") == [(2022, "0600T", "III", "x", 3)]
    assert query(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(len(F.TABLES),)]


def test_a_year_is_loaded_then_replaced_whole_and_the_other_year_is_kept(server, outputs, tmp_path):
    database = fresh_database(server, "years")
    for year in (2022, 2023):
        done = load_year(server, database, outputs / str(year))
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    loaded = everything(database)
    assert {name: len(rows) for name, rows in loaded.items()} == {
        "codes": 4, "payments": 16, "exclusions": 12, "terminology": 22, "provenance": 192}
    assert query(database, "SELECT guide_year, payment_usd FROM payments WHERE cpt_code = '0600T' "
                           "AND setting = 'hospital_outpatient' ORDER BY 1") == [
        (2022, Decimal("9096.46")), (2023, Decimal("9278.39"))]

    # the 2023 guide corrected: one amount, one term fewer; loading its folder replaces 2023, and only 2023
    corrected = tmp_path / "outputs" / "2023"
    shutil.copytree(outputs / "2023", corrected)
    payments = (corrected / "payments.csv").read_text(encoding="utf-8")
    (corrected / "payments.csv").write_text(payments.replace(",9278.39,", ",9300.00,"), encoding="utf-8")
    terms = (corrected / "terminology.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (corrected / "terminology.csv").write_text("".join(terms[:-1]), encoding="utf-8")
    done = load_year(server, database, corrected, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert query(database, "SELECT guide_year, payment_usd FROM payments WHERE cpt_code = '0600T' "
                           "AND setting = 'hospital_outpatient' ORDER BY 1") == [
        (2022, Decimal("9096.46")), (2023, Decimal("9300.00"))]
    assert query(database, "SELECT guide_year, count(*) FROM terminology GROUP BY 1 ORDER BY 1") == [
        (2022, 11), (2023, 10)]
    after = everything(database)
    assert {name: [r for r in rows if r[0] == 2022] for name, rows in after.items()} == \
        {name: [r for r in rows if r[0] == 2022] for name, rows in loaded.items()}

    # run from inside the year's folder, without year_folder: the CSVs of the current folder
    done = shell(server, f"psql -d years -q -f {outputs.parent}/schemas/postgres-year.sql", outputs / "2023")
    assert (done.returncode, done.stderr) == (0, "")
    assert everything(database) == loaded


def test_a_failed_load_rolls_back_to_what_the_database_held(server, outputs, tmp_path):
    database = fresh_database(server, "rollback")
    for year in (2022, 2023):
        assert load_year(server, database, outputs / str(year)).returncode == 0
    before = everything(database)
    bad = tmp_path / "outputs" / "2023"

    # a bad value in the last file read: every table of 2023 keeps its rows
    shutil.copytree(outputs / "2023", bad)
    provenance = (bad / "provenance.csv").read_text(encoding="utf-8")
    (bad / "provenance.csv").write_text(provenance.replace("2023,codes,0600T,", "2023,codes,0600T,,", 1),
                                        encoding="utf-8")
    done = load_year(server, database, bad, cwd=tmp_path)
    assert done.returncode == 3  # psql's status when ON_ERROR_STOP stops a script
    assert "ERROR:  extra data after last expected column" in done.stderr
    assert everything(database) == before

    # a folder holding two years (2022's codes in 2023's folder) is refused, naming the count
    shutil.copy(outputs / "2023" / "provenance.csv", bad / "provenance.csv")
    codes = (outputs / "2022" / "codes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    with open(bad / "codes.csv", "a", encoding="utf-8") as fh:
        fh.writelines(codes[1:])
    done = load_year(server, database, bad, cwd=tmp_path)
    assert done.returncode == 3
    assert "ERROR:  the CSVs hold 2 guide years: load the folder of one year" in done.stderr
    assert everything(database) == before

    # a missing file
    (bad / "exclusions.csv").unlink()
    done = load_year(server, database, bad, cwd=tmp_path)
    assert done.returncode == 3
    assert "exclusions.csv: No such file or directory" in done.stderr
    assert everything(database) == before
