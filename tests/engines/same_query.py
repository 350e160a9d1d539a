"""Checks that a Trino query and a Spark query are the same query apart from their dialects.

Usage: python3 same_query.py TRINO.sql SPARK.sql

Both are parsed (Trino, Spark) with sqlglot and written back as Trino without comments; CAST and
TRY_CAST are taken as one (sqlglot writes Spark's lenient CAST as Trino's TRY_CAST). Prints a
unified diff and exits 1 when they differ; a parse error exits non-zero too.
"""

import difflib
import sys

import sqlglot
from sqlglot import exp


def canonical(path, dialect):
    tree = sqlglot.parse_one(open(path).read(), read=dialect)
    for node in list(tree.find_all(exp.TryCast)):
        node.replace(exp.Cast(this=node.this, to=node.args["to"]))
    return tree.sql(dialect="trino", pretty=True, comments=False)


def main():
    trino, spark = canonical(sys.argv[1], "trino"), canonical(sys.argv[2], "spark")
    if trino != spark:
        print("\n".join(difflib.unified_diff(trino.splitlines(), spark.splitlines(), lineterm="")))
        sys.exit(1)


if __name__ == "__main__":
    main()
