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

/// Dotted-quad IPv4 parser without allocation (rejects leading `+`, empty octets, values over 255).
#[inline]
pub fn parse_ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
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
