//! Address helpers: fast parsing of flow-log address bytes, and which addresses are private (never NAT-routed).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses an IPv4 or IPv6 address from flow-log bytes.
#[inline(always)]
pub fn parse_ip(bytes: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(bytes) {
        return Some(IpAddr::V4(v4));
    }
    parse_other(bytes)
}

/// [`parse_ip`] for what is not a dotted quad: IPv6, or nothing.
#[cold]
fn parse_other(bytes: &[u8]) -> Option<IpAddr> {
    if bytes.contains(&b':') {
        return std::str::from_utf8(bytes)
            .ok()?
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6);
    }
    None
}

/// Dotted-quad IPv4 parser without allocation (rejects leading `+`, empty octets, values over 255;
/// accepts up to three digits an octet, leading zeros included).
#[inline]
pub fn parse_ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    #[cfg(target_arch = "x86_64")]
    {
        parse_ipv4_sse2(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        parse_ipv4_bytewise(bytes)
    }
}

/// A field of 7 to 15 bytes (the lengths of a dotted IPv4 address) as two little-endian words,
/// zeros after its bytes (the top byte of the second is always zero); `None` for other lengths.
/// Overlapping fixed-size reads, no call, and no copy through memory (a 16-byte load of two
/// 8-byte stores stalled: a third of the time of parsing an address).
#[inline]
pub fn ipv4_field_words(bytes: &[u8]) -> Option<(u64, u64)> {
    let n = bytes.len();
    if !(7..=15).contains(&n) {
        return None;
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4")));
    Some(if n >= 8 {
        let hi = if n > 8 {
            word(n - 8) >> ((16 - n) * 8)
        } else {
            0
        };
        (word(0), hi)
    } else {
        // Seven bytes: 0..4 and 3..7 (byte 3 in both, the same value).
        (half(0) | half(3) << 24, 0)
    })
}

/// [`parse_ipv4`] sixteen bytes at a time: the dots and digits found by comparing all bytes at
/// once, each octet's value from its last three bytes (those of another octet masked off), so
/// that octets of one, two and three digits cost the same and no branch depends on them (the
/// byte-by-byte loop mispredicted at each octet's end: the largest cost of reading an address).
#[cfg(target_arch = "x86_64")]
#[inline]
fn parse_ipv4_sse2(bytes: &[u8]) -> Option<Ipv4Addr> {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_set_epi64x, _mm_storeu_si128, _mm_sub_epi8,
    };
    let n = bytes.len();
    let (lo, hi) = ipv4_field_words(bytes)?;
    let within = (1u32 << n) - 1;
    // Each byte's digit value (0 for a dot) at 3.., three zeros before them: an octet's missing
    // hundreds and tens.
    let mut digit = [0u8; 19];
    // SAFETY: SSE2 is part of every x86-64 CPU; the store covers digit[3..19], inside it.
    let (dots, digits) = unsafe {
        let v = _mm_set_epi64x(hi as i64, lo as i64);
        let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
        _mm_storeu_si128(digit.as_mut_ptr().add(3).cast(), _mm_and_si128(d, is_digit));
        (
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))) as u32 & within,
            _mm_movemask_epi8(is_digit) as u32 & within,
        )
    };
    if dots | digits != within || dots.count_ones() != 3 {
        return None;
    }
    let d1 = dots.trailing_zeros() as usize;
    let d2 = (dots & (dots - 1)).trailing_zeros() as usize;
    let d3 = 31 - dots.leading_zeros() as usize;
    // Octet ends (exclusive) and lengths; a length of 0 or over 3 is refused below.
    let ends = [d1, d2, d3, n];
    let lens = [d1, d2 - d1 - 1, d3 - d2 - 1, n - d3 - 1];
    let mut octets = [0u8; 4];
    let mut bad = false;
    for i in 0..4 {
        let (e, l) = (ends[i] + 3, lens[i]);
        bad |= l == 0 || l > 3;
        let v = u32::from(digit[e - 1])
            + u32::from(digit[e - 2]) * 10 * u32::from(l >= 2)
            + u32::from(digit[e - 3]) * 100 * u32::from(l >= 3);
        bad |= v > 255;
        octets[i] = v as u8;
    }
    (!bad).then(|| Ipv4Addr::from(octets))
}

