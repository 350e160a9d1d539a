//! Recommendation: one VPC's scenarios and break-evens in; the setup to build under the chosen
//! policy, the cheapest setup overall, the savings and plain-language reasons out.

use rust_decimal::Decimal;
use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

use crate::scenario::{BreakEven, Component, Scenario, ScenarioKind};
use crate::traffic::{DestClass, VpcTraffic};

pub use crate::policy::{Policy, PolicyKind};

/// The verdict for one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// Name of the policy followed (`secure`, `strict`, `cheapest` or the policy file).
    pub policy: String,
    pub recommended: ScenarioKind,
    pub cheapest: ScenarioKind,
    /// Today's setup as modelled (NAT only).
    pub baseline: ScenarioKind,
    #[serde(with = "rust_decimal::serde::str")]
    pub baseline_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub recommended_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cheapest_usd: Decimal,
    /// baseline - recommended, per month.
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_saving_usd: Decimal,
    /// recommended - cheapest: what the policy costs over the cheapest setup.
    #[serde(with = "rust_decimal::serde::str")]
    pub policy_premium_usd: Decimal,
    /// The options in order: (a) free gateway endpoints, (b) interface endpoints that pay for
    /// themselves, (c) what the security policy adds, (d) fully private.
    pub ladder: Vec<LadderStep>,
    /// AWS traffic whose service the logs cannot name (AMAZON ranges without DNS logs).
    pub unknown_aws: Option<UnknownAws>,
    pub reasons: Vec<String>,
}

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderStep {
    /// `a`, `b`, `c` or `d`.
    pub step: String,
    /// What the step is (`free gateway endpoints`...).
    pub title: String,
    /// The cheapest setup of the scenario list that takes this step.
    pub scenario: ScenarioKind,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_usd: Decimal,
    /// Today's cost minus this step's, per month (negative: costs more than today).
    #[serde(with = "rust_decimal::serde::str")]
    pub saving_usd: Decimal,
    /// This step's cost minus the previous step's (the step's own price).
    #[serde(with = "rust_decimal::serde::str")]
    pub added_usd: Decimal,
    /// Endpoint services this step puts on endpoints that the previous step left on NAT.
    pub endpoints_added: Vec<String>,
    /// What the step buys, in one sentence.
    pub buys: String,
}

/// AWS traffic of unknown service: neither inside nor outside a policy list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownAws {
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_gb: Decimal,
    /// Extra monthly cost of carrying it on one interface endpoint (hours and data, minus the
    /// NAT processing it saves): a floor, as each service behind it needs its own endpoint.
    #[serde(with = "rust_decimal::serde::str")]
    pub cover_usd: Decimal,
    /// Whether the policy requires it on an endpoint (`strict` only).
    pub required: bool,
    pub note: String,
}

/// Picks the cheapest scenario that meets the policy; on equal cost the simpler setup (earlier in
/// [`ScenarioKind`] order) wins. `strict` is every AWS service on an endpoint; a list policy
/// requires endpoints for its listed services only; `cheapest` takes the cheapest.
pub fn recommend(
    traffic: &VpcTraffic,
    scenarios: &[Scenario],
    break_evens: &[BreakEven],
    policy: &Policy,
) -> Recommendation {
    let cheapest = pick(scenarios, |_| true);
    let recommended = match policy.kind {
        PolicyKind::Strict => pick(scenarios, Scenario::is_secure),
        PolicyKind::List => pick(scenarios, |s| meets(policy, traffic, s)),
        PolicyKind::Cheapest => cheapest,
    };
    let baseline = baseline(scenarios);
    let ladder = ladder(traffic, scenarios, policy);
    let unknown_aws = unknown_aws(traffic, scenarios, policy);
    let reasons = reasons(
        traffic,
        scenarios,
        break_evens,
        recommended,
        cheapest,
        policy,
        unknown_aws.as_ref(),
    );
    Recommendation {
        policy: policy.name.clone(),
        recommended: recommended.kind,
        cheapest: cheapest.kind,
        baseline: baseline.kind,
        baseline_usd: baseline.total(),
        recommended_usd: recommended.total(),
        cheapest_usd: cheapest.total(),
        monthly_saving_usd: baseline.total() - recommended.total(),
        policy_premium_usd: recommended.total() - cheapest.total(),
        ladder,
        unknown_aws,
        reasons,
    }
}

