//! Commands to act on the recommendation: a [`Report`] (and the resource ids known per VPC, if
//! any) in; `actions.sh` (AWS CLI `create-vpc-endpoint` commands), `endpoints.tf` (Terraform
//! `aws_vpc_endpoint` resources) and `endpoint-policy.json` (a policy template) out.
//!
//! Nothing here is ever executed by the tool. Every value taken from input (VPC ids, regions,
//! AZ ids, inventory ids) is checked against the shape AWS gives it; anything else is replaced by
//! a `<placeholder>` and explained in a comment that shows the bad value with every unsafe
//! character replaced, so a hostile id such as `vpc-1; rm -rf /` or `$(reboot)` can never end
//! up executable in the script or the Terraform file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use rust_decimal::Decimal;

use super::{fmt_gb, fmt_usd, Report, VpcReport};

/// Resource ids already known for one VPC (from an inventory); empty means placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionIds {
    /// Route tables the gateway endpoints are associated with (those of the private subnets).
    pub route_table_ids: Vec<String>,
    /// One subnet per AZ id (`use1-az1` -> `subnet-...`) for interface endpoint ENIs.
    pub subnet_ids_by_az: BTreeMap<String, String>,
    /// Security groups for interface endpoints (allowing tcp/443 from the VPC CIDR).
    pub security_group_ids: Vec<String>,
}

/// Known ids per VPC id.
pub type KnownIds = BTreeMap<String, ActionIds>;

/// Placeholder account id in `endpoint-policy.json`.
pub const ACCOUNT_PLACEHOLDER: &str = "<your-12-digit-account-id>";

/// A value for a command: a checked id, or a placeholder to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Known(String),
    Placeholder(String),
}

impl Val {
    fn text(&self) -> &str {
        match self {
            Val::Known(s) | Val::Placeholder(s) => s,
        }
    }
}

/// One endpoint to create, every value checked.
#[derive(Debug, Clone)]
struct EndpointAction {
    gateway: bool,
    /// Short service name (`s3`, `other-aws`...), checked.
    service: String,
    service_name: Val,
    route_table_ids: Vec<Val>,
    subnet_ids: Vec<Val>,
    security_group_ids: Vec<Val>,
    monthly_gb: Decimal,
    /// Cross-region PrivateLink: the service's region (`--service-region`), checked.
    service_region: Option<Val>,
}

/// One VPC's endpoints, every value checked.
#[derive(Debug, Clone)]
struct VpcAction {
    vpc_id: Val,
    region: Val,
    /// Safe comment lines about values that were replaced.
    notes: Vec<String>,
    scenario: &'static str,
    saving_usd: Decimal,
    endpoints: Vec<EndpointAction>,
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `<prefix>` followed by 8 or 17 lowercase hex digits, as AWS resource ids are.
pub fn is_aws_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|h| (h.len() == 8 || h.len() == 17) && is_lower_hex(h))
}

/// A region name such as `us-east-1`, `us-gov-west-1`, `ap-southeast-4` or `eusc-de-east-1`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let (Some(number), Some(first)) = (parts.last(), parts.first()) else {
        return false;
    };
    (3..=4).contains(&parts.len())
        && (2..=4).contains(&first.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An AZ id such as `use1-az1`, `apne1-az4` or a Local Zone's `usw2-lax1-az1`.
pub fn is_az_id(s: &str) -> bool {
    let Some((head, az)) = s.rsplit_once("-az") else {
        return false;
    };
    s.len() <= 32
        && head.starts_with(|c: char| c.is_ascii_lowercase())
        && head.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && (1..=2).contains(&az.len())
        && az.bytes().all(|b| b.is_ascii_digit())
}

/// An endpoint service short name such as `s3`, `ecr.api` or `iot.data`.
fn is_service(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split(['.', '-']).all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `s` for a comment: only letters, digits and `-_.:/,()<>` kept, the rest shown as `?`, at most
/// 64 characters. No newline, quote, `$` or backtick can pass.
pub fn comment_safe(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:/,()<> ".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > 64 {
        out.push_str("...");
    }
    out
}

/// Quotes `s` for bash: bare when it holds only safe characters, else in single quotes.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._+:@%/=-".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A Terraform (HCL) string literal: quotes, backslashes, control characters and the `${` /
/// `%{` template sequences escaped.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Terraform identifier from free text: `[a-z0-9_]`, starting with a letter.
pub fn tf_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "x_");
    }
    out
}

