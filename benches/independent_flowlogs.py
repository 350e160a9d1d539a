#!/usr/bin/env python3
"""Independent generator of a realistic VPC flow-log export, with its ground truth.

Why: the speed benchmark (benches/run.sh) runs on data written by the tool's own generator
(`vpce-advisor synth`). This script was written WITHOUT reading the tool's source (no src/, in
particular not src/synth*): only from README.md (how the tool names destination classes),
AWS's documentation of flow logs and real public flow-log samples (their field order and
'-' conventions), data/ip-ranges.json (the AWS prefixes), data/endpoint-labels.csv (which ip-ranges labels the
README calls internet-like), data/prices.csv (only to pick regions the tool has prices for),
docs/report.schema.json (what report.json's fields mean: the NAT, path and hourly truth),
DOMAIN.md's notes on NAT double counting, AWS's NAT gateway flow-log example, and
benches/check_truth.py (the truth-file format). So it can cross-check speed and correctness on
data the tool was not shaped by. Python 3 stdlib only.

Usage:
    python3 benches/independent_flowlogs.py --out DIR --records N --files F [--seed S]
        [--workers 2] [--ip-ranges data/ip-ranges.json] [--start 2026-03-10T08:00:00Z]
        [--no-nat] [--nat-traffic-path -]
    vpce-advisor analyze DIR --out DIR-report --quiet
    python3 benches/check_truth.py DIR-report/report.json DIR/expected-totals.json

    The same seed gives the same bytes (files are written in parallel, one process per file,
    each file from its own deterministic values; gzip headers carry mtime 0). --files must be
    at least 5 (one flow log per VPC; files are shared out by each VPC's records, each file a
    contiguous time slice of its VPC's window). Measured on the 2-core machine (with other jobs
    running): 5M records / 32 files in 59 s (171 MB), 50M / 64 files in 448 s (1.7 GB; 575 s
    CPU, 1.05 GB peak for the model); --no-nat: 5M in 60 s (188 MB), 50M in 691 s (1.8 GB).
    Workers stream their file (gzip level 1, written per minute of records), ~150 MB each at 5M.
    --no-nat writes the data of the script before NAT gateways, gateway endpoints and the
    internet-gateway VPC were added (byte for byte the same AWSLogs/ for a seed; the truth file
    gains the `path_classes` and `hourly` keys).

What it writes:
    DIR/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
        <account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHMMZ>_<hash8>.log.gz
    (S3 delivery naming; the folder date and the stamp are the delivery time, a few minutes after
    the last record start of the file), and DIR/expected-totals.json.

The data (shape of a real account reported by a user):
  * 2 accounts, 2 regions (us-east-1, eu-central-1), 5 VPCs (one flow log each), 71 ENIs over
    2-3 AZs and 2 subnets per AZ per VPC, plus 3 NAT gateway ENIs (not with --no-nat); 2 VPCs
    are dual-stack. Most ENIs are Nitro (60 s
    aggregation), about a fifth use 600 s; a few have no instance-id (Lambda/EKS-style ENIs).
  * Version 5 custom format, 29 fields, one header line per file in a field order shuffled per
    flow log. '-' where AWS writes it: pkt-*-aws-service for non-AWS peers, sublocation-*,
    traffic-path on ingress records, and all packet fields of NODATA/SKIPDATA records.
  * A 4-hour window. Remote addresses: ~132,000 at 5M records, scaling linearly with --records
    (as do the flows): ~1.0M distinct (interface, srcaddr, dstaddr) triples and ~1.5M
    (triple, start hour) at 5M. Each (interface, remote) conversation is active in 1-4 hours;
    within an hour it is 1..many TCP connections (random client ports 32768-60999 on the
    instance side; 443, 80, 5432, 6379, 3306, 9092, ... on the remote side), each logged as an
    egress and an ingress record per aggregation interval. A few UDP (53, 123, 443) and ICMP.
  * Remote mix (by address): 62.5% internet (in no AWS prefix), 7.5% S3 and 2% DynamoDB of a
    VPC region (a further 2%/0.3% of S3/DynamoDB and 1% AMAZON-only addresses of any region,
    the other VPC region included: so the same S3 address is `s3` for one VPC and
    `aws-cross-region` for another), 8% AMAZON-only (AWS API front ends) of a VPC region, EC2
    public addresses in (5%) and out of (1.5%) the VPC regions, CloudFront (2%), Global
    Accelerator and API Gateway (0.7%), private peers (2.5%: RDS/ElastiCache-like 10.x
    addresses of the VPC that are not logged ENIs), public IPv6 peers (5% of remotes, ~3.5% of
    records; only dual-stack ENIs talk to them, and the ENI's own IPv6 address is in its
    region's EC2 IPv6 range, 2600:1f18::/33 or 2a05:d014::/35, as on AWS). DynamoDB's
    unambiguous space is small (eu-central-1: one /24), so beyond a few hundred addresses the
    extra DynamoDB remotes become S3 ones (then AMAZON ones) of the same region; the truth file
    says how many (`remote_kind_fallbacks`). Popular remotes (S3, DynamoDB, AMAZON) are talked
    to by many ENIs and in more hours; most internet addresses by one or two. On instance ENIs
    pkt-srcaddr = srcaddr, pkt-dstaddr = dstaddr; egress traffic-path is 8 for IPv6 (egress-only
    gateway) and for IPv4 depends on the VPC:
  * How each VPC's public IPv4 traffic leaves (default; --no-nat: every VPC as the first):
    - the first VPC (us-east-1, dual-stack): traffic-path 1 (a NAT gateway or a resource in the
      VPC); its NAT gateway ENI is not in the log (as with a flow log on the instances' subnets);
    - a NAT-gateway VPC in each region (us-east-1: one NAT gateway per AZ, each instance using
      its AZ's; eu-central-1: one NAT gateway in one of 3 AZs for all). Every instance is in a
      private subnet; its public IPv4 traffic (S3 and DynamoDB included: no gateway endpoint)
      passes its NAT gateway. The NAT gateway's ENI (its own public subnet 10.x.200+.0/24, no
      instance-id, in the same VPC flow log) has four records for each of the instance's two,
      as in AWS's "Traffic through a NAT gateway" example (VPC User Guide, flow log records examples):
      the client leg instance -> NAT private IP (ingress, pkt-dstaddr the remote), the public
      leg NAT private IP -> remote from a port of the NAT's own (egress), remote -> NAT private IP
      (ingress), NAT private IP -> instance (egress, traffic-path 1, pkt-srcaddr the remote);
      same start, end, packets and bytes as the instance's record. AWS's example has no
      traffic-path; the public leg's egress records carry '-' (--nat-traffic-path 2 or 8 to try
      another value: the truth is the same). `DIR/expected-totals.json` names the NAT ENIs.
    - a gateway-endpoint VPC (eu-central-1, dual-stack, no NAT ENI in the log): egress records to
      S3 and DynamoDB of its region carry traffic-path 7 (gateway endpoint); cross-region S3 and
      the rest traffic-path 1;
    - an internet-gateway VPC (us-east-1): instances in public subnets, egress traffic-path 8 to
      every public IPv4 address.
  * Heavy-tailed bytes (most flows a few KB, a few GB-sized), downloads dominate (ingress
    carries the payload), some uploads; packets consistent with bytes (MSS/ACK sizes, jumbo
    frames only to private peers). ~1.4% REJECT (late FIN/RST ingress, a few egress), ~1%
    NODATA and ~0.3% SKIPDATA records (default: no REJECT in NAT-routed, gateway-endpoint and
    internet-gateway conversations, nor on IPv6 egress; see the truth). Records of a file are
    sorted by start time (a flow spanning several files' time slices has its records in each of
    them). --records counts every record, the NAT ENIs' included (a NAT-routed interval is 6).

Truth (expected-totals.json), computed from this script's own reading of the docs:
  records, accepted, rejected, nodata, skipdata, accepted_bytes (every accepted record, the NAT
  ENIs' three times counted bytes included: README "accepted bytes = traffic rows (every path) +
  client legs on NAT ENIs + bytes counted twice"); `vpcs`: per "vpc-id region" and class, the
  priced traffic (schema: destinations are "Destination groups the cost model prices (paths nat,
  egress-only, private)"): egress_bytes (the VPC side sent), ingress_bytes (the VPC side
  received), records (the instance's accepted records); `path_classes`: per VPC and "path class",
  bytes (both directions) and instance-side records of every accepted byte (README, Traffic paths: "Nothing
  vanishes: every accepted byte is in ... report.json's per-VPC traffic.paths");
  `hourly`: per VPC, hour (Unix seconds) and class, the priced bytes of the records starting in
  that hour; `nat` (default only): the NAT interfaces and the vantage totals below; plus
  `cardinality` (distinct remotes, triples, triples with hour actually written, NAT ENIs' too).
  NAT: each NAT-relayed byte is counted once, on the instance's record, with the class of the
  remote and the instance's direction. README: "Per VPC, remote address, direction (and hour with
  DNS logs) the NAT-processed bytes are max(NAT ENI's public leg, the clients' records)" and "A
  record logged on a private hop (an instance's traffic arriving at a NAT gateway ENI, with a
  public pkt-* address) is kept out of the NAT totals so the public leg is counted once"
  (DOMAIN.md 2: "Pick one vantage point per byte"). The NAT ENI's legs carry exactly the
  instance's bytes, so per (VPC, remote, direction) the NAT leg, the clients' records and their
  max are the same number: which leg is "the" counted one does not matter, and NAT-only bytes
  (relayed for no logged client) are not in the data. `nat` holds: each NAT ENI with its VPC, AZ
  and public-leg bytes (schema nat_interface.public_bytes: "Bytes of its public leg before
  de-duplication"), nat_leg_bytes, client_bytes ("Bytes on client interfaces to public addresses
  in VPCs with a NAT interface in the logs"), duplicate_bytes_removed (= the NAT legs: all are
  seen on a client), nat_only_bytes 0, relayed_bytes and relayed_records ("Client legs on NAT
  interfaces"; accounting.relayed: "Accepted records logged on a private hop whose pkt-* address
  is public"), bypass_bytes/records ("Public-address bytes that skip NAT (..., or egress records
  with traffic-path 2, 7 or 8)": the traffic-path 7 and 8 IPv4 flows) and the IPv6 flows' bytes
  and records beside them (ipv6_tp8_*: they have egress traffic-path 8 too, but the docs do not
  say whether egress-only traffic is "bypass"; benches/check_truth.py accepts either reading).
  Paths (README table): egress traffic-path 7 -> `gateway-endpoint`, 8 (IPv4) ->
  `internet-gateway`, "put that interface's flow with that address, both directions, on that
  path"; neither is priced, so their classes are absent from `vpcs`; the rest as before: public
  IPv4 -> `nat`, IPv6 -> `egress-only`, 10.x -> `private`.
  Hourly (schema vpc.hourly: "Summed as logged, then scaled per class so each class's hours add
  up exactly to its observed bytes in traffic.destinations ... the logged shape over time is
  kept"): a NAT ENI's records have the instance record's start, so every public class's logged
  shape is the priced one's; gateway-endpoint and internet-gateway classes are not priced in
  their VPC (0 every hour). Whether the client legs on a NAT ENI (two private addresses) are part
  of the `private` class's logged shape is not documented: check_truth.py checks that class's
  sum only in the NAT VPCs.
  Left out because the docs leave them open: REJECT records in NAT-routed conversations (the NAT
  ENI would relay bytes the instance rejects: NAT-only bytes), and in gateway-endpoint and
  internet-gateway conversations and on IPv6 egress (whether a rejected egress record's
  traffic-path sets the path of the flow's accepted ingress); public-subnet and private-subnet
  instances in one VPC (max() over an address reached both through NAT and directly); gateway
  endpoints in a VPC whose NAT ENI is logged (whether client_bytes counts their bytes).
  Classes: the remote is the non-VPC side. ip-ranges rule (README, DOMAIN.md 3): any S3/DynamoDB
  prefix containing the address wins; else the longest prefix, a specific service beating AMAZON
  on equal length. S3/DYNAMODB of the VPC's region -> s3/dynamodb; AMAZON of the VPC's region ->
  aws-service; S3/DYNAMODB/AMAZON of another region -> aws-cross-region; labels an endpoint
  cannot carry (EC2, CLOUDFRONT, GLOBALACCELERATOR, API_GATEWAY: "internet-like" in
  data/endpoint-labels.csv) -> aws-hosted, whatever their region; no AWS prefix -> internet;
  public IPv6 -> ipv6-direct; 10.x peers -> private.
  Ambiguous spaces are avoided: every AWS address is drawn so that all the ip-ranges prefixes
  containing it carry one service and one region, plus AMAZON prefixes no longer than the
  specific one (equal length: "a specific service beats AMAZON", README). So S3 addresses that
  are also in an EC2 prefix (DOMAIN.md: 169 of 441 S3 prefixes) are not used, and the doc rule,
  longest-prefix match and "specific beats AMAZON" all agree. Internet-like labels may nest in
  each other (API_GATEWAY inside EC2): every reading gives aws-hosted. No AWS IPv6 address is a
  remote (whether IPv6 S3 is `s3` or `ipv6-direct` is not pinned down by the docs); no AMAZON
  prefix of region GLOBAL is used. The one interpretation taken: EC2 (and the other
  internet-like labels) in another region is `aws-hosted`, not `aws-cross-region` (the README
  lists "AWS in other regions" and "AWS-hosted or edge addresses (EC2 public IPs, CloudFront)"
  side by side). IPv6 egress records carry traffic-path 8 and are taken as `ipv6-direct`
  (README: "for IPv6, traffic-path 8 cannot tell it from an internet gateway"), not as the
  unpriced internet-gateway path. A warning is printed if an ENI's private and public bytes come
  within 25% of each other (the tool's "relay balance" rule would take it for a NAT gateway).
"""
import argparse
import array
import bisect
import datetime as dt
import gzip
import hashlib
import ipaddress
import itertools
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOURS = 4
WINDOW = HOURS * 3600
FIELDS = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
          "start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr "
          "pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service "
          "pkt-dst-aws-service flow-direction traffic-path").split()
