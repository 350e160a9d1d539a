//! Column names and types of the polars frames that flow between ingest, classify and traffic.

use polars::prelude::{DataType, Schema};

/// VPC that owned the interface (`unattributed` when the logs do not say).
pub const VPC_ID: &str = "vpc_id";
/// Region of the VPC.
pub const REGION: &str = "region";
/// Availability zone id of the interface (`-` when unknown).
pub const AZ_ID: &str = "az_id";
/// Network interface the record was logged on.
pub const INTERFACE_ID: &str = "interface_id";
/// The remote (non-private) address, or empty for the aggregated private bucket.
pub const REMOTE_ADDR: &str = "remote_addr";
/// `egress` (workload -> remote, upload) or `ingress` (remote -> workload, download).
pub const DIRECTION: &str = "direction";
/// `pkt-*-aws-service` value for the remote side (empty when absent).
pub const AWS_SERVICE_HINT: &str = "aws_service_hint";
/// Bytes summed over the group.
pub const BYTES: &str = "bytes";
/// Packets summed over the group.
pub const PACKETS: &str = "packets";
/// Flow-log records summed over the group.
pub const RECORDS: &str = "records";
/// Hour of the records' start (Unix seconds / 3600) when kept apart for the DNS join, else 0.
pub const HOUR: &str = "hour";
/// [`REMOTE_ADDR`] of a private hop that relays a public peer (a NAT gateway's client leg);
/// the vantage step folds it into the private bucket.
pub const RELAYED: &str = "relayed";

/// Added by the vantage step: endpoint service named by DNS (`ssm`, `sts`...), else empty.
pub const DNS_SERVICE: &str = "dns_service";
/// Added by the vantage step: region of the DNS-named service, else empty.
pub const DNS_REGION: &str = "dns_region";

/// Added by the vantage step: why a public flow does not pass a NAT gateway, else empty:
/// one of the `VIA_*` values below ([`crate::traffic::TrafficPath::of_hint`] names the path).
pub const PATH_HINT: &str = "path_hint";
/// The interface's subnet routes to an internet gateway (inventory).
pub const VIA_IGW_ROUTE: &str = "igw-route";
/// Egress records say `traffic-path` 8: an internet gateway (or, for IPv6, an egress-only one).
pub const VIA_INTERNET_GATEWAY: &str = "internet-gateway";
/// Egress records say `traffic-path` 7: a gateway endpoint.
pub const VIA_GATEWAY_ENDPOINT: &str = "gateway-endpoint";
/// Egress records say `traffic-path` 2: an internet gateway or a gateway endpoint.
pub const VIA_EITHER_GATEWAY: &str = "igw-or-gateway-endpoint";

/// Added by classify: `private`, `aws` or `internet`.
pub const REMOTE_KIND: &str = "remote_kind";
/// Added by classify: the ip-ranges service label (`S3`, `AMAZON`, ...), empty when not AWS.
pub const AWS_SERVICE: &str = "aws_service";
/// Added by classify: region of the matched prefix (`GLOBAL` possible), empty when not AWS.
pub const SERVICE_REGION: &str = "service_region";
/// Added by classify: `ip-ranges`, `hint`, `private` or `none`: what decided the class.
pub const CLASSIFIED_BY: &str = "classified_by";

/// Schema of the aggregated flow frame produced by ingest.
pub fn flow_schema() -> Schema {
    Schema::from_iter([
        (VPC_ID.into(), DataType::String),
        (REGION.into(), DataType::String),
        (AZ_ID.into(), DataType::String),
        (INTERFACE_ID.into(), DataType::String),
        (REMOTE_ADDR.into(), DataType::String),
        (DIRECTION.into(), DataType::String),
        (AWS_SERVICE_HINT.into(), DataType::String),
        (BYTES.into(), DataType::UInt64),
        (PACKETS.into(), DataType::UInt64),
        (RECORDS.into(), DataType::UInt64),
        (HOUR.into(), DataType::UInt32),
    ])
}

/// Schema of the address lookup frame produced by classify.
pub fn class_schema() -> Schema {
    Schema::from_iter([
        (REMOTE_ADDR.into(), DataType::String),
        (AWS_SERVICE_HINT.into(), DataType::String),
        (REMOTE_KIND.into(), DataType::String),
        (AWS_SERVICE.into(), DataType::String),
        (SERVICE_REGION.into(), DataType::String),
        (CLASSIFIED_BY.into(), DataType::String),
    ])
}