/// Endpoint services with traffic (GB/month), in name order.
fn eligible(traffic: &VpcTraffic) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for d in traffic
        .destinations
        .iter()
        .filter(|d| d.class.endpoint_eligible() && d.monthly_gb > Decimal::ZERO)
    {
        if let Some(e) = &d.endpoint {
            *out.entry(e.clone()).or_default() += d.monthly_gb;
        }
    }
    out
}

/// Services a scenario carries on endpoints.
fn covered(s: &Scenario) -> BTreeSet<&str> {
    s.endpoints.iter().map(|e| e.service.as_str()).collect()
}

/// Whether a scenario puts every service the policy requires on an endpoint.
pub fn meets(policy: &Policy, traffic: &VpcTraffic, s: &Scenario) -> bool {
    if policy.kind == PolicyKind::Strict {
        return s.is_secure();
    }
    let on = covered(s);
    eligible(traffic)
        .keys()
        .filter(|svc| policy.requires(svc))
        .all(|svc| on.contains(svc.as_str()))
}

/// The ladder: each step is the cheapest setup of the scenario list that takes it (NAT
/// instances are a different trade-off, shown as their own setup, and left out).
fn ladder(traffic: &VpcTraffic, scenarios: &[Scenario], policy: &Policy) -> Vec<LadderStep> {
    let candidates: Vec<Scenario> = scenarios
        .iter()
        .filter(|s| s.kind != ScenarioKind::NatInstance)
        .cloned()
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let today = baseline(scenarios);
    let gb = eligible(traffic);
    let free = |s: &Scenario| {
        s.endpoints
            .iter()
            .all(|e| e.endpoint_type == "Gateway" || e.existing.is_some())
    };
    let mut picks: Vec<(&str, &str, &Scenario)> = vec![
        ("a", "free gateway endpoints", pick(&candidates, free)),
        (
            "b",
            "interface endpoints that pay for themselves",
            pick(&candidates, |_| true),
        ),
    ];
    if policy.kind != PolicyKind::Cheapest {
        picks.push((
            "c",
            "what the security policy adds",
            pick(&candidates, |s| meets(policy, traffic, s)),
        ));
    }
    picks.push(("d", "fully private", pick(&candidates, Scenario::is_secure)));
    let mut out = Vec::new();
    let mut prev: Option<&Scenario> = None;
    for (step, title, s) in picks {
        let before: BTreeSet<&str> = prev.map(covered).unwrap_or_else(|| covered(today));
        let added: Vec<String> = covered(s)
            .into_iter()
            .filter(|svc| !before.contains(svc))
            .map(str::to_string)
            .collect();
        let added_gb: Decimal = added.iter().filter_map(|a| gb.get(a)).sum();
        let buys = match step {
            "a" if added.is_empty() => {
                "nothing more: no same-region S3 or DynamoDB traffic is left on NAT".to_string()
            }
            "a" => format!(
                "{} off NAT at no charge ({} GB/month)",
                added.join(", "),
                fmt_gb(added_gb)
            ),
            "b" if added.is_empty() => {
                "nothing more: no interface endpoint costs less than the NAT processing it would replace".to_string()
            }
            "b" => format!(
                "interface endpoints for {} ({} GB/month), each cheaper than the NAT processing it replaces",
                added.join(", "),
                fmt_gb(added_gb)
            ),
            "c" if added.is_empty() => format!(
                "nothing more: the steps above already keep every service policy `{}` lists on endpoints",
                policy.name
            ),
            "c" => format!(
                "{} ({} GB/month) on the AWS network as policy `{}` requires: a security decision, priced here",
                added.join(", "),
                fmt_gb(added_gb),
                policy.name
            ),
            _ if added.is_empty() => {
                "nothing more: every AWS service already uses an endpoint".to_string()
            }
            _ => format!(
                "every AWS service on an endpoint, also {} ({} GB/month), so NAT carries only internet traffic",
                added.join(", "),
                fmt_gb(added_gb)
            ),
        };
        out.push(LadderStep {
            step: step.into(),
            title: title.into(),
            scenario: s.kind,
            monthly_usd: s.total(),
            saving_usd: today.total() - s.total(),
            added_usd: s.total() - prev.unwrap_or(today).total(),
            endpoints_added: added,
            buys,
        });
        prev = Some(s);
    }
    out
}