CLASSES = ["s3", "dynamodb", "aws-service", "aws-cross-region", "aws-hosted", "internet",
           "ipv6-direct", "private"]
CI = {c: i for i, c in enumerate(CLASSES)}
REGIONS = ["us-east-1", "eu-central-1"]
AZS = {"us-east-1": ["use1-az1", "use1-az2", "use1-az4", "use1-az6"],
       "eu-central-1": ["euc1-az1", "euc1-az2", "euc1-az3"]}
OTHER_REGIONS = ["us-west-2", "eu-west-1", "us-east-2", "ap-southeast-1", "eu-west-2"]
# (account index, region, second octet, ENIs, AZs, dual-stack)
VPCS = [(0, "us-east-1", 16, 22, 3, True), (0, "us-east-1", 32, 16, 2, False),
        (0, "eu-central-1", 48, 12, 3, True), (1, "us-east-1", 64, 12, 2, False),
        (1, "eu-central-1", 80, 9, 3, False)]
# --nat (default): the way each VPC's public IPv4 traffic leaves (index into VPCS). 1 and 4 route it through
# NAT gateways whose ENIs are in the flow log (1: one per AZ, 4: one for all AZs), 2 has S3 and DynamoDB gateway
# endpoints (egress traffic-path 7), 3 has its instances in public subnets (egress traffic-path 8); 0 is as before
# (traffic-path 1, no NAT gateway ENI in the log). Path names as the README's "Traffic paths" table.
NAT_VPCS = {1: "per-az", 4: "single"}
GWE_VPCS = {2}
IGW_VPCS = {3}
ROUTE_PLAIN, ROUTE_NAT, ROUTE_GWE, ROUTE_IGW = 0, 1, 2, 3
INTERNET_LIKE = {"EC2", "CLOUDFRONT", "GLOBALACCELERATOR", "API_GATEWAY"}   # labels used as remotes
NOT_INTERNET_LIKE = {"S3", "DYNAMODB", "AMAZON", "IOT_CORE"}   # data/endpoint-labels.csv: endpoint-capable
# remote kinds: name -> (share of remotes, scope, fan-out weight, hours bias)
KINDS = [
    ("inet4", 0.625, "global", 1.0), ("s3", 0.075, "region", 6.0), ("ddb", 0.02, "region", 5.0),
    ("amazon", 0.08, "region", 4.0), ("ec2", 0.05, "region", 1.5), ("ec2-x", 0.015, "global", 1.0),
    ("cloudfront", 0.02, "global", 2.0), ("edge", 0.007, "global", 1.0),
    ("s3-x", 0.02, "global", 1.5), ("ddb-x", 0.003, "global", 1.0), ("amazon-x", 0.01, "global", 1.0),
    ("private", 0.025, "vpc", 3.0), ("inet6", 0.05, "v6", 1.5),
]
# server ports by kind: (port, protocol, weight)
PORTS = {
    "inet4": [(443, 6, 70), (80, 6, 12), (22, 6, 2), (587, 6, 1), (5222, 6, 1), (8443, 6, 2),
              (443, 17, 4), (53, 17, 3), (123, 17, 2), (0, 1, 1), (9418, 6, 1), (21, 6, 1)],
    "s3": [(443, 6, 92), (80, 6, 8)], "ddb": [(443, 6, 1)], "amazon": [(443, 6, 1)],
    "ec2": [(443, 6, 60), (80, 6, 10), (8443, 6, 5), (9092, 6, 5), (27017, 6, 4), (5432, 6, 4),
            (22, 6, 3), (8080, 6, 5), (3000, 6, 2)],
    "cloudfront": [(443, 6, 9), (80, 6, 1)], "edge": [(443, 6, 1)],
    "private": [(5432, 6, 30), (6379, 6, 25), (3306, 6, 15), (443, 6, 10), (9200, 6, 5),
                (2049, 6, 5), (11211, 6, 3), (8080, 6, 5), (9092, 6, 2)],
    "inet6": [(443, 6, 85), (80, 6, 10), (443, 17, 5)],
}
PORTS["ec2-x"] = PORTS["ec2"]
PORTS["s3-x"] = PORTS["s3"]
PORTS["ddb-x"] = PORTS["ddb"]
PORTS["amazon-x"] = PORTS["amazon"]
# log-normal bytes per interval of the bulk direction, by kind: (median, sigma)
BYTES = {"inet4": (6000, 2.0), "s3": (150000, 2.6), "ddb": (9000, 1.3), "amazon": (12000, 1.7),
         "ec2": (20000, 2.2), "ec2-x": (15000, 2.2), "cloudfront": (80000, 2.3), "edge": (10000, 1.5),
         "s3-x": (100000, 2.5), "ddb-x": (8000, 1.2), "amazon-x": (10000, 1.6),
         "private": (25000, 2.0), "inet6": (20000, 2.0)}
