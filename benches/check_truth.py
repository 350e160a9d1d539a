#!/usr/bin/env python3
"""Checks a report.json against synth's expected-totals.json: bytes per (VPC, region, class) and
direction, and the record accounting, exactly. Exit status 1 on any difference.

Usage: benches/check_truth.py REPORT_JSON EXPECTED_TOTALS_JSON
"""
import json
import sys


def main():
    report = json.load(open(sys.argv[1]))
    totals = json.load(open(sys.argv[2]))
    observed = {}
    for v in report["vpcs"]:
        t = v["traffic"]
        key = f'{t["vpc_id"]} {t["region"]}'
        for d in t["destinations"]:
            e = observed.setdefault((key, d["class"]), [0, 0])
            e[0] += d["egress_bytes"]
            e[1] += d["ingress_bytes"]
    expected = {
        (vpc, cls): [t["egress_bytes"], t["ingress_bytes"]]
        for vpc, classes in totals["vpcs"].items()
        for cls, t in classes.items()
    }
    problems = []
    for k in sorted(set(observed) | set(expected)):
        if observed.get(k) != expected.get(k):
            problems.append(f"{k}: report {observed.get(k)}, truth {expected.get(k)}")
    acc = report["accounting"]
    for k in ["records", "accepted", "rejected", "nodata", "skipdata", "accepted_bytes"]:
        if acc[k] != totals[k]:
            problems.append(f"accounting {k}: report {acc[k]}, truth {totals[k]}")
    if problems:
        print("totals DIFFER from the ground truth:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"totals equal the ground truth ({len(expected)} VPC x class cells, {totals['records']} records)")


if __name__ == "__main__":
    main()
