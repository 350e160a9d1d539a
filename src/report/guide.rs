//! What the reports teach about VPC endpoints (from the project's VPC endpoint guide), as plain
//! tables and sentences that the Markdown and HTML renderers both lay out, so they carry the
//! same content. Fixed text only: nothing here comes from input.

/// A small table: a header row and body rows.
pub struct Table {
    pub title: &'static str,
    pub header: &'static [&'static str],
    pub rows: &'static [&'static [&'static str]],
}

/// Endpoint types: gateway, interface (PrivateLink), Gateway Load Balancer.
pub const TYPES: Table = Table {
    title: "Endpoint types",
    header: &[
        "",
        "Gateway endpoint",
        "Interface endpoint (PrivateLink)",
        "Gateway Load Balancer endpoint",
    ],
    rows: &[
        &[
            "Services",
            "S3 and DynamoDB only",
            "most AWS services (SSM, Secrets Manager, STS, SQS, SNS, ECR, KMS, CloudWatch Logs...), private APIs, partner SaaS",
            "inspection appliances (firewalls) behind a Gateway Load Balancer",
        ],
        &[
            "How",
            "a route-table entry to the service's prefix list",
            "an ENI with a private IP in each chosen subnet/AZ",
            "an ENI that routes traffic to the appliance fleet",
        ],
        &[
            "Cost",
            "free",
            "per endpoint per AZ-hour + per GB processed",
            "per endpoint per AZ-hour + per GB",
        ],
        &["Security groups", "not used", "required", "not used"],
        &[
            "Region",
            "the VPC's own region only",
            "the VPC's own region",
            "the VPC's own region",
        ],
    ],
};

/// Security considerations per endpoint type.
pub const SECURITY: Table = Table {
    title: "Security considerations",
    header: &["", "Gateway endpoint", "Interface endpoint"],
    rows: &[
        &[
            "Security groups",
            "not used",
            "required: allow HTTPS (443) from the workloads only",
        ],
        &[
            "Endpoint policies",
            "restrict which principals, buckets or tables can be reached",
            "restrict which principals and actions can be used",
        ],
        &[
            "VPC flow logs",
            "supported",
            "supported (the endpoint ENIs are logged)",
        ],
        &["Encryption", "TLS to the service", "TLS to the service"],
    ],
};

/// When to use what, and why.
pub const BEST_PRACTICES: Table = Table {
    title: "Best practices",
    header: &["Practice", "Why"],
    rows: &[
        &["Use gateway endpoints for S3 and DynamoDB", "free, fast, simple; ECR image layers download from S3, so they ride the S3 gateway endpoint too"],
        &["Use interface endpoints for other services", "private and secure; cheaper than NAT above the break-even volume"],
        &["Put interface endpoints in each AZ with workloads", "high availability; fewer AZs are cheaper but add inter-AZ charges and a single point of failure"],
        &["Restrict access with endpoint policies", "least privilege"],
        &["Combine with security groups and network ACLs", "full control of traffic"],
        &["Tag endpoints clearly", "cost and usage tracking"],
    ],
};

/// Sentences that frame the tables.
pub const NOTES: &[&str] = &[
    "A NAT gateway is for the internet: traffic to AWS services through it leaves the VPC for public AWS addresses and pays the NAT's per-GB charge. Endpoints keep that traffic on the AWS network.",
    "Gateway endpoints are free: same-region S3 and DynamoDB traffic should always use them.",
    "An interface endpoint costs an hourly charge per AZ plus a per-GB charge lower than NAT's: it pays for itself above the break-even volume, and policy may require it below.",
    "Gateway Load Balancer endpoints carry traffic to inspection appliances; they do not replace NAT or the endpoints above, and this tool does not recommend them.",
];

/// The guide's advice that applies to one VPC's recommended setup: what to do when building
/// gateway endpoints, interface endpoints, or removing NAT.
pub fn advice(v: &super::VpcReport) -> Vec<&'static str> {
    let Some(s) = v
        .scenarios
        .iter()
        .find(|s| s.kind == v.recommendation.recommended)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if s.endpoints.iter().any(|e| e.endpoint_type == "Gateway") {
        out.push("Gateway endpoints: associate them with the route tables of every subnet whose workloads reach S3 or DynamoDB (a route to the service's prefix list is added), and restrict them with an endpoint policy (least privilege). They reach the VPC's own region only.");
    }
    if s.endpoints.iter().any(|e| e.endpoint_type == "Interface") {
        out.push("Interface endpoints: one ENI in a subnet of each AZ with workloads (high availability, no inter-AZ charge), a security group that allows HTTPS (443) from the workloads only, private DNS on so SDKs use the endpoint unchanged, an endpoint policy, and tags for cost tracking.");
    }
    if s.nat_gateways == 0 && v.nat_gateways > 0 {
        out.push("Removing the NAT gateways cuts every internet path from private subnets: check that nothing needs the internet outside the observed window (OS updates, third-party APIs) first.");
    }
    out
}