fn checked(value: &str, ok: bool, placeholder: &str, what: &str, notes: &mut Vec<String>) -> Val {
    if ok {
        Val::Known(value.to_string())
    } else {
        notes.push(format!(
            "The {what} in the input ({}) is not a valid one: replace {placeholder} with the real value.",
            comment_safe(value)
        ));
        Val::Placeholder(placeholder.to_string())
    }
}

fn ids(
    values: &[String],
    prefix: &str,
    placeholder: &str,
    what: &str,
    notes: &mut Vec<String>,
) -> Vec<Val> {
    let mut out: Vec<Val> = values
        .iter()
        .map(|v| checked(v, is_aws_id(v, prefix), placeholder, what, notes))
        .collect();
    if out.is_empty() {
        out.push(Val::Placeholder(placeholder.to_string()));
    }
    out
}

fn plan_vpc(v: &VpcReport, known: Option<&ActionIds>) -> VpcAction {
    let empty = ActionIds::default();
    let known = known.unwrap_or(&empty);
    let mut notes = Vec::new();
    let t = &v.traffic;
    let vpc_id = if t.vpc_id == "unattributed" {
        notes.push(
            "The logs have no vpc-id field, so this VPC is `unattributed`: replace <vpc-id> with the real id."
                .into(),
        );
        Val::Placeholder("<vpc-id>".into())
    } else {
        checked(
            &t.vpc_id,
            is_aws_id(&t.vpc_id, "vpc-"),
            "<vpc-id>",
            "VPC id",
            &mut notes,
        )
    };
    let region = checked(
        &t.region,
        is_region(&t.region),
        "<region>",
        "region",
        &mut notes,
    );
    let rec = &v.recommendation;
    let scenario = v.scenarios.iter().find(|s| s.kind == rec.recommended);
    let mut endpoints = Vec::new();
    for e in scenario.map(|s| s.endpoints.as_slice()).unwrap_or(&[]) {
        if let Some(id) = &e.existing {
            let id = if is_aws_id(id, "vpce-") {
                id.clone()
            } else {
                "an existing endpoint".into()
            };
            let service = if is_service(&e.service) {
                e.service.as_str()
            } else {
                "a service"
            };
            notes.push(format!(
                "The {} endpoint for {service} exists already ({id}, from the inventory): not created again.",
                e.endpoint_type.to_ascii_lowercase()
            ));
            continue;
        }
        let service_ok = is_service(&e.service) && e.service != "other-aws";
        let service = if is_service(&e.service) {
            e.service.clone()
        } else {
            "service".to_string()
        };
        // Cross-region PrivateLink: the service lives in another region (IAM and Route 53 have
        // global names without one).
        let service_region = e.service_region.as_ref().map(|r| {
            checked(
                r,
                is_region(r),
                "<service-region>",
                "service region",
                &mut notes,
            )
        });
        let name_region = service_region.as_ref().unwrap_or(&region);
        let global = service_region.is_some() && matches!(e.service.as_str(), "iam" | "route53");
        let service_name = match (name_region, service_ok) {
            (_, true) if global => Val::Known(format!("com.amazonaws.{}", e.service)),
            (Val::Known(r), true) => Val::Known(format!("com.amazonaws.{r}.{}", e.service)),
            (r, true) => Val::Placeholder(format!("com.amazonaws.{}.{}", r.text(), e.service)),
            (r, false) => Val::Placeholder(format!("com.amazonaws.{}.<service>", r.text())),
        };
        let gateway = e.endpoint_type == "Gateway";
        let mut subnet_ids = Vec::new();
        let mut security_group_ids = Vec::new();
        let mut route_table_ids = Vec::new();
        if gateway {
            route_table_ids = ids(
                &known.route_table_ids,
                "rtb-",
                "<route-table-id>",
                "route table id",
                &mut notes,
            );
        } else {
            let azs: Vec<&String> = t.azs_seen.iter().filter(|a| is_az_id(a)).collect();
            for i in 0..e.azs.max(1) as usize {
                let az = azs.get(i);
                let placeholder = match az {
                    Some(az) => format!("<subnet-id-in-{az}>"),
                    None => format!("<subnet-id-in-AZ-{}>", i + 1),
                };
                let id = az.and_then(|az| known.subnet_ids_by_az.get(*az));
                subnet_ids.push(match id {
                    Some(id) => checked(
                        id,
                        is_aws_id(id, "subnet-"),
                        &placeholder,
                        "subnet id",
                        &mut notes,
                    ),
                    None => Val::Placeholder(placeholder),
                });
            }
            security_group_ids = ids(
                &known.security_group_ids,
                "sg-",
                "<sg-id allowing tcp/443 from the VPC CIDR>",
                "security group id",
                &mut notes,
            );
        }
        endpoints.push(EndpointAction {
            gateway,
            service,
            service_name,
            route_table_ids,
            subnet_ids,
            security_group_ids,
            monthly_gb: e.monthly_gb,
            service_region,
        });
    }
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    VpcAction {
        vpc_id,
        region,
        notes,
        scenario: rec.recommended.name(),
        saving_usd: rec.monthly_saving_usd,
        endpoints,
    }
}

