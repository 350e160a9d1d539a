"""Spark job: VPC flow logs (a table or an S3/local path) in, vpce-advisor's traffic CSV out.

Runs the query `vpce-advisor sql --engine spark` prints over the records and writes its small
result as one CSV file with a header, which `vpce-advisor analyze --traffic FILE` reads as it reads
the raw logs (same --inventory and --dns-logs).

    vpce-advisor sql --engine spark --layout parquet --log-format "$FORMAT" > traffic.sql
    spark-submit scripts/spark_traffic.py --query traffic.sql \\
        --parquet s3://bucket/AWSLogs/ --out s3://bucket/vpce/traffic-csv/
    # or a table in the metastore (Glue, Hive): --table db.vpc_flow_logs (query made with --table)
    # or the text delivery: --text 's3://bucket/AWSLogs/*/vpcflowlogs/*/2026/11/*/*.log.gz'

--parquet reads the S3 Parquet delivery (Hive-compatible prefixes give aws-region, year, month,
day); --text reads the S3 text delivery (space-separated, header line) into the columns of AWS's
Athena table (`-` for `_`) and a `date` column. Either is registered as the view `vpc_flow_logs`,
the query's default --table. --out is a folder (Spark writes part files; with one partition there is
one part-*.csv) or, with --local-out, a single local file written by the driver.
"""

import argparse
import csv
import sys
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--query", required=True, help="file with the query from `vpce-advisor sql --engine spark`")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--table", help="a metastore table the query names (made with --table)")
    src.add_argument("--parquet", help="root of the S3 Parquet delivery (s3://, hdfs:// or local)")
    src.add_argument("--text", nargs="+", help="files or globs of the S3 text delivery")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", help="folder to write the CSV into (one part file)")
    out.add_argument("--local-out", help="one local CSV file, written by the driver")
    p.add_argument("--master", help="Spark master when not set by spark-submit (e.g. local[*])")
    args = p.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    builder = SparkSession.builder.appName("vpce-advisor traffic CSV")
    if args.master:
        builder = builder.master(args.master)
    spark = (builder.config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    started = time.time()
    if args.parquet:
        spark.read.option("basePath", args.parquet).parquet(args.parquet) \
            .createOrReplaceTempView("vpc_flow_logs")
    elif args.text:
        df = spark.read.option("sep", " ").option("header", True).csv(args.text)
        for name in df.columns:
            df = df.withColumnRenamed(name, name.replace("-", "_"))
        df = df.withColumn("date", F.to_date(F.from_unixtime(F.col("start").cast("bigint"))))
        df.createOrReplaceTempView("vpc_flow_logs")
    with open(args.query) as f:
        query = f.read()
    result = spark.sql(query)
    if args.out:
        result.coalesce(1).write.mode("overwrite").option("header", True) \
            .option("emptyValue", "").csv(args.out)
        rows = spark.read.option("header", True).csv(args.out).count()
    else:
        collected = result.collect()
        with open(args.local_out, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(result.columns)
            for r in collected:
                w.writerow(["" if v is None else v for v in r])
        rows = len(collected)
    print(f"{rows} traffic CSV row(s) in {time.time() - started:.1f} s", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
