//! The key and sums of a flow, as the scan, the per-file map and the aggregate hold them:
//! fixed-size numbers (ids into numbering tables): 40 bytes a flow in a file's map and in
//! temporary files, 32 in the aggregate's tables (`table::FlowSlots`).

/// Traffic direction relative to the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Workload -> remote (upload).
    Egress,
    /// Remote -> workload (download).
    Ingress,
}

impl Direction {
    /// `egress` or `ingress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        }
    }
}

/// Aggregation key, 16 bytes: the string-like parts are the id of a context (`scan::Context`),
/// the remote side an id in a file's addresses (see [`RemoteId`]), the hour a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// Id of the (VPC, region, AZ, interface, service hint) in a file's contexts.
    pub ctx: u32,
    pub remote: RemoteId,
    /// Hour (Unix seconds / 3600) of the record's start when hourly series are on, else 0.
    pub hour: u32,
    pub direction: Direction,
}

/// Bytes of a flow written to a temporary file: key (ctx, remote, hour, direction, 3 bytes
/// padding) and sums, little-endian.
pub const FLOW_BYTES: usize = 40;

impl FlowKey {
    /// The flow as [`FLOW_BYTES`] bytes.
    pub fn encode(&self, sums: &FlowSums, buf: &mut [u8; FLOW_BYTES]) {
        buf[0..4].copy_from_slice(&self.ctx.to_le_bytes());
        buf[4..8].copy_from_slice(&self.remote.0.to_le_bytes());
        buf[8..12].copy_from_slice(&self.hour.to_le_bytes());
        buf[12..16].copy_from_slice(&[self.direction as u8, 0, 0, 0]);
        buf[16..24].copy_from_slice(&sums.bytes.to_le_bytes());
        buf[24..32].copy_from_slice(&sums.packets.to_le_bytes());
        buf[32..40].copy_from_slice(&sums.records.to_le_bytes());
    }

    /// A flow [`FlowKey::encode`] wrote.
    pub fn decode(buf: &[u8; FLOW_BYTES]) -> (FlowKey, FlowSums) {
        let u32_at = |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[i..i + 8]);
            u64::from_le_bytes(b)
        };
        (
            FlowKey {
                ctx: u32_at(0),
                remote: RemoteId(u32_at(4)),
                hour: u32_at(8),
                direction: if buf[12] == 0 {
                    Direction::Egress
                } else {
                    Direction::Ingress
                },
            },
            FlowSums {
                bytes: u64_at(16),
                packets: u64_at(24),
                records: u64_at(32),
            },
        )
    }
}

/// A remote side as a number: 0 private, 1 relayed, `2 + i` the address `i` of an numbering table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemoteId(pub u32);

impl RemoteId {
    pub const PRIVATE: RemoteId = RemoteId(0);
    pub const RELAYED: RemoteId = RemoteId(1);
    const FIRST_ADDRESS: u32 = 2;

    /// The address index, when this is an address.
    pub fn address(self) -> Option<usize> {
        self.0.checked_sub(Self::FIRST_ADDRESS).map(|i| i as usize)
    }

    /// The id of address index `i`.
    pub fn of_address(i: u32) -> RemoteId {
        RemoteId(i + Self::FIRST_ADDRESS)
    }
}

/// Sums per key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowSums {
    pub bytes: u64,
    pub packets: u64,
    pub records: u64,
}

impl FlowSums {
    pub fn add(&mut self, other: &FlowSums) {
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.packets = self.packets.saturating_add(other.packets);
        self.records = self.records.saturating_add(other.records);
    }
}