fn plan(report: &Report, known: &KnownIds) -> Vec<VpcAction> {
    report
        .vpcs
        .iter()
        .map(|v| plan_vpc(v, known.get(&v.traffic.vpc_id)))
        .collect()
}

/// `saves $1.00/month against NAT only` or `costs $1.00/month more than NAT only`.
fn saving_phrase(saving_usd: Decimal) -> String {
    if saving_usd < Decimal::ZERO {
        format!("costs {}/month more than NAT only", fmt_usd(-saving_usd))
    } else {
        format!("saves {}/month against NAT only", fmt_usd(saving_usd))
    }
}

fn tags(service: &str) -> String {
    format!("ResourceType=vpc-endpoint,Tags=[{{Key=Name,Value=vpce-advisor-{service}}},{{Key=created-by,Value=vpce-advisor}}]")
}

fn endpoint_comment(e: &EndpointAction) -> Vec<String> {
    let gb = fmt_gb(e.monthly_gb);
    let mut lines = Vec::new();
    if e.gateway {
        lines.push(format!(
            "Gateway endpoint for {} ({gb} GB/month off NAT; no hourly or per-GB charge).",
            e.service
        ));
        lines.push("Associate it with the route tables of the subnets that reach the service today through a NAT gateway.".into());
    } else if e.service == "other-aws" {
        lines.push(format!(
            "Interface endpoint(s) for other AWS APIs ({gb} GB/month off NAT)."
        ));
        lines.push("The logs show AMAZON-range addresses only: name each service from DNS query logs (ssm, ssmmessages, ec2messages, sts, sqs, kms, ecr.api, ecr.dkr, logs, monitoring...) and create one endpoint per service, replacing <service>; each one is billed per AZ-hour.".into());
    } else if let Some(r) = &e.service_region {
        lines.push(format!(
            "Cross-region interface endpoint for {} in {} ({gb} GB/month off NAT), one ENI per AZ where AWS offers cross-region access; billed like any interface endpoint, plus the inter-region data transfer the traffic pays through NAT too.",
            e.service,
            r.text()
        ));
        lines.push("Needs the IAM permission vpce:AllowMultiRegion and the service's regional DNS name; AWS does not offer it in use1-az3, usw1-az2, apne1-az3, apne2-az2, apne2-az4.".into());
    } else {
        lines.push(format!(
            "Interface endpoint for {} ({gb} GB/month off NAT), one ENI per AZ.",
            e.service
        ));
    }
    if !e.gateway {
        lines.push("Private DNS makes the service's public name resolve to the endpoint (needs the VPC's enableDnsSupport and enableDnsHostnames).".into());
    }
    lines
}

