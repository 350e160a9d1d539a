//! Flow-log record formats: field names (v2..v8), header lines -> the column index of each field the analysis reads.

/// The fields the scanner reads. Every other known field is recognised in headers and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    Region,
    AzId,
    PktSrcAddr,
    PktDstAddr,
    PktSrcAwsService,
    PktDstAwsService,
    FlowDirection,
    TrafficPath,
    /// The logged resource when it is not an ENI (a regional NAT gateway: `nat-...`).
    ResourceId,
}

/// Number of fields in [`Field`].
pub const FIELD_COUNT: usize = 21;

impl Field {
    /// The flow-log name of the field (`${name}` in a LogFormat).
    pub fn name(self) -> &'static str {
        match self {
            Field::InterfaceId => "interface-id",
            Field::SrcAddr => "srcaddr",
            Field::DstAddr => "dstaddr",
            Field::SrcPort => "srcport",
            Field::DstPort => "dstport",
            Field::Packets => "packets",
            Field::Bytes => "bytes",
            Field::Start => "start",
            Field::End => "end",
            Field::Action => "action",
            Field::LogStatus => "log-status",
            Field::VpcId => "vpc-id",
            Field::Region => "region",
            Field::AzId => "az-id",
            Field::PktSrcAddr => "pkt-srcaddr",
            Field::PktDstAddr => "pkt-dstaddr",
            Field::PktSrcAwsService => "pkt-src-aws-service",
            Field::PktDstAwsService => "pkt-dst-aws-service",
            Field::FlowDirection => "flow-direction",
            Field::TrafficPath => "traffic-path",
            Field::ResourceId => "resource-id",
        }
    }

    const ALL: [Field; FIELD_COUNT] = [
        Field::InterfaceId,
        Field::SrcAddr,
        Field::DstAddr,
        Field::SrcPort,
        Field::DstPort,
        Field::Packets,
        Field::Bytes,
        Field::Start,
        Field::End,
        Field::Action,
        Field::LogStatus,
        Field::VpcId,
        Field::Region,
        Field::AzId,
        Field::PktSrcAddr,
        Field::PktDstAddr,
        Field::PktSrcAwsService,
        Field::PktDstAwsService,
        Field::FlowDirection,
        Field::TrafficPath,
        Field::ResourceId,
    ];

    fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// Every field name AWS documents for flow logs, v2 to v8 (those the scanner does not read are ignored).
pub const KNOWN_FIELD_NAMES: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    "reject-reason",
    "resource-id",
    "encryption-status",
];

/// Most fields a record format may have (AWS formats have at most 40).
pub const MAX_FIELDS: usize = 64;

/// The default (version 2) format: 14 fields in this order.
pub const DEFAULT_V2: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// Where each read field sits in a record, for one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFormat {
    /// Column index of each [`Field`], by `Field as usize`.
    index: [Option<u16>; FIELD_COUNT],
    /// Number of space-separated fields a record of this format has.
    pub field_count: usize,
    /// The format as written (space-separated names), for reports.
    pub description: String,
}

impl RecordFormat {
    /// Builds a format from field names in record order. Unknown names are kept as ignored columns.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> RecordFormat {
        let mut index = [None; FIELD_COUNT];
        let mut count = 0usize;
        let mut description = String::new();
        for (i, name) in names.into_iter().enumerate() {
            if let Some(f) = Field::from_name(name) {
                if index[f as usize].is_none() {
                    index[f as usize] = Some(i as u16);
                }
            }
            if i > 0 {
                description.push(' ');
            }
            description.push_str(name);
            count = i + 1;
        }
        RecordFormat {
            index,
            field_count: count,
            description,
        }
    }

    /// The default v2 format.
    pub fn default_v2() -> RecordFormat {
        RecordFormat::from_names(DEFAULT_V2.split(' '))
    }

    /// Column of `field`, if the format has it.
    #[inline]
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[field as usize].map(usize::from)
    }

    /// Whether the format has `field`.
    pub fn has(&self, field: Field) -> bool {
        self.index[field as usize].is_some()
    }

    /// Explains what the format lacks for the analysis, if it cannot be used at all.
    pub fn unusable_reason(&self) -> Option<String> {
        if self.field_count > MAX_FIELDS {
            return Some(format!(
                "the record format has {} fields; at most {MAX_FIELDS} are supported",
                self.field_count
            ));
        }
        let has_src = self.has(Field::SrcAddr) || self.has(Field::PktSrcAddr);
        let has_dst = self.has(Field::DstAddr) || self.has(Field::PktDstAddr);
        if !has_src || !has_dst {
            return Some(format!(
                "the record format has no source and destination address fields (srcaddr/dstaddr or pkt-srcaddr/pkt-dstaddr); format: {}",
                self.description
            ));
        }
        None
    }
}