/// The unnamed AWS traffic (`other-aws`) and what an endpoint for it would cost.
fn unknown_aws(
    traffic: &VpcTraffic,
    scenarios: &[Scenario],
    policy: &Policy,
) -> Option<UnknownAws> {
    let gb = eligible(traffic).get("other-aws").copied()?;
    let nat_rate = nat_rate(scenarios);
    // The fully private setup prices an interface endpoint for it: its lines name the plan.
    let cover_usd = scenarios
        .iter()
        .find(|s| s.kind == ScenarioKind::FullyPrivate)
        .and_then(|s| {
            let plan = s.endpoints.iter().find(|e| e.service == "other-aws")?;
            Some(
                s.lines
                    .iter()
                    .filter(|l| {
                        matches!(
                            l.component,
                            Component::InterfaceEndpointHours | Component::InterfaceEndpointData
                        ) && l.detail.starts_with(&plan.service_name)
                    })
                    .map(|l| l.monthly_usd)
                    .sum::<Decimal>()
                    - gb * nat_rate,
            )
        })
        .unwrap_or_default();
    let required = policy.kind == PolicyKind::Strict;
    let scope = if required {
        "the policy's list (`strict` covers it anyway)".to_string()
    } else {
        format!("policy `{}`", policy.name)
    };
    let cost = if cover_usd > Decimal::ZERO {
        format!(
            "Carrying it on endpoints costs at least {}/month more than NAT (one interface endpoint; each service behind it needs its own).",
            usd(cover_usd)
        )
    } else {
        format!(
            "At this volume one interface endpoint for it would save {}/month on cost alone, but each service behind it needs its own endpoint.",
            usd(-cover_usd)
        )
    };
    let note = format!(
        "{} GB/month goes to AWS API addresses (AMAZON ranges) whose service the flow logs cannot name, so it is neither inside nor outside {scope}. {cost} Name the services with --dns-logs (Route 53 Resolver query logs), then the policy decides.",
        fmt_gb(gb)
    );
    Some(UnknownAws {
        monthly_gb: gb,
        cover_usd,
        required,
        note,
    })
}

fn nat_rate(scenarios: &[Scenario]) -> Decimal {
    baseline(scenarios)
        .lines
        .iter()
        .find(|l| l.component == Component::NatGatewayData)
        .map(|l| l.usd_per_unit)
        .unwrap_or_default()
}

fn fmt_gb(d: Decimal) -> String {
    gb(d)
}

/// Today's setup as modelled: `nat-only`.
fn baseline(scenarios: &[Scenario]) -> &Scenario {
    scenarios
        .iter()
        .find(|s| s.kind == ScenarioKind::NatOnly)
        .unwrap_or(&scenarios[0])
}

fn pick(scenarios: &[Scenario], ok: impl Fn(&Scenario) -> bool) -> &Scenario {
    scenarios
        .iter()
        .filter(|s| ok(s))
        .min_by(|a, b| (a.total(), a.kind).cmp(&(b.total(), b.kind)))
        // fully-private always meets the policy; fall back to the first for safety.
        .unwrap_or(&scenarios[scenarios.len() - 1])
}

fn usd(d: Decimal) -> String {
    crate::text::fmt_usd(d)
}

fn gb(d: Decimal) -> String {
    crate::text::fmt_gb(d)
}