SPECIAL_V4 = [(int(n.network_address), int(n.broadcast_address)) for n in map(ipaddress.ip_network, (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"))]
M32 = 0xFFFFFFFF

G = {}  # the model, built in the parent and inherited by the forked workers


# ---------------------------------------------------------------- ip-ranges

class Ranges:
    """ip-ranges.json indexed by prefix length, for containment look-ups."""

    def __init__(self, path):
        d = json.load(open(path))
        self.v4 = {}
        self.v6 = {}
        self.list4 = []
        self.list6 = []
        for p in d["prefixes"]:
            n = ipaddress.ip_network(p["ip_prefix"])
            e = (n.prefixlen, p["service"], p["region"], int(n.network_address))
            self.v4.setdefault(n.prefixlen, {}).setdefault(int(n.network_address) >> (32 - n.prefixlen), []).append(e)
            self.list4.append(e)
        for p in d["ipv6_prefixes"]:
            n = ipaddress.ip_network(p["ipv6_prefix"])
            e = (n.prefixlen, p["service"], p["region"], int(n.network_address))
            self.v6.setdefault(n.prefixlen, {}).setdefault(int(n.network_address) >> (128 - n.prefixlen), []).append(e)
            self.list6.append(e)
        self.lens4 = sorted(self.v4)
        self.lens6 = sorted(self.v6)

    def _containing(self, by_len, lens, bits, a):
        out = []
        for L in lens:
            es = by_len[L].get(a >> (bits - L))
            if es:
                out.extend(es)
        return out

    def containing4(self, a):
        return self._containing(self.v4, self.lens4, 32, a)

    def containing6(self, a):
        return self._containing(self.v6, self.lens6, 128, a)


def doc_label(entries):
    """The documented rule: any S3/DynamoDB prefix wins; else longest, specific beats AMAZON."""
    if not entries:
        return None
    sd = [e for e in entries if e[1] in ("S3", "DYNAMODB")]
    if sd:
        e = max(sd, key=lambda e: e[0])
        return e[1], e[2]
    e = max(entries, key=lambda e: (e[0], e[1] != "AMAZON"))
    return e[1], e[2]


def unambiguous(entries, svc, region):
    """All containing prefixes agree: one service (AMAZON super-prefixes allowed) and one region."""
    spec = [e for e in entries if e[1] != "AMAZON"]
    amz = [e for e in entries if e[1] == "AMAZON"]
    if svc == "AMAZON":
        return bool(amz) and not spec and all(e[2] == region for e in amz)
    if svc in INTERNET_LIKE:
        # e.g. API_GATEWAY nested in EC2: any internet-like label gives aws-hosted, whatever wins
        return (any(e[1] == svc and e[2] == region for e in spec)
                and all(e[1] not in NOT_INTERNET_LIKE for e in spec)
                and all(e[0] <= max(s[0] for s in spec) for e in amz))
    if not spec or any(e[1] != svc or e[2] != region for e in spec):
        return False
    return all(e[0] <= min(s[0] for s in spec) for e in amz)


def class_of(label, vpc_region):
    if label is None:
        return "internet"
    svc, reg = label
    if svc in ("S3", "DYNAMODB"):
        return ("s3" if svc == "S3" else "dynamodb") if reg == vpc_region else "aws-cross-region"
    if svc == "AMAZON":
        return "aws-service" if reg == vpc_region else "aws-cross-region"
    if svc not in NOT_INTERNET_LIKE:
        return "aws-hosted"
    raise ValueError(f"label {svc} not used by this generator")


# ---------------------------------------------------------------- model

def hexid(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def build_topology(rng, rg):
    accounts = ["%012d" % rng.randrange(10 ** 11, 10 ** 12) for _ in range(2)]
    vpcs, enis = [], []
    v6_bases = {}
    for region in REGIONS:  # a VPC IPv6 /56 comes out of the region's EC2 IPv6 space, as on AWS
        cands = sorted((e for e in rg.list6 if e[1] == "EC2" and e[2] == region and e[0] <= 48), key=lambda e: (e[0], e[3]))
        v6_bases[region] = cands[0]     # the largest one: 2600:1f18::/33, 2a05:d014::/35
    for vi, (acct, region, octet, n_enis, n_az, dual) in enumerate(VPCS):
        vpc = {"id": "vpc-" + hexid(rng, 17), "account": accounts[acct], "region": region,
               "flowlog": "fl-" + hexid(rng, 17), "octet": octet, "dual": dual, "enis": []}
        order = FIELDS[:]
        rng.shuffle(order)
        vpc["header"] = order
        azs = rng.sample(AZS[region], n_az)
        subnets = []
        for ai, az in enumerate(azs):
            for k in range(2):
                sn = {"id": "subnet-" + hexid(rng, 17), "az": az, "third": ai * 32 + k * 16}
                if dual:
                    plen, _, _, net = v6_bases[region]
                    sn["v6"] = net + ((vi * 16 + ai * 2 + k + 1) << 64) + (rng.randrange(1 << (56 - plen)) << 72)
                subnets.append(sn)
        vpc["subnets"] = subnets
        used = set()
        for i in range(n_enis):
            sn = subnets[i % len(subnets)] if i < len(subnets) else rng.choice(subnets)
            while True:
                ip = "10.%d.%d.%d" % (octet, sn["third"] + rng.randrange(16), rng.randrange(4, 255))
                if ip not in used:
                    used.add(ip)
                    break
            e = {"id": "eni-" + hexid(rng, 17), "vpc": vi, "subnet": sn["id"], "az": sn["az"],
                 "ip": ip, "ip6": None,
                 "instance": "-" if rng.random() < 0.1 else "i-" + hexid(rng, 17),
                 "interval": 600 if rng.random() < 0.2 else 60}
            if dual:
                e["ip6"] = str(ipaddress.IPv6Address(sn["v6"] + rng.randrange(1, 1 << 62)))
            vpc["enis"].append(len(enis))
            enis.append(e)
        vpc["used_ips"] = used
        vpcs.append(vpc)
    return accounts, vpcs, enis


def add_nat_gateways(seed, vpcs, enis):
    """NAT gateways of the NAT VPCs: one ENI each in a public subnet (10.<vpc>.200+AZ.x/24), no instance-id.
    Drawn from their own random stream, so the rest of the model is the one --no-nat draws."""
    rng = random.Random(f"{seed}/nat")
    nats = []
    for vi, how in sorted(NAT_VPCS.items()):
        v = vpcs[vi]
        azs = []
        for sn in v["subnets"]:
            if sn["az"] not in azs:
                azs.append(sn["az"])
        v["nats"] = []
        for ai, az in enumerate(azs if how == "per-az" else azs[:1]):
            n = {"id": "nat-" + hexid(rng, 17), "eni": "eni-" + hexid(rng, 17), "vpc": vi, "az": az,
                 "subnet": "subnet-" + hexid(rng, 17), "ip": "10.%d.%d.%d" % (v["octet"], 200 + ai, rng.randrange(4, 255)),
                 "index": len(nats)}
            v["nats"].append(n["index"])
            nats.append(n)
        for ei in v["enis"]:
            e = enis[ei]
            e["nat"] = next((i for i in v["nats"] if nats[i]["az"] == e["az"]), v["nats"][0])
    return nats


def aws_address_pool(rng, rg, svc, regions):
    prefixes = [e for e in rg.list4 if e[1] == svc and e[2] in regions]
    weights = [min(1 << (32 - e[0]), 1 << 16) for e in prefixes]
    return prefixes, list(itertools.accumulate(weights))


EXHAUSTED = set()


def pick_aws(rng, rg, pool, svc, seen):
    """A random address of the pool's prefixes that no other service's prefix claims, or None."""
    prefixes, cum = pool
    if id(pool) in EXHAUSTED:
        return None
    for _ in range(20000):
        e = prefixes[bisect.bisect_right(cum, rng.random() * cum[-1])]
        plen, _, region, net = e
        a = net + rng.randrange(1 << (32 - plen))
        if a in seen:
            continue
        if unambiguous(rg.containing4(a), svc, region):
            seen.add(a)
            return a, region
    EXHAUSTED.add(id(pool))
    return None


def pick_inet4(rng, rg, seen):
    while True:
        a = rng.randrange(1 << 24, 224 << 24)
        if a in seen:
            continue
        if any(lo <= a <= hi for lo, hi in SPECIAL_V4) or rg.containing4(a):
            continue
        seen.add(a)
        return a


def pick_inet6(rng, rg, seen):
    while True:
        top = rng.choice([0x2400, 0x2600, 0x2604, 0x2605, 0x2607, 0x2620, 0x2800, 0x2a00, 0x2a01,
                          0x2a02, 0x2a03, 0x2a04, 0x2a06, 0x2c0f])
        a = (top << 112) | (rng.getrandbits(48) << 64) | rng.choice([1, 2, 0x10, 0x53, rng.getrandbits(64)])
        if a in seen or rg.containing6(a):
            continue
        seen.add(a)
        return a


def weighted(rng, items):
    tot = sum(w for *_, w in items)
    x = rng.random() * tot
    for it in items:
        x -= it[-1]
        if x < 0:
            return it
    return items[-1]


def build_model(args):
    t_start = time.time()
    rng = random.Random(args.seed)
    rg = Ranges(args.ip_ranges)
    accounts, vpcs, enis = build_topology(rng, rg)
    nats = add_nat_gateways(args.seed, vpcs, enis) if args.nat else []
    scale = args.records / 5_000_000
    n_remotes = max(200, round(132_000 * scale))
    n_pairs = max(n_remotes + 50, round(500_000 * scale))
    n_units = max(n_pairs, round(750_000 * scale))
    n_extra = args.records - round(args.records * 0.987)
    n_slots = (args.records - n_extra) // 2
    n_extra = args.records - 2 * n_slots
    if n_slots < n_units:
        n_units = max(n_pairs, n_slots)
        if n_slots < n_pairs:
            raise SystemExit("--records too small for the topology (use at least 20000)")

    # ENI compatibility lists
    by_region = {r: [i for i, e in enumerate(enis) if vpcs[e["vpc"]]["region"] == r] for r in REGIONS}
    all_enis = list(range(len(enis)))
    v6_enis = [i for i, e in enumerate(enis) if e["ip6"]]

    # remotes
    seen4, seen6 = set(), set()
    for v in vpcs:
        for ip in v["used_ips"]:
            seen4.add(int(ipaddress.IPv4Address(ip)))
    pools = {
        ("s3", r): aws_address_pool(rng, rg, "S3", [r]) for r in REGIONS}
    pools.update({("ddb", r): aws_address_pool(rng, rg, "DYNAMODB", [r]) for r in REGIONS})
    pools.update({("amazon", r): aws_address_pool(rng, rg, "AMAZON", [r]) for r in REGIONS})
    pools.update({("ec2", r): aws_address_pool(rng, rg, "EC2", [r]) for r in REGIONS})
    pools["ec2-x"] = aws_address_pool(rng, rg, "EC2", OTHER_REGIONS)
    pools["s3-x"] = aws_address_pool(rng, rg, "S3", OTHER_REGIONS + REGIONS)
    pools["ddb-x"] = aws_address_pool(rng, rg, "DYNAMODB", OTHER_REGIONS + REGIONS)
    pools["amazon-x"] = aws_address_pool(rng, rg, "AMAZON", OTHER_REGIONS)
    pools["cloudfront"] = aws_address_pool(rng, rg, "CLOUDFRONT", ["GLOBAL"])
    pools["edge"] = ([], [])
    edge_g = aws_address_pool(rng, rg, "GLOBALACCELERATOR", sorted({e[2] for e in rg.list4}))
    edge_a = aws_address_pool(rng, rg, "API_GATEWAY", REGIONS + OTHER_REGIONS)
    svc_of = {"s3": "S3", "ddb": "DYNAMODB", "amazon": "AMAZON", "ec2": "EC2", "ec2-x": "EC2",
              "s3-x": "S3", "ddb-x": "DYNAMODB", "amazon-x": "AMAZON", "cloudfront": "CLOUDFRONT"}
    eni_w = [len(by_region[r]) for r in REGIONS]

    r_addr = []            # address string
    r_kind = array.array("B")
    r_label = []           # pkt-*-aws-service value ('-' if not AWS)
    r_cls = {r: array.array("B") for r in REGIONS}   # class index for a VPC of that region
    r_compat = []          # list of ENI indexes that may talk to it
    r_weight = []
    kind_names = [k[0] for k in KINDS]
    counts = [0] * len(KINDS)
    cum = 0.0
    for ki, (name, share, scope, fw) in enumerate(KINDS):  # exact counts per kind
        prev = round(cum * n_remotes)
        cum += share
        counts[ki] = round(cum * n_remotes) - prev
    counts[-1] += n_remotes - sum(counts)
    fallbacks = {}
    FALLBACK = {"ddb": "s3", "s3": "amazon", "ddb-x": "amazon-x", "s3-x": "amazon-x"}
    for ki, (name, share, scope, fw) in enumerate(KINDS):
        for _ in range(counts[ki]):
            v6 = False
            kname = name
            if name == "inet4":
                a = pick_inet4(rng, rg, seen4)
                label, compat = None, all_enis
            elif name == "inet6":
                a = pick_inet6(rng, rg, seen6)
                v6 = True
                label, compat = None, v6_enis
            elif name == "private":
                vi = rng.randrange(len(vpcs))
                v = vpcs[vi]
                while True:  # the data subnets (third octet + 16) of the VPC, not a logged ENI
                    sn = rng.choice(v["subnets"])
                    a = int(ipaddress.IPv4Address("10.%d.%d.%d" % (v["octet"], sn["third"] + rng.randrange(16), rng.randrange(4, 255))))
                    if a not in seen4:
                        seen4.add(a)
                        break
                label, compat = None, v["enis"]
            elif name == "edge":
                if rng.random() < 0.6:
                    a, reg = pick_aws(rng, rg, edge_g, "GLOBALACCELERATOR", seen4)
                    label = ("GLOBALACCELERATOR", reg)
                else:
                    a, reg = pick_aws(rng, rg, edge_a, "API_GATEWAY", seen4)
                    label = ("API_GATEWAY", reg)
                compat = all_enis
            else:
                # the unambiguous part of a small pool (DynamoDB in eu-central-1: one /24) runs
                # out at large --records: the remote then becomes S3, else AMAZON, of that region
                region = REGIONS[0] if rng.random() * sum(eni_w) < eni_w[0] else REGIONS[1]
                while True:
                    svc = svc_of[kname]
                    got = pick_aws(rng, rg, pools[(kname, region)] if scope == "region" else pools[kname],
                                   svc, seen4)
                    if got:
                        break
                    kname = FALLBACK[kname]
                    fallbacks[(name, kname)] = fallbacks.get((name, kname), 0) + 1
                a, reg = got
                compat = by_region[region] if scope == "region" else all_enis
                label = (svc, reg)
            if v6:
                addr = str(ipaddress.IPv6Address(a))
                for r in REGIONS:
                    r_cls[r].append(CI["ipv6-direct"])
            else:
                addr = str(ipaddress.IPv4Address(a))
                # the class, from the documented rule applied to the address itself
                lab = doc_label(rg.containing4(a)) if name != "private" else None
                if label and label[0] in INTERNET_LIKE and lab and lab[0] not in NOT_INTERNET_LIKE:
                    label = lab       # the label that wins (e.g. API_GATEWAY inside EC2): aws-hosted either way
                assert lab == label, (addr, lab, label)
                for r in REGIONS:
                    r_cls[r].append(CI["private"] if name == "private" else CI[class_of(lab, r)])
            r_addr.append(addr)
            r_kind.append(kind_names.index(kname))
            r_label.append(label[0] if label else "-")
            r_compat.append(compat)
            r_weight.append(fw * rng.paretovariate(1.15))

    # pairs (interface, remote): fan-out per remote, heavy-tailed, scaled to n_pairs
    def fan(k):
        return sum(min(len(c), 1 + int(w * k)) for w, c in zip(r_weight, r_compat))
    lo, hi = 0.0, 1.0
    while fan(hi) < n_pairs:
        hi *= 2
    for _ in range(22):
        mid = (lo + hi) / 2
        if fan(mid) < n_pairs:
            lo = mid
        else:
            hi = mid
    k = hi
    p_eni = array.array("H")
    p_rem = array.array("I")
    p_port = array.array("H")
    p_proto = array.array("B")
    p_pop = array.array("B")
    for r in range(n_remotes):
        compat = r_compat[r]
        c = min(len(compat), 1 + int(r_weight[r] * k))
        kind = kind_names[r_kind[r]]
        for e in rng.sample(compat, c):
            p_eni.append(e)
            p_rem.append(r)
            port, proto, _ = weighted(rng, PORTS[kind])
            if kind == "private" and enis[e]["vpc"] != enis[compat[0]]["vpc"]:
                raise AssertionError
            p_port.append(port)
            p_proto.append(proto)
            p_pop.append(min(255, c))
    n_pairs = len(p_eni)
    # the way each pair's public traffic leaves (--nat); private and IPv6 peers keep the plain route
    p_route = array.array("B", bytes(n_pairs))
    if args.nat:
        plain = {kind_names.index("private"), kind_names.index("inet6")}
        gwe = {CI["s3"], CI["dynamodb"]}
        for pi in range(n_pairs):
            r = p_rem[pi]
            vi = enis[p_eni[pi]]["vpc"]
            if r_kind[r] in plain:
                continue
            if vi in NAT_VPCS:
                p_route[pi] = ROUTE_NAT
            elif vi in IGW_VPCS:
                p_route[pi] = ROUTE_IGW
            elif vi in GWE_VPCS and r_cls[vpcs[vi]["region"]][r] in gwe:
                p_route[pi] = ROUTE_GWE

    # hours per pair: 1 + extra hours, popular remotes more often; total units ~ n_units
    extra_w = array.array("f", (1.0 + math.log(p) for p in p_pop))
    tot_w = sum(extra_w)
    want = n_units - n_pairs
    f = want / tot_w / 3.0 if tot_w else 0
    u_pair = array.array("I")
    u_hour = array.array("B")
    for pi in range(n_pairs):
        p = min(1.0, extra_w[pi] * f)
        nh = 1 + (rng.random() < p) + (rng.random() < p) + (rng.random() < p)
        for h in rng.sample(range(HOURS), nh):
            u_pair.append(pi)
            u_hour.append(h)
    n_units = len(u_pair)

    # slots (one egress + one ingress record each) per unit: heavy-tailed, summing to n_slots
    u_w = array.array("f")
    for ui in range(n_units):
        u_w.append(rng.paretovariate(1.25) * (1.0 + math.log(p_pop[u_pair[ui]])))
    eni_cap = [2400 if e["interval"] == 60 else 240 for e in enis]
    cap = array.array("H", (eni_cap[p_eni[u_pair[ui]]] for ui in range(n_units)))
    if not args.nat:
        spare = n_slots - n_units
        kw = spare / sum(u_w)
        u_slots = array.array("I", (1 + min(cap[ui] - 1, int(u_w[ui] * kw)) for ui in range(n_units)))
        left = n_slots - sum(u_slots)
        while left > 0:
            ui = rng.randrange(n_units)
            if u_slots[ui] < cap[ui]:
                u_slots[ui] += 1
                left -= 1
        cost = None
    else:
        # a slot of a NAT-routed pair is 6 records (the instance's 2, the NAT ENI's 4): the records of all
        # slots still sum to 2 * n_slots, so --records stays exact
        cost = array.array("B", (6 if p_route[u_pair[ui]] == ROUTE_NAT else 2 for ui in range(n_units)))
        budget = 2 * n_slots
        spare = budget - sum(cost)
        if spare < 0:
            raise SystemExit("--records too small for the topology (use at least 20000)")
        kw = spare / sum(w * c for w, c in zip(u_w, cost))
        u_slots = array.array("I", (1 + min(cap[ui] - 1, int(u_w[ui] * kw)) for ui in range(n_units)))
        left = budget - sum(n * c for n, c in zip(u_slots, cost))
        while left > 0:      # costs and budget are even: ends at 0
            ui = rng.randrange(n_units)
            if u_slots[ui] < cap[ui] and cost[ui] <= left:
                u_slots[ui] += 1
                left -= cost[ui]

    # timing, connections, bytes per unit
    u_start = array.array("I")
    u_conns = array.array("H")
    u_end = array.array("I")
    u_bytes = array.array("f")
    u_mode = array.array("B")
    for ui in range(n_units):
        pi = u_pair[ui]
        e = enis[p_eni[pi]]
        I = e["interval"]
        n = u_slots[ui]
        per_conn = min(n, 3600 // I, 1 + int(rng.paretovariate(0.8)))
        conns = -(-n // per_conn)
        nint = -(-n // conns)
        span = nint * I
        s = u_hour[ui] * 3600 + rng.randrange(0, 3600 - span + 1)
        u_start.append(s)
        u_conns.append(conns)
        u_end.append(s + (nint - 1) * I + 9)
        kind = kind_names[r_kind[p_rem[pi]]]
        med, sig = BYTES[kind]
        b = rng.lognormvariate(math.log(med), sig) * (60 if I == 60 else 600) / 60
        u_bytes.append(min(b, I * 60_000_000.0))   # at most ~480 Mbit/s sustained
        x = rng.random()
        up = 0.25 if kind in ("s3", "s3-x") else 0.08
        u_mode.append(1 if x < up else (2 if x < up + 0.08 else 0))

    # files per VPC, by records
    vpc_slots = [0] * len(vpcs)
    for ui in range(n_units):
        vpc_slots[enis[p_eni[u_pair[ui]]]["vpc"]] += u_slots[ui] * (cost[ui] // 2 if cost else 1)
    if args.files < len(vpcs):
        raise SystemExit(f"--files must be at least {len(vpcs)} (one flow log per VPC)")
    quota = [args.files * s / n_slots for s in vpc_slots]
    nf = [max(1, int(q)) for q in quota]
    while sum(nf) < args.files:
        i = max(range(len(vpcs)), key=lambda i: quota[i] - nf[i])
        nf[i] += 1
    while sum(nf) > args.files:
        i = max((i for i in range(len(vpcs)) if nf[i] > 1), key=lambda i: nf[i] - quota[i])
        nf[i] -= 1
    files = []
    for vi in range(len(vpcs)):
        for j in range(nf[vi]):
            t0 = WINDOW * j // nf[vi]
            t1 = WINDOW * (j + 1) // nf[vi]
            files.append({"vpc": vi, "t0": t0, "t1": t1, "share": vpc_slots[vi] / n_slots / nf[vi]})
    # NODATA / SKIPDATA records over files (largest remainder)
    n_skip = round(n_extra * 0.3 / 1.3)
    n_nodata = n_extra - n_skip
    for key, total in (("nodata", n_nodata), ("skipdata", n_skip)):
        q = [total * f["share"] for f in files]
        got = [int(x) for x in q]
        for i in sorted(range(len(files)), key=lambda i: got[i] - q[i])[: total - sum(got)]:
            got[i] += 1
        for f, g in zip(files, got):
            f[key] = g
    for fi, f in enumerate(files):
        f["index"] = fi
        f["hash"] = hashlib.sha256(f"{args.seed}/{fi}".encode()).hexdigest()[:8]

    # units bucketed by VPC and start minute
    buckets = [[array.array("I") for _ in range(WINDOW // 60)] for _ in vpcs]
    for ui in range(n_units):
        buckets[enis[p_eni[u_pair[ui]]]["vpc"]][u_start[ui] // 60].append(ui)

    G.update(dict(args=args, accounts=accounts, vpcs=vpcs, enis=enis, nats=nats, p_route=p_route, r_addr=r_addr, r_label=r_label,
                  r_cls=r_cls, r_kind=r_kind, p_eni=p_eni, p_rem=p_rem, p_port=p_port, p_proto=p_proto,
                  u_pair=u_pair, u_hour=u_hour, u_slots=u_slots, u_start=u_start, u_conns=u_conns,
                  u_end=u_end, u_bytes=u_bytes, u_mode=u_mode, buckets=buckets, files=files,
                  fallbacks=fallbacks, n_remotes=n_remotes, n_pairs=n_pairs, n_units=n_units, kind_names=kind_names))
    print(f"model: {len(enis)} ENIs, {n_remotes} remotes, {n_pairs} pairs, {n_units} units, "
          f"{n_slots} slots ({sum(u_slots)} conversation intervals), {len(nats)} NAT gateways, remote kinds taken over by another {fallbacks}, {n_nodata} NODATA, {n_skip} SKIPDATA, files per VPC {nf} "
          f"({time.time() - t_start:.1f} s)", file=sys.stderr)


# ---------------------------------------------------------------- records

def make_formatters(vpc, e, region, relay=False):
    """Per ENI, compiled f-string functions in the flow log's field order. relay (a NAT gateway's ENI):
    pkt-srcaddr and pkt-dstaddr are two more arguments (ps, pd) instead of srcaddr and dstaddr."""
    const = {"version": "5", "account-id": vpc["account"], "interface-id": e["id"], "vpc-id": vpc["id"],
             "subnet-id": e["subnet"], "instance-id": e["instance"], "region": region, "az-id": e["az"],
             "sublocation-type": "-", "sublocation-id": "-"}
    var = {"srcaddr": "src", "dstaddr": "dst", "srcport": "sp", "dstport": "dp", "protocol": "pr",
           "packets": "pk", "bytes": "by", "start": "st", "end": "en", "action": "ac",
           "log-status": "ls", "tcp-flags": "fl", "type": "ty", "pkt-srcaddr": "src", "pkt-dstaddr": "dst",
           "pkt-src-aws-service": "ss", "pkt-dst-aws-service": "ds", "flow-direction": "fd",
           "traffic-path": "tp"}
    if relay:
        var["pkt-srcaddr"] = "ps"
        var["pkt-dstaddr"] = "pd"
    parts = []
    for f in vpc["header"]:
        parts.append(const[f] if f in const else "{" + var[f] + "}")
    src = ("lambda src,dst,sp,dp,pr,pk,by,st,en,ac,fl,ty,ss,ds,fd,tp,ls" + (",ps,pd" if relay else "") + ": f"
           + repr(" ".join(parts)))
    return eval(src)


def gen_file(fi):
    a = G["args"]
    f = G["files"][fi]
    vi = f["vpc"]
    vpc = G["vpcs"][vi]
    enis = G["enis"]
    region = vpc["region"]
    t_epoch = a.start_epoch
    fmt = {ei: make_formatters(vpc, enis[ei], region) for ei in vpc["enis"]}
    nats = G["nats"]
    nfmt = {ni: make_formatters(vpc, {"id": nats[ni]["eni"], "subnet": nats[ni]["subnet"], "instance": "-",
                                      "az": nats[ni]["az"]}, region, relay=True)
            for ni in vpc.get("nats", [])}
    p_route = G["p_route"]
    nat_tp = a.nat_traffic_path
    nat_mode = a.nat
    r_addr, r_label, r_cls, r_kind = G["r_addr"], G["r_label"], G["r_cls"][region], G["r_kind"]
    p_eni, p_rem, p_port, p_proto = G["p_eni"], G["p_rem"], G["p_port"], G["p_proto"]
    u_pair, u_hour, u_slots, u_start = G["u_pair"], G["u_hour"], G["u_slots"], G["u_start"]
    u_conns, u_end, u_bytes, u_mode = G["u_conns"], G["u_end"], G["u_bytes"], G["u_mode"]
    kind_names = G["kind_names"]
    buckets = G["buckets"][vi]
    t0, t1 = f["t0"], f["t1"]
    seedmix = (a.seed * 0x9E3779B97F4A7C15) & M32
    inet6_kind = kind_names.index("inet6")
    priv_kind = kind_names.index("private")

    acc = [[0, 0, 0] for _ in CLASSES]   # egress bytes, ingress bytes, accepted records
    accepted = rejected = 0
    accepted_bytes = 0
    remotes = bytearray(G["n_remotes"])   # 1: the remote appears in this file
    trip_h = bytearray(G["n_pairs"])      # per pair: bits 0-3 egress hours, 4-7 ingress hours
    eni_bytes = {}                        # ENI -> [private bytes, public bytes]
    paths = {}                            # (path, class) -> [bytes, instance-side accepted records]
    hourly = {}                           # (hour, class) -> bytes of the priced paths
    nat_pub = {}                          # NAT index -> bytes of its public leg
    nat = dict(relayed_records=0, relayed_bytes=0, client_bytes=0, bypass_bytes=0, bypass_records=0,
               ipv6_bytes=0, ipv6_records=0)
    out = {}

    # NODATA / SKIPDATA: '-' in every packet field, as AWS writes them
    rng = random.Random(f"{a.seed}/{fi}")
    for status, n in (("NODATA", f["nodata"]), ("SKIPDATA", f["skipdata"])):
        for _ in range(n):
            ei = rng.choice(vpc["enis"])
            I = enis[ei]["interval"]
            st = rng.randrange(t0, t1)
            en = min(st + I - rng.randrange(0, 10), WINDOW + 600)
            line = fmt[ei]("-", "-", "-", "-", "-", "-", "-", st + t_epoch, en + t_epoch, "-", "-", "-",
                           "-", "-", "-", "-", status)
            out.setdefault(st // 60, []).append((st, line))

    path_dir = os.path.join(a.out, "AWSLogs", vpc["account"], "vpcflowlogs", region)
    last_start = t0
    pieces = []
    first_min = max(0, (t0 - 3600 - 600) // 60)
    last_min = min(len(buckets), (t1 + 59) // 60)
    for m in range(first_min, last_min):
        for ui in buckets[m]:
            if u_end[ui] < t0:
                continue
            s = u_start[ui]
            if s >= t1:
                continue
            pi = u_pair[ui]
            ei = p_eni[pi]
            e = enis[ei]
            I = e["interval"]
            slots = u_slots[ui]
            conns = u_conns[ui]
            ri = p_rem[pi]
            rem = r_addr[ri]
            kind = r_kind[ri]
            v6 = kind == inet6_kind
            me = e["ip6"] if v6 else e["ip"]
            label = r_label[ri]
            cls = r_cls[ri]
            port = p_port[pi]
            proto = p_proto[pi]
            mode = u_mode[ui]
            bscale = u_bytes[ui]
            ty = "IPv6" if v6 else "IPv4"
            route = p_route[pi]
            tp = "8" if v6 else ("7" if route == ROUTE_GWE else ("8" if route == ROUTE_IGW else "1"))
            if route == ROUTE_NAT:
                ni = e["nat"]
                NF = nfmt[ni]
                nip = nats[ni]["ip"]
            ack = 72 if v6 else 52
            seg = (8949 if (ui & 7) == 0 else 1448) if kind == priv_kind else (1428 if v6 else 1448)
            F = fmt[ei]
            nint = -(-slots // conns)
            klo = max(0, (t0 - s - 9) // I)
            khi = min(nint - 1, (t1 - s) // I)
            eg = ig = nrec = 0
            emitted = False
            umix = (ui * 0x85EBCA77 + seedmix) & M32
            for kk in range(klo, khi + 1):
                base = s + kk * I
                jbase = kk * conns
                for c in range(conns):
                    j = jbase + c
                    if j >= slots:
                        break
                    h = ((umix ^ (j * 0xC2B2AE3D)) * 0x27D4EB2F) & M32
                    h ^= h >> 15
                    h = (h * 0x165667B1) & M32
                    st = base + (h % 10)
                    if st < t0 or st >= t1:
                        continue
                    en = base + I - ((h >> 4) % 10)
                    if en <= st:
                        en = st + 1
                    cport = 32768 + ((((umix + c * 0x9E3779B1) * 0x2C1B3C6D) & M32) >> 3) % 28232
                    first = kk == 0
                    last = j + conns >= slots
                    r2 = (h >> 8) & 0xFFFF
                    if proto == 6:
                        big = int(bscale * (0.35 + 1.3 * r2 / 65535.0))
                        if first:
                            big += 3000 + (h >> 20) % 2000      # TLS handshake, certificates
                        bp = (big + seg - 1) // seg
                        if big < bp * 60:
                            big = bp * 60
                        sp_ = (bp >> 1) + 1 + ((h >> 25) & 1)
                        sb = sp_ * ack + (300 + (h >> 12) % 1100 if first else 0)
                        if mode == 0:
                            in_b, in_p, out_b, out_p = big, bp, sb, sp_
                        elif mode == 1:
                            in_b, in_p, out_b, out_p = sb, sp_, big, bp
                        else:
                            half = (big >> 1) + 60 * (bp + 1)
                            in_b, in_p, out_b, out_p = big, bp, half, bp + 1
                        fe = (3 if last else 2) if first else (1 if last else 0)
                        fi_ = (19 if last else 18) if first else (1 if last else 0)
                    elif proto == 17:
                        if port == 53:
                            out_p = 1 + (h >> 20) % 3
                            in_p = out_p
                            out_b = out_p * (60 + (h >> 12) % 40)
                            in_b = in_p * (90 + (h >> 14) % 400)
                        elif port == 123:
                            out_p = in_p = 1
                            out_b = in_b = 76
                        else:      # QUIC
                            big = int(bscale * (0.35 + 1.3 * r2 / 65535.0)) + 1300
                            in_p = (big + 1251) // 1252
                            in_b = max(big, in_p * 60)
                            out_p = (in_p >> 2) + 1
                            out_b = out_p * 60 + 1200
                        fe = fi_ = 0
                    else:          # ICMP echo
                        out_p = in_p = 1 + (h >> 20) % 4
                        out_b = in_b = out_p * 84
                        fe = fi_ = 0
                    sp = cport if proto != 1 else 0
                    dp = port
                    st_e = st + t_epoch
                    en_e = en + t_epoch
                    rj = (h >> 22) if not route else 512     # 0..1023; no REJECT off the plain route
                    if v6 and rj >= 1018 and nat_mode:
                        rj = 512       # (--nat) an IPv6 conversation's egress is never rejected
                    # egress record: the ENI sends to the remote
                    if rj >= 1018:
                        line = F(me, rem, sp, dp, proto, 1, ack - 12 if not v6 else 60, st_e, en_e, "REJECT",
                                 fe & 2, ty, "-", label, "egress", tp, "OK")
                        rejected += 1
                    else:
                        line = F(me, rem, sp, dp, proto, out_p, out_b, st_e, en_e, "ACCEPT", fe, ty,
                                 "-", label, "egress", tp, "OK")
                        eg += out_b
                        nrec += 1
                    bucket = out.get(st // 60)
                    if bucket is None:
                        bucket = out[st // 60] = []
                    bucket.append((st, line))
                    if route == ROUTE_NAT:
                        # the NAT gateway's ENI: the client leg arrives (pkt-dstaddr the remote), the public leg
                        # leaves from the NAT's private address and a port of its own
                        nport = 1024 + ((((umix ^ (c * 0x2C1B3C6D)) * 0x9E3779B1) & M32) >> 4) % 64512
                        bucket.append((st, NF(me, nip, sp, dp, proto, out_p, out_b, st_e, en_e, "ACCEPT", fe, ty,
                                              "-", label, "ingress", "-", "OK", me, rem)))
                        bucket.append((st, NF(nip, rem, nport if proto != 1 else 0, dp, proto, out_p, out_b, st_e,
                                              en_e, "ACCEPT", fe, ty, "-", label, "egress", nat_tp, "OK", nip, rem)))
                    # ingress record: the remote answers
                    if rj < 23:
                        np_ = 1 + (h & 1)
                        line = F(rem, me, dp, sp, proto, np_, np_ * (60 if v6 else 40), st_e, en_e, "REJECT",
                                 4 if (h & 2) else 1, ty, label, "-", "ingress", "-", "OK")
                        rejected += 1
                    else:
                        line = F(rem, me, dp, sp, proto, in_p, in_b, st_e, en_e, "ACCEPT", fi_, ty,
                                 label, "-", "ingress", "-", "OK")
                        ig += in_b
                        nrec += 1
                    bucket.append((st, line))
                    if route == ROUTE_NAT:
                        bucket.append((st, NF(rem, nip, dp, nport if proto != 1 else 0, proto, in_p, in_b, st_e,
                                              en_e, "ACCEPT", fi_, ty, label, "-", "ingress", "-", "OK", rem, nip)))
                        bucket.append((st, NF(nip, me, dp, sp, proto, in_p, in_b, st_e, en_e, "ACCEPT", fi_, ty,
                                              label, "-", "egress", "1", "OK", rem, me)))
                    emitted = True
            if emitted:
                if route == ROUTE_GWE or route == ROUTE_IGW:
                    path = "gateway-endpoint" if route == ROUTE_GWE else "internet-gateway"
                    nat["bypass_bytes"] += eg + ig
                    nat["bypass_records"] += nrec
                else:
                    path = "egress-only" if v6 else ("private" if kind == priv_kind else "nat")
                    if v6:
                        nat["ipv6_bytes"] += eg + ig
                        nat["ipv6_records"] += nrec
                    a_ = acc[cls]
                    a_[0] += eg
                    a_[1] += ig
                    a_[2] += nrec
                    hk = (u_hour[ui], cls)
                    hourly[hk] = hourly.get(hk, 0) + eg + ig
                pa = paths.get((path, cls))
                if pa is None:
                    pa = paths[(path, cls)] = [0, 0]
                pa[0] += eg + ig
                pa[1] += nrec
                accepted += nrec
                accepted_bytes += eg + ig
                if route == ROUTE_NAT:      # each instance record mirrored by a client leg and a public leg
                    accepted += 2 * nrec
                    accepted_bytes += 2 * (eg + ig)
                    nat_pub[ni] = nat_pub.get(ni, 0) + eg + ig
                    nat["relayed_records"] += nrec
                    nat["relayed_bytes"] += eg + ig
                    nat["client_bytes"] += eg + ig
                remotes[ri] = 1
                trip_h[pi] |= 0x11 << u_hour[ui]
                eb = eni_bytes.get(ei)
                if eb is None:
                    eb = eni_bytes[ei] = [0, 0]
                eb[kind != priv_kind] += eg + ig
        # every record starting in minute m or earlier has been generated
        if m >= t0 // 60 and m in out:
            recs = out.pop(m)
            recs.sort(key=lambda r: r[0])
            last_start = max(last_start, recs[-1][0])
            pieces.append("\n".join([r[1] for r in recs]))
            pieces.append("\n")
            if len(pieces) >= 16:
                _flush(f, pieces)
    for m in sorted(out):
        recs = out.pop(m)
        recs.sort(key=lambda r: r[0])
        last_start = max(last_start, recs[-1][0])
        pieces.append("\n".join([r[1] for r in recs]))
        pieces.append("\n")
    deliver = t_epoch + last_start + 300
    deliver -= deliver % 300
    stamp = dt.datetime.fromtimestamp(deliver, dt.timezone.utc)
    d = os.path.join(path_dir, stamp.strftime("%Y/%m/%d"))
    os.makedirs(d, exist_ok=True)
    name = (f"{vpc['account']}_vpcflowlogs_{region}_{vpc['flowlog']}_{stamp.strftime('%Y%m%dT%H%MZ')}"
            f"_{f['hash']}.log.gz")
    final = os.path.join(d, name)
    _flush(f, pieces, final=final)
    nd, sk = f["nodata"], f["skipdata"]
    return dict(file=final, vpc=vi, acc=acc, accepted=accepted, rejected=rejected, nodata=nd,
                skipdata=sk, records=accepted + rejected + nd + sk, accepted_bytes=accepted_bytes,
                remotes=remotes, trip_h=trip_h, eni_bytes=eni_bytes, paths=paths, hourly=hourly, nat_pub=nat_pub,
                nat=nat)


def _flush(f, pieces, final=None):
    """Streams the file: gzip member written to a temporary name, renamed when complete."""
    if "gz" not in f:
        tmpname = os.path.join(G["args"].out, f".tmp-{f['index']}.gz")
        raw = open(tmpname, "wb")
        f["tmp"] = tmpname
        f["raw"] = raw
        f["gz"] = gzip.GzipFile(filename="", mode="wb", compresslevel=1, fileobj=raw, mtime=0)
        f["gz"].write((" ".join(G["vpcs"][f["vpc"]]["header"]) + "\n").encode())  # header line
    f["gz"].write("".join(pieces).encode())
    pieces.clear()
    if final:
        f["gz"].close()
        f["raw"].close()
        os.replace(f["tmp"], final)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder (AWSLogs/ and expected-totals.json)")
    ap.add_argument("--records", type=int, default=1_000_000, help="records in all (exact)")
    ap.add_argument("--files", type=int, default=32, help=".log.gz files (at least 5)")
    ap.add_argument("--seed", type=int, default=7, help="same seed, same bytes")
    ap.add_argument("--workers", type=int, default=2, help="processes writing files")
    ap.add_argument("--start", default="2026-03-10T08:00:00Z", help="window start (UTC, whole hour)")
    ap.add_argument("--ip-ranges", default=os.path.join(HERE, "..", "data", "ip-ranges.json"))
    ap.add_argument("--no-nat", dest="nat", action="store_false",
                    help="no NAT gateway ENIs, gateway endpoints or internet-gateway VPC: every IPv4 egress on "
                         "traffic-path 1, the data this script wrote before they were added (same seed, same bytes)")
    ap.add_argument("--nat-traffic-path", default="-", choices=["-", "1", "2", "8"],
                    help="traffic-path of a NAT gateway ENI's egress records to the remote (default '-': the "
                         "documentation gives no value for them; see the docstring)")
    args = ap.parse_args()
    args.start_epoch = int(dt.datetime.strptime(args.start, "%Y-%m-%dT%H:%M:%SZ")
                           .replace(tzinfo=dt.timezone.utc).timestamp())
    if os.path.exists(os.path.join(args.out, "AWSLogs")):
        raise SystemExit(f"{args.out}/AWSLogs exists: choose an empty --out")
    os.makedirs(args.out, exist_ok=True)
    t = time.time()
    build_model(args)
    files = G["files"]
    res = []
    ctx = mp.get_context("fork")
    with ctx.Pool(args.workers) as pool:
        # larger files first, so the two workers finish together
        order = sorted(range(len(files)), key=lambda i: -files[i]["share"])
        for r in pool.imap_unordered(gen_file, order):
            res.append(r)
            print(f"  {len(res)}/{len(files)} {os.path.basename(r['file'])} {r['records']} records",
                  file=sys.stderr)
    vpcs = G["vpcs"]
    tot = {k: sum(r[k] for r in res) for k in ("records", "accepted", "rejected", "nodata", "skipdata",
                                                 "accepted_bytes")}
    assert tot["records"] == args.records, (tot["records"], args.records)
    per = {}
    path_classes = {}
    hourly = {}
    nat_pub = {}
    nat_tot = dict(relayed_records=0, relayed_bytes=0, client_bytes=0, bypass_bytes=0, bypass_records=0,
                   ipv6_bytes=0, ipv6_records=0)
    for r in res:
        v = vpcs[r["vpc"]]
        key = f"{v['id']} {v['region']}"
        for (path, ci), (b, n) in r.pop("paths").items():
            c = path_classes.setdefault(key, {}).setdefault(f"{path} {CLASSES[ci]}", {"bytes": 0, "records": 0})
            c["bytes"] += b
            c["records"] += n
        for (h, ci), b in r.pop("hourly").items():
            hk = str(args.start_epoch + h * 3600)
            hv = hourly.setdefault(key, {}).setdefault(hk, {})
            hv[CLASSES[ci]] = hv.get(CLASSES[ci], 0) + b
        for ni, b in r.pop("nat_pub").items():
            nat_pub[ni] = nat_pub.get(ni, 0) + b
        for k, n in r.pop("nat").items():
            nat_tot[k] += n
        for ci, (eg, ig, n) in enumerate(r["acc"]):
            if n:
                c = per.setdefault(key, {}).setdefault(CLASSES[ci], {"egress_bytes": 0, "ingress_bytes": 0,
                                                                      "records": 0})
                c["egress_bytes"] += eg
                c["ingress_bytes"] += ig
                c["records"] += n
    # cardinality actually written (records with addresses)
    rem_bits = 0
    th_bits = 0
    eni_bytes = {}
    for r in res:
        rem_bits |= int.from_bytes(r.pop("remotes"), "little")
        th_bits |= int.from_bytes(r.pop("trip_h"), "little")
        for ei, (pv, pb) in r.pop("eni_bytes").items():
            eb = eni_bytes.setdefault(ei, [0, 0])
            eb[0] += pv
            eb[1] += pb
    n_rem = rem_bits.bit_count()
    thb = th_bits.to_bytes(G["n_pairs"], "little")
    n_th = th_bits.bit_count()
    n_trip = sum(1 for b in thb if b & 0x0F) + sum(1 for b in thb if b & 0xF0)
    if G["nats"]:
        # the NAT ENIs' triples: (NAT, instance, NAT ip) and back, (NAT, NAT ip, remote) and back; all of a
        # NAT-routed pair's records are accepted in both directions, so its egress hours are its hours
        p_route, p_eni, p_rem, enis = G["p_route"], G["p_eni"], G["p_rem"], G["enis"]
        via = {}
        for pi in range(G["n_pairs"]):
            hb = thb[pi] & 0x0F
            if hb and p_route[pi] == ROUTE_NAT:
                ni = enis[p_eni[pi]]["nat"]
                for k in ((ni, "eni", p_eni[pi]), (ni, "remote", p_rem[pi])):
                    via[k] = via.get(k, 0) | hb
        n_trip += 2 * len(via)
        n_th += 2 * sum(hb.bit_count() for hb in via.values())
    for ei, (pv, pb) in sorted(eni_bytes.items()):
        if pb and 0.8 < pv / pb < 1.25:
            print(f"WARNING: {G['enis'][ei]['id']} private {pv} vs public {pb} bytes: close to balance "
                  f"(a NAT-relay look-alike)", file=sys.stderr)
    truth = {
        "generator": "benches/independent_flowlogs.py (independent of vpce-advisor synth)",
        "seed": args.seed, "files": len(files), "window_start": args.start, "hours": HOURS,
        **tot,
        "vpcs": {k: dict(sorted(v.items())) for k, v in sorted(per.items())},
        "path_classes": {k: dict(sorted(v.items())) for k, v in sorted(path_classes.items())},
        "hourly": {k: {h: dict(sorted(c.items())) for h, c in sorted(v.items())} for k, v in sorted(hourly.items())},
        "remote_kind_fallbacks": {f"{a}->{b}": n for (a, b), n in sorted(G["fallbacks"].items())},
        "cardinality": {"remote_addresses": n_rem, "interface_src_dst": n_trip,
                        "interface_src_dst_hour": n_th, "interfaces": len(G["enis"]) + len(G["nats"]),
                        "vpcs": len(vpcs)},
    }
    if args.nat:
        nats = G["nats"]
        truth["nat"] = {
            "nat_traffic_path": args.nat_traffic_path,
            "nat_interfaces": [{"interface_id": n["eni"], "vpc_id": vpcs[n["vpc"]]["id"],
                                "region": vpcs[n["vpc"]]["region"], "az_id": n["az"], "nat_gateway_id": n["id"],
                                "private_ip": n["ip"], "public_bytes": nat_pub.get(n["index"], 0)} for n in nats],
            "nat_leg_bytes": sum(nat_pub.values()),
            "client_bytes": nat_tot["client_bytes"],
            "duplicate_bytes_removed": sum(nat_pub.values()),
            "nat_only_bytes": 0,
            "relayed_bytes": nat_tot["relayed_bytes"],
            "relayed_records": nat_tot["relayed_records"],
            "bypass_bytes": nat_tot["bypass_bytes"],
            "bypass_records": nat_tot["bypass_records"],
            "ipv6_tp8_bytes": nat_tot["ipv6_bytes"],
            "ipv6_tp8_records": nat_tot["ipv6_records"],
            "vpc_routes": {f"{v['id']} {v['region']}": ("nat-gateway-per-az" if vi in NAT_VPCS and NAT_VPCS[vi] == "per-az"
                                                         else "nat-gateway-single" if vi in NAT_VPCS
                                                         else "gateway-endpoints" if vi in GWE_VPCS
                                                         else "internet-gateway" if vi in IGW_VPCS else "plain")
                           for vi, v in enumerate(vpcs)},
        }
    with open(os.path.join(args.out, "expected-totals.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(files)} files, {tot['records']} records in {time.time() - t:.1f} s; "
          f"cardinality {truth['cardinality']}", file=sys.stderr)


if __name__ == "__main__":
    main()
