//! A HyperLogLog sketch: how many distinct keys a stream of 64-bit hashes held, within a few
//! percent, in a kilobyte. The aggregate keeps one per spilled partition, so that reading it back
//! makes room for the flows it really holds, not for every copy its spill file lists (on the
//! 50M-record preset under a 256 MiB limit a spill file lists each flow about five times).

/// Registers: 2^10 (standard error about 1.04 / 32 = 3.3%).
const BITS: u32 = 10;
const REGISTERS: usize = 1 << BITS;

/// The sketch (see the module doc). Sizes it gives only size tables: no total depends on it.
#[derive(Debug, Clone)]
pub struct Sketch {
    /// Per register, the most leading zeros (plus one) seen in the hashes it was given.
    regs: Box<[u8; REGISTERS]>,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch {
            regs: Box::new([0; REGISTERS]),
        }
    }
}

impl Sketch {
    /// Counts a key by its hash (all 64 bits should depend on the whole key).
    #[inline]
    pub fn add(&mut self, hash: u64) {
        let i = (hash >> (64 - BITS)) as usize;
        // The remaining bits, with a one below them so the count stops there.
        let rank = ((hash << BITS) | (1 << (BITS - 1))).leading_zeros() as u8 + 1;
        let r = &mut self.regs[i];
        *r = (*r).max(rank);
    }

    /// The estimated number of distinct keys added (small counts by linear counting).
    pub fn estimate(&self) -> usize {
        let m = REGISTERS as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.regs.iter().map(|&r| (-f64::from(r)).exp2()).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.regs.iter().filter(|&&r| r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        e.round() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The flow tables' hash.
    use crate::ingest::table::mix;

    #[test]
    fn estimates_within_a_few_percent_and_ignores_repeats() {
        for n in [0u64, 1, 100, 5_000, 80_000, 1_000_000] {
            let mut s = Sketch::default();
            // Each key three times: repeats change nothing.
            for _ in 0..3 {
                for k in 0..n {
                    s.add(mix(k));
                }
            }
            let e = s.estimate() as f64;
            let err = (e - n as f64).abs() / (n as f64).max(1.0);
            assert!(err < 0.08, "{n} distinct keys estimated as {e}");
        }
    }
}
