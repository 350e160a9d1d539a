//! Recommendation: one VPC's scenarios and break-evens in; the setup to build under the chosen
//! policy, the cheapest setup overall, the savings and plain-language reasons out.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::scenario::{BreakEven, Scenario, ScenarioKind};
use crate::traffic::{DestClass, VpcTraffic};

/// What "best" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Traffic to AWS services must use endpoints where one exists; NAT only for the internet.
    Secure,
    /// The lowest monthly cost, whatever path the traffic takes.
    Cheapest,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Secure => "secure",
            Policy::Cheapest => "cheapest",
        }
    }
}

/// The verdict for one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub policy: Policy,
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
    pub reasons: Vec<String>,
}

/// Picks the cheapest scenario that meets the policy; on equal cost the simpler setup (earlier in
/// [`ScenarioKind::ALL`]) wins.
pub fn recommend(
    traffic: &VpcTraffic,
    scenarios: &[Scenario],
    break_evens: &[BreakEven],
    policy: Policy,
) -> Recommendation {
    let cheapest = pick(scenarios, |_| true);
    let recommended = match policy {
        Policy::Secure => pick(scenarios, Scenario::is_secure),
        Policy::Cheapest => cheapest,
    };
    let baseline = baseline(scenarios);
    let reasons = reasons(
        traffic,
        scenarios,
        break_evens,
        recommended,
        cheapest,
        policy,
    );
    Recommendation {
        policy,
        recommended: recommended.kind,
        cheapest: cheapest.kind,
        baseline: baseline.kind,
        baseline_usd: baseline.total(),
        recommended_usd: recommended.total(),
        cheapest_usd: cheapest.total(),
        monthly_saving_usd: baseline.total() - recommended.total(),
        policy_premium_usd: recommended.total() - cheapest.total(),
        reasons,
    }
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
    crate::report::fmt_usd(d)
}

fn gb(d: Decimal) -> String {
    crate::report::fmt_gb(d)
}

fn reasons(
    traffic: &VpcTraffic,
    scenarios: &[Scenario],
    break_evens: &[BreakEven],
    recommended: &Scenario,
    cheapest: &Scenario,
    policy: Policy,
) -> Vec<String> {
    let mut out = Vec::new();
    let nat_only = baseline(scenarios);
    let nat_rate = nat_only
        .lines
        .iter()
        .find(|l| l.component == crate::scenario::Component::NatGatewayData)
        .map(|l| l.usd_per_unit)
        .unwrap_or_default();
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
        let name = if be.service == "other-aws" {
            "Other AWS APIs (AMAZON ranges: SSM, STS, SQS, KMS, ECR, CloudWatch... not named without DNS logs)".to_string()
        } else {
            format!("AWS service `{}`", be.service)
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
            usd(nat_only.lines.iter().filter(|l| l.component == crate::scenario::Component::NatGatewayHours).map(|l| l.monthly_usd).sum())
        ));
    }
    match policy {
        Policy::Secure if recommended.kind != cheapest.kind => out.push(format!(
            "Policy `secure` keeps AWS-service traffic on endpoints (private, on the AWS network); this costs {}/month more than the cheapest setup, `{}`.",
            usd(recommended.total() - cheapest.total()),
            cheapest.kind.name()
        )),
        Policy::Secure => out.push(
            "The cheapest setup also keeps every AWS-service flow on an endpoint, so it meets the `secure` policy.".to_string(),
        ),
        Policy::Cheapest if !cheapest.is_secure() => out.push(format!(
            "Policy `cheapest`: {} GB/month of AWS-service traffic stays on NAT because an endpoint would cost more.",
            gb(cheapest.aws_on_nat_gb)
        )),
        Policy::Cheapest => {}
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
