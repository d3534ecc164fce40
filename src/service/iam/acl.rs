//! The address forms an ACL policy entry may hold (OS-SECURITYPOLICY console/api ACLs).

use std::net::{Ipv4Addr, Ipv6Addr};

fn netmask<A: std::str::FromStr>(s: &str, max_prefix: u8) -> bool {
    let Some((addr, prefix)) = s.split_once('/') else {
        return false;
    };
    addr.parse::<A>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= max_prefix)
}

fn range<A: std::str::FromStr + PartialOrd>(s: &str) -> bool {
    let Some((a, b)) = s.split_once('-') else {
        return false;
    };
    match (a.parse::<A>(), b.parse::<A>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => false,
    }
}

/// "10.0.0.0/8"
pub fn ipv4_netmask(s: &str) -> bool {
    netmask::<Ipv4Addr>(s, 32)
}

/// "10.0.0.1-10.0.0.9"
pub fn ipv4_range(s: &str) -> bool {
    range::<Ipv4Addr>(s)
}

pub fn ipv6_netmask(s: &str) -> bool {
    netmask::<Ipv6Addr>(s, 128)
}

pub fn ipv6_range(s: &str) -> bool {
    range::<Ipv6Addr>(s)
}

pub fn non_empty(s: &str) -> bool {
    !s.trim().is_empty() && s.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(ipv4_netmask("10.0.0.0/8"));
        assert!(!ipv4_netmask("10.0.0.0/33"));
        assert!(ipv4_range("10.0.0.1-10.0.0.9"));
        assert!(!ipv4_range("10.0.0.9-10.0.0.1"));
        assert!(ipv6_netmask("fe80::/10"));
        assert!(!ipv6_range("fe80::"));
    }
}