fn reasons(
    traffic: &VpcTraffic,
    scenarios: &[Scenario],
    break_evens: &[BreakEven],
    recommended: &Scenario,
    cheapest: &Scenario,
    policy: &Policy,
    unknown: Option<&UnknownAws>,
) -> Vec<String> {
    let mut out = Vec::new();
    let nat_only = baseline(scenarios);
    let nat_rate = nat_rate(scenarios);
    for (class, name) in [(DestClass::S3, "S3"), (DestClass::Dynamodb, "DynamoDB")] {
        let g = traffic.monthly_gb(class);
        if g > Decimal::ZERO {
            out.push(format!(
                "Same-region {name} traffic of {} GB/month costs {}/month in NAT data processing today; a gateway endpoint carries it for free.",
                gb(g),
                usd(g * nat_rate)
            ));
        }
    }
    for be in break_evens
        .iter()
        .filter(|b| b.class == DestClass::AwsService)
    {
        let verdict = match be.break_even_gb {
            None => "the endpoint's per-GB rate is not below NAT's, so it never pays for itself on cost alone".to_string(),
            Some(b) if be.passes => format!(
                "above the break-even of {} GB/month for an interface endpoint in {} AZ(s), so the endpoint is cheaper than NAT",
                gb(b),
                be.azs
            ),
            Some(b) => format!(
                "below the break-even of {} GB/month for an interface endpoint in {} AZ(s), so on cost alone NAT is cheaper",
                gb(b),
                be.azs
            ),
        };
        let listed = if be.service == "other-aws" {
            ""
        } else if policy.requires(&be.service) {
            " (listed by the security policy)"
        } else {
            ""
        };
        let name = if be.service == "other-aws" {
            "Other AWS APIs (AMAZON ranges: SSM, STS, SQS, KMS, ECR, CloudWatch... not named without DNS logs)".to_string()
        } else {
            format!("AWS service `{}`{listed}", be.service)
        };
        out.push(format!(
            "{name}: {} GB/month, {verdict}.",
            gb(be.monthly_gb)
        ));
        if be.service == "execute-api" {
            out.push("API Gateway: an `execute-api` interface endpoint serves private APIs; with private DNS on, public APIs in the VPC must be called through their custom domain or edge URL. Check before building it.".to_string());
        }
    }
    let internet = traffic.monthly_gb(DestClass::Internet)
        + traffic.monthly_gb(DestClass::AwsHosted)
        + traffic.monthly_gb(DestClass::AwsCrossRegion);
    if internet > Decimal::ZERO {
        out.push(format!(
            "{} GB/month goes to the internet, AWS-hosted third parties or other regions: no endpoint carries it, so NAT stays for it.",
            gb(internet)
        ));
    } else if recommended.nat_gateways == 0 {
        out.push(format!(
            "No internet-bound traffic was observed: with every AWS service on an endpoint the NAT gateways can be removed, saving their {} of hourly charges. Check that nothing needs the internet outside the observed window.",
            usd(nat_only.lines.iter().filter(|l| l.component == Component::NatGatewayHours).map(|l| l.monthly_usd).sum())
        ));
    }
    let extra = recommended.total() - cheapest.total();
    match policy.kind {
        PolicyKind::Strict if recommended.kind != cheapest.kind => out.push(format!(
            "Policy `strict` keeps all AWS-service traffic on endpoints (private, on the AWS network); this costs {}/month more than the cheapest setup, `{}`.",
            usd(extra),
            cheapest.kind.name()
        )),
        PolicyKind::Strict => out.push(
            "The cheapest setup also keeps every AWS-service flow on an endpoint, so it meets the `strict` policy.".to_string(),
        ),
        PolicyKind::List => {
            let listed: Vec<String> = eligible(traffic)
                .into_keys()
                .filter(|s| policy.requires(s))
                .collect();
            if recommended.kind != cheapest.kind {
                out.push(format!(
                    "Policy `{}` ({}) keeps {} on endpoints, where an endpoint is a security control (network perimeter); this costs {}/month more than the cheapest setup, `{}`. Services outside the list get an endpoint only where it pays for itself.",
                    policy.name,
                    policy.source,
                    listed.join(", "),
                    usd(extra),
                    cheapest.kind.name()
                ));
            } else if !listed.is_empty() {
                out.push(format!(
                    "The cheapest setup already keeps the services policy `{}` lists ({}) on endpoints.",
                    policy.name,
                    listed.join(", ")
                ));
            }
        }
        PolicyKind::Cheapest if !cheapest.is_secure() => out.push(format!(
            "Policy `cheapest`: {} GB/month of AWS-service traffic stays on NAT because an endpoint would cost more.",
            gb(cheapest.aws_on_nat_gb)
        )),
        PolicyKind::Cheapest => {}
    }
    if let Some(u) = unknown {
        out.push(u.note.clone());
    }
    out.extend(crate::scenario::setup_reasons(traffic, scenarios));
    if recommended.kind == ScenarioKind::NatInstance || cheapest.kind == ScenarioKind::NatInstance {
        out.push("`nat-instance` has no per-GB processing charge, but you run the instances: the instance type's bandwidth caps throughput, and patching, failover (one per AZ) and scaling are yours; a failed instance cuts its AZ off the internet.".to_string());
    }
    let saving = nat_only.total() - recommended.total();
    out.push(if saving > Decimal::ZERO {
        format!(
            "`{}` saves {}/month against NAT only ({} -> {}).",
            recommended.kind.name(),
            usd(saving),
            usd(nat_only.total()),
            usd(recommended.total())
        )
    } else if saving < Decimal::ZERO {
        format!(
            "`{}` costs {}/month more than NAT only: the price of the policy.",
            recommended.kind.name(),
            usd(-saving)
        )
    } else {
        format!("`{}` costs the same as NAT only.", recommended.kind.name())
    });
    out
}