/// `actions.sh`: commented `aws ec2 create-vpc-endpoint` commands for the recommended endpoints,
/// behind a dry-run guard.
pub fn render_script(report: &Report, known: &KnownIds) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"#!/usr/bin/env bash
# actions.sh: the VPC endpoints vpce-advisor recommends (policy {policy}), as AWS CLI commands.
# Written by {tool} next to report.json; the tool never runs it.
#
# 1. Read every command and replace each '<placeholder>': the route tables of the private
#    subnets (gateway endpoints), one subnet per AZ and a security group that allows tcp/443
#    from the VPC CIDR (interface endpoints). To list them:
#      aws ec2 describe-route-tables --filters Name=vpc-id,Values=<vpc-id>
#      aws ec2 describe-subnets --filters Name=vpc-id,Values=<vpc-id>
# 2. bash actions.sh              prints the commands (dry run, the default)
# 3. DRY_RUN=0 bash actions.sh    creates the endpoints; refuses while a placeholder is left
# The tool does not know the endpoints you already have, and each run creates new ones: check
# first with  aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc-id>
#
# Endpoint policy (optional, least privilege): endpoint-policy.json allows the endpoints to be
# used only by principals of your account (condition aws:PrincipalAccount). Put your account id
# in it, then run with ENDPOINT_POLICY=1 to attach it to every endpoint. Anonymous requests
# (public buckets, package repositories read without credentials) are then refused through the
# endpoint: add statements for them if your workloads need them.
set -euo pipefail

DRY_RUN="${{DRY_RUN:-1}}"
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
POLICY_ARGS=()
if [[ "${{ENDPOINT_POLICY:-0}}" == 1 ]]; then
  if [[ ! -f "$HERE/endpoint-policy.json" ]]; then
    echo "actions.sh: $HERE/endpoint-policy.json is missing" >&2
    exit 1
  fi
  if [[ "$DRY_RUN" == 0 ]] && grep -q '<' "$HERE/endpoint-policy.json"; then
    echo "actions.sh: put your account id in $HERE/endpoint-policy.json first" >&2
    exit 1
  fi
  POLICY_ARGS=(--policy-document "file://$HERE/endpoint-policy.json")
fi