/// The one event CloudWatch Logs writes to the stream
/// `log_stream_created_by_aws_to_validate_log_delivery_subscriptions` of a log group that a
/// service delivers to (flow logs, Resolver query logs): no data, so an export of the group
/// holds it beside the records.
pub const VALIDATION_MESSAGE: &str = "Permissions are set correctly to allow AWS CloudWatch Logs to write into your logs while creating a subscription.";

/// Whether a line (an export's ingestion time before it or not) is [`VALIDATION_MESSAGE`].
pub fn is_validation_message(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    let message = VALIDATION_MESSAGE.as_bytes();
    line == message
        || line
            .iter()
            .position(|&b| b == b' ')
            .is_some_and(|at| line[at..].trim_ascii_start() == message)
}

/// Parses a LogFormat as `aws ec2 describe-flow-logs` shows it: `${version} ${vpc-id} ...`.
pub fn parse_log_format(text: &str) -> std::result::Result<RecordFormat, String> {
    let mut names = Vec::new();
    for token in text.split_ascii_whitespace() {
        let name = token
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
            .ok_or_else(|| format!("'{token}' is not a ${{field}} token"))?;
        // Fields this version does not know are kept as ignored columns.
        names.push(name);
    }
    if names.is_empty() {
        return Err("empty log format".into());
    }
    let format = RecordFormat::from_names(names);
    match format.unusable_reason() {
        Some(r) => Err(r),
        None => Ok(format),
    }
}

/// Whether `line` can be a header line at all: a necessary condition of [`parse_header`], cheap
/// enough to ask of every record. A header starts with a letter and holds only ASCII letters,
/// digits, `-` and whitespace; a record fails at its first `.`, `:` or other byte, mostly
/// within its first fields. (Records of a format that starts with a text field, `vpc-id` or
/// `action`, were each parsed as a header candidate, a lowercase copy included: 8% of a scan.)
pub fn may_be_header(line: &[u8]) -> bool {
    line.first().is_some_and(u8::is_ascii_alphabetic)
        && line
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b.is_ascii_whitespace())
}

/// Recognises a header line: every token is a flow-log field name, in any case (unknown
/// hyphenated names are allowed when at least two known ones are present).
pub fn parse_header(line: &str) -> Option<RecordFormat> {
    let line = line.trim();
    if line.is_empty() || !line.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    // Upper-case names (a spreadsheet's doing) are the same fields.
    let lower;
    let line = if line.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = line.to_ascii_lowercase();
        lower.as_str()
    } else {
        line
    };
    let mut known = 0;
    for token in line.split_ascii_whitespace() {
        if KNOWN_FIELD_NAMES.contains(&token) {
            known += 1;
        } else if !token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
        {
            return None;
        }
    }
    if known < 2 {
        return None;
    }
    Some(RecordFormat::from_names(line.split_ascii_whitespace()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_v2_indices() {
        let f = RecordFormat::default_v2();
        assert_eq!(f.field_count, 14);
        assert_eq!(f.index(Field::SrcAddr), Some(3));
        assert_eq!(f.index(Field::Bytes), Some(9));
        assert_eq!(f.index(Field::LogStatus), Some(13));
        assert_eq!(f.index(Field::VpcId), None);
    }

    #[test]
    fn header_detection() {
        assert!(parse_header(DEFAULT_V2).is_some());
        assert!(
            parse_header("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
                .is_some()
        );
        assert!(
            parse_header("2 123456789010 eni-1235b8ca123456789 - - - - - - - 1 2 - NODATA")
                .is_none()
        );
        assert!(
            parse_header("i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5")
                .is_none()
        );
        // Whatever parse_header takes passes may_be_header, records of text-first formats fail it.
        for line in [
            DEFAULT_V2,
            "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
            "VERSION VPC-ID SRCADDR DSTADDR",
            "vpc-id\tsrcaddr dstaddr  bytes",
            "version ecs-task-id srcaddr dstaddr bytes some-new-field",
        ] {
            assert!(parse_header(line).is_some(), "{line}");
            assert!(may_be_header(line.as_bytes()), "{line}");
        }
        for line in [
            "vpc-0a1b2c3d ACCEPT 10.0.1.5 203.0.113.5 443",
            "ACCEPT OK eni-1 10.0.0.1",
            "egress 2600:1f18::1 2001:db8::1",
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1 2 - NODATA",
            "",
        ] {
            assert!(!may_be_header(line.as_bytes()), "{line}");
            assert!(parse_header(line).is_none(), "{line}");
        }
        let f = parse_header("version ecs-task-id srcaddr dstaddr bytes some-new-field").unwrap();
        assert_eq!(f.field_count, 6);
        assert_eq!(f.index(Field::Bytes), Some(4));
    }
}