/// [`parse_ipv4`] a byte at a time (other targets; the reference the tests compare with).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn parse_ipv4_bytewise(bytes: &[u8]) -> Option<Ipv4Addr> {
    if bytes.len() < 7 || bytes.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut part = 0usize;
    let mut value: u32 = 0;
    let mut digits = 0;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
                if digits > 3 || value > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || part >= 3 {
                    return None;
                }
                octets[part] = value as u8;
                part += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || part != 3 {
        return None;
    }
    octets[3] = value as u8;
    Some(Ipv4Addr::from(octets))
}

/// Whether an address is private space that never leaves through a NAT gateway: RFC 1918, shared
/// address space 100.64/10, link-local, loopback, multicast, unspecified; IPv6 ULA, link-local.
#[inline]
pub fn is_private(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 10
                || (o[0] == 172 && (o[1] & 0xf0) == 16)
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 169 && o[1] == 254)
                || o[0] == 127
                || o[0] == 0
                || o[0] >= 224
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xff00) == 0xff00
                || v6.is_loopback()
                || v6.is_unspecified()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ipv4_like_std() {
        for s in ["1.2.3.4", "255.255.255.255", "0.0.0.0", "10.0.0.220"] {
            assert_eq!(parse_ipv4(s.as_bytes()), s.parse().ok(), "{s}");
        }
        for s in [
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1..2.3",
            "a.b.c.d",
            "1.2.3.4 ",
            "1234.1.1.1",
        ] {
            assert_eq!(parse_ipv4(s.as_bytes()), None, "{s}");
        }
        assert_eq!(
            parse_ip(b"2600:1f18::1"),
            Some("2600:1f18::1".parse().unwrap())
        );
        assert_eq!(parse_ip(b"-"), None);
    }

    #[test]
    fn parses_every_octet_shape_as_the_bytewise_parser_does() {
        let shapes = [
            "", "0", "7", "10", "99", "100", "199", "249", "255", "256", "300", "999", "00", "000",
            "0000", "01", "1a",
        ];
        let mut valid = 0;
        for a in shapes {
            for b in shapes {
                for c in shapes {
                    for d in shapes {
                        let s = format!("{a}.{b}.{c}.{d}");
                        let got = parse_ipv4(s.as_bytes());
                        assert_eq!(got, parse_ipv4_bytewise(s.as_bytes()), "{s}");
                        valid += usize::from(got.is_some());
                    }
                }
            }
        }
        // Eleven shapes of an octet are valid (up to three digits, at most 255).
        assert_eq!(valid, 11usize.pow(4));
    }

    proptest::proptest! {
        /// The parser agrees with the byte-by-byte one on addresses, near-addresses and noise.
        #[test]
        fn parses_as_the_bytewise_parser_does(
            octets in proptest::collection::vec(
                proptest::string::string_regex("[0-9]{0,4}|25[0-9]|2[0-9]{2}|0[0-9]{1,2}").unwrap(),
                1..6),
            sep in proptest::sample::select(vec![".", ".", ".", ":", "..", "a"]),
            noise in proptest::string::string_regex("[0-9.a-f:+ -]{0,16}").unwrap(),
        ) {
            let joined = octets.join(sep);
            for s in [joined.as_str(), noise.as_str()] {
                proptest::prop_assert_eq!(parse_ipv4(s.as_bytes()), parse_ipv4_bytewise(s.as_bytes()), "{}", s);
            }
        }
    }

    #[test]
    fn private_ranges() {
        for s in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_private(s.parse().unwrap()), "{s}");
        }
        for s in [
            "172.32.0.1",
            "100.128.0.1",
            "52.95.128.179",
            "203.0.113.5",
            "2600:1f18::1",
            "8.8.8.8",
        ] {
            assert!(!is_private(s.parse().unwrap()), "{s}");
        }
    }
}