# Prints the command (dry run) or runs it once no argument is a <placeholder>.
run() {{
  if [[ "$DRY_RUN" != 0 ]]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
    return 0
  fi
  local arg
  for arg in "$@"; do
    if [[ "$arg" == *'<'*'>'* ]]; then
      echo "actions.sh: replace the placeholder $arg first" >&2
      exit 1
    fi
  done
  "$@"
}}
"#,
        policy = comment_safe(report.policy.name()),
        tool = comment_safe(&report.tool),
    );
    for v in plan(report, known) {
        let title = format!(
            "VPC {} in {}: {}, {}",
            comment_safe(v.vpc_id.text()),
            comment_safe(v.region.text()),
            v.scenario,
            saving_phrase(v.saving_usd)
        );
        let _ = writeln!(o, "\n# {}", "=".repeat(96));
        let _ = writeln!(o, "# {title}");
        for n in &v.notes {
            o.push_str(&super::terminal::wrap(
                &format!("# {}", comment_safe_long(n)),
                100,
                "# ",
            ));
        }
        let _ = writeln!(o, "# {}", "=".repeat(96));
        if v.endpoints.is_empty() {
            let _ = writeln!(o, "# No endpoint to create for this VPC.");
            continue;
        }
        for e in &v.endpoints {
            o.push('\n');
            for line in endpoint_comment(e) {
                o.push_str(&super::terminal::wrap(&format!("# {line}"), 100, "# "));
            }
            let mut args: Vec<String> = vec![
                "run aws ec2 create-vpc-endpoint".into(),
                format!("--region {}", shell_quote(v.region.text())),
                format!("--vpc-id {}", shell_quote(v.vpc_id.text())),
                format!(
                    "--vpc-endpoint-type {}",
                    if e.gateway { "Gateway" } else { "Interface" }
                ),
                format!("--service-name {}", shell_quote(e.service_name.text())),
            ];
            if let Some(r) = &e.service_region {
                args.push(format!("--service-region {}", shell_quote(r.text())));
            }
            let list = |vals: &[Val]| {
                vals.iter()
                    .map(|v| shell_quote(v.text()))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if e.gateway {
                args.push(format!("--route-table-ids {}", list(&e.route_table_ids)));
            } else {
                args.push(format!("--subnet-ids {}", list(&e.subnet_ids)));
                args.push(format!(
                    "--security-group-ids {}",
                    list(&e.security_group_ids)
                ));
                args.push("--private-dns-enabled".into());
            }
            args.push(format!(
                "--tag-specifications {}",
                shell_quote(&tags(&e.service))
            ));
            args.push(r#"${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}"#.into());
            let _ = writeln!(o, "{}", args.join(" \\\n  "));
        }
    }
    o
}

/// [`comment_safe`] without the length limit, for the tool's own sentences (which quote
/// input only through [`comment_safe`]).
fn comment_safe_long(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `endpoints.tf`: the same endpoints as Terraform `aws_vpc_endpoint` resources, one provider
/// alias per region.
pub fn render_terraform(report: &Report, known: &KnownIds) -> String {
    let plans = plan(report, known);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# endpoints.tf: the VPC endpoints vpce-advisor recommends (policy {}), as Terraform.",
        comment_safe(report.policy.name())
    );
    let _ = writeln!(
        o,
        "# Written by {} next to report.json and actions.sh (the same endpoints).",
        comment_safe(&report.tool)
    );
    o.push_str("# Replace every \"<placeholder>\" (see actions.sh for how to find the ids), then terraform plan.\n");
    o.push_str("# To attach the endpoint policy, put your account id in endpoint-policy.json and uncomment\n# the `policy` lines.\n");
    let regions: BTreeSet<String> = plans.iter().map(|p| p.region.text().to_string()).collect();
    for r in &regions {
        let _ = write!(
            o,
            "\nprovider \"aws\" {{\n  alias  = {}\n  region = {}\n}}\n",
            hcl_string(&tf_name(r)),
            hcl_string(r)
        );
    }
    let mut used = BTreeSet::new();
    for v in &plans {
        let _ = writeln!(
            o,
            "\n# VPC {} in {}: {}, {}",
            comment_safe(v.vpc_id.text()),
            comment_safe(v.region.text()),
            v.scenario,
            saving_phrase(v.saving_usd)
        );
        for n in &v.notes {
            o.push_str(&super::terminal::wrap(
                &format!("# {}", comment_safe_long(n)),
                100,
                "# ",
            ));
        }
        if v.endpoints.is_empty() {
            let _ = writeln!(o, "# No endpoint to create for this VPC.");
        }
        for e in &v.endpoints {
            let base = tf_name(&format!("{}_{}", v.vpc_id.text(), e.service));
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            o.push('\n');
            for line in endpoint_comment(e) {
                o.push_str(&super::terminal::wrap(&format!("# {line}"), 100, "# "));
            }
            let list = |vals: &[Val]| {
                format!(
                    "[{}]",
                    vals.iter()
                        .map(|v| hcl_string(v.text()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let mut attrs: Vec<(&str, String)> = vec![
                ("provider", format!("aws.{}", tf_name(v.region.text()))),
                ("vpc_id", hcl_string(v.vpc_id.text())),
                ("service_name", hcl_string(e.service_name.text())),
            ];
            if let Some(r) = &e.service_region {
                attrs.push(("service_region", hcl_string(r.text())));
            }
            if e.gateway {
                attrs.push(("vpc_endpoint_type", "\"Gateway\"".into()));
                attrs.push(("route_table_ids", list(&e.route_table_ids)));
            } else {
                attrs.push(("vpc_endpoint_type", "\"Interface\"".into()));
                attrs.push(("subnet_ids", list(&e.subnet_ids)));
                attrs.push(("security_group_ids", list(&e.security_group_ids)));
                attrs.push(("private_dns_enabled", "true".into()));
            }
            let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            let _ = writeln!(o, "resource \"aws_vpc_endpoint\" \"{name}\" {{");
            for (k, val) in &attrs {
                let _ = writeln!(o, "  {k:<width$} = {val}");
            }
            let _ = writeln!(
                o,
                "  # policy = file(\"${{path.module}}/endpoint-policy.json\")"
            );
            let _ = writeln!(o, "  tags = {{");
            let _ = writeln!(
                o,
                "    Name         = {}",
                hcl_string(&format!("vpce-advisor-{}", e.service))
            );
            let _ = writeln!(o, "    \"created-by\" = \"vpce-advisor\"");
            let _ = writeln!(o, "  }}");
            let _ = writeln!(o, "}}");
        }
    }
    o
}

/// `endpoint-policy.json`: allow any action through the endpoint, but only by principals of one
/// account (a placeholder to replace).
pub fn render_policy() -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "OnlyPrincipalsOfMyAccount",
      "Effect": "Allow",
      "Principal": "*",
      "Action": "*",
      "Resource": "*",
      "Condition": {{
        "StringEquals": {{
          "aws:PrincipalAccount": "{ACCOUNT_PLACEHOLDER}"
        }}
      }}
    }}
  ]
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_regions() {
        assert!(is_aws_id("vpc-0a1b2c3d4e5f60001", "vpc-"));
        assert!(is_aws_id("vpc-12345678", "vpc-"));
        assert!(!is_aws_id("vpc-1; rm -rf /", "vpc-"));
        assert!(!is_aws_id("vpc-$(reboot)", "vpc-"));
        assert!(!is_aws_id("vpc-0A1B2C3D", "vpc-"));
        assert!(!is_aws_id("subnet-12345678", "vpc-"));
        for r in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-4",
            "cn-north-1",
        ] {
            assert!(is_region(r), "{r}");
        }
        for r in [
            "",
            "us-east",
            "us-east-1;x",
            "US-EAST-1",
            "us--1",
            "us-east-1a",
            "$(x)-y-1",
        ] {
            assert!(!is_region(r), "{r}");
        }
        assert!(is_az_id("use1-az1") && is_az_id("apne1-az4") && is_az_id("usw2-az10"));
        assert!(is_az_id("usw2-lax1-az1"));
        assert!(!is_az_id("use1-az1;x") && !is_az_id("-az1") && !is_az_id("use1"));
        assert!(!is_az_id("use1-az1$(x)") && !is_az_id("../az1") && !is_az_id("a b-az1"));
        assert!(is_service("ecr.api") && is_service("s3") && !is_service("a b"));
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("vpc-1"), "vpc-1");
        assert_eq!(shell_quote("<route-table-id>"), "'<route-table-id>'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(hcl_string("a\"b\\c${x}%{y}\n"), r#""a\"b\\c$${x}%%{y}\n""#);
        assert_eq!(tf_name("vpc-1; rm -rf /_s3"), "vpc_1__rm__rf___s3");
        assert_eq!(tf_name("<vpc-id>_s3"), "x__vpc_id__s3");
        assert_eq!(comment_safe("a\nb$(c)`d`"), "a?b?(c)?d?");
    }
}
