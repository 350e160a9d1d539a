"""Runs `vpce-advisor sql` queries on real engines for the integration tests.

Usage: python3 run_engines.py JOBS.json

JOBS.json: {"copies": [...], "jobs": [...]}.
- copies: {"name", "src" (folder of S3 text delivery files), "parquet" (folder to write),
  "fields" (the flow-log field names of the files)}: writes a Parquet copy with AWS's Parquet column
  names and types under Hive folders aws-account-id=/aws-service=vpcflowlogs/aws-region=/year=/month=/day=.
- jobs: {"engine": "duckdb"|"spark", "sql" (query file), "out" (CSV to write),
  "table": null | {"name", "kind": "text"|"parquet", "path", "fields"}}: a table job first
  registers the records as a view with the layout the query expects (text: AWS's Athena table columns
  and a `date` partition column; parquet: the Parquet copy with its Hive partitions).

All Spark jobs share one local session (one JVM). Prints one line per job with its wall time.
"""

import csv
import glob
import json
import os
import sys
import time

NUMERIC = {"version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end",
           "tcp-flags", "traffic-path", "sublocation-type"}


def snake(name):
    return name.replace("-", "_")


def write_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def text_files(folder):
    return sorted(glob.glob(os.path.join(folder, "**", "*.log*"), recursive=True))


def make_parquet_copy(copy):
    import duckdb

    con = duckdb.connect()
    files = text_files(copy["src"])
    cols = []
    for name in copy["fields"]:
        value = f"NULLIF(\"{name}\", '-')"
        if name in NUMERIC:
            value = f"CAST({value} AS BIGINT)"
        cols.append(f"{value} AS \"{snake(name)}\"")
    file_list = ", ".join("'" + f + "'" for f in files)
    con.execute(
        f"""COPY (
          SELECT {', '.join(cols)},
            regexp_extract(filename, 'AWSLogs/([0-9]{{12}})/', 1) AS "aws-account-id",
            'vpcflowlogs' AS "aws-service",
            regexp_extract(filename, '/vpcflowlogs/([a-z0-9-]+)/', 1) AS "aws-region",
            regexp_extract(filename, '/([0-9]{{4}})/([0-9]{{2}})/([0-9]{{2}})/', 1) AS "year",
            regexp_extract(filename, '/([0-9]{{4}})/([0-9]{{2}})/([0-9]{{2}})/', 2) AS "month",
            regexp_extract(filename, '/([0-9]{{4}})/([0-9]{{2}})/([0-9]{{2}})/', 3) AS "day"
          FROM read_csv([{file_list}], delim = ' ', header = true, all_varchar = true,
                        union_by_name = true, filename = true)
        ) TO '{copy["parquet"]}' (FORMAT PARQUET, PARTITION_BY ("aws-account-id", "aws-service",
          "aws-region", "year", "month", "day"), OVERWRITE_OR_IGNORE true)"""
    )


def run_duckdb(job):
    import duckdb

    con = duckdb.connect()
    table = job.get("table")
    if table:
        if table["kind"] == "text":
            files = ", ".join("'" + f + "'" for f in text_files(table["path"]))
            cols = ", ".join(f"\"{n}\" AS \"{snake(n)}\"" for n in table["fields"])
            con.execute(
                f"""CREATE VIEW "{table['name']}" AS SELECT {cols},
                  CAST(to_timestamp(CAST("start" AS BIGINT)) AS DATE) AS "date"
                FROM read_csv([{files}], delim = ' ', header = true, all_varchar = true,
                              union_by_name = true)"""
            )
        else:
            con.execute(
                f"""CREATE VIEW "{table['name']}" AS SELECT * FROM
                read_parquet('{table['path']}/**/*.parquet', hive_partitioning = true)"""
            )
    rel = con.sql(open(job["sql"]).read())
    write_csv(job["out"], rel.columns, rel.fetchall())


def run_spark(spark, job):
    from pyspark.sql import functions as F

    table = job["table"]
    if table["kind"] == "text":
        df = (spark.read.option("sep", " ").option("header", True)
              .csv(text_files(table["path"])))
        for n in table["fields"]:
            df = df.withColumnRenamed(n, snake(n))
        df = df.withColumn("date", F.to_date(F.from_unixtime(F.col("start").cast("bigint"))))
    else:
        df = spark.read.option("basePath", table["path"]).parquet(table["path"])
    df.createOrReplaceTempView(table["name"])
    result = spark.sql(open(job["sql"]).read())
    write_csv(job["out"], result.columns, [tuple(r) for r in result.collect()])


def main():
    spec = json.load(open(sys.argv[1]))
    for copy in spec.get("copies", []):
        make_parquet_copy(copy)
    spark = None
    for job in spec["jobs"]:
        t0 = time.time()
        if job["engine"] == "duckdb":
            run_duckdb(job)
        else:
            if spark is None:
                from pyspark.sql import SparkSession

                spark = (SparkSession.builder.master("local[2]").appName("vpce-advisor-tests")
                         .config("spark.ui.enabled", "false")
                         .config("spark.ui.showConsoleProgress", "false")
                         .config("spark.sql.shuffle.partitions", "4")
                         .config("spark.sql.session.timeZone", "UTC")
                         .getOrCreate())
                spark.sparkContext.setLogLevel("ERROR")
            run_spark(spark, job)
        print(f"{job['engine']} {job['out']}: {time.time() - t0:.1f} s", flush=True)
    if spark is not None:
        spark.stop()


if __name__ == "__main__":
    main()
