//! The `network` capability: which hosts and ports a charm may open TCP connections to.
//!
//! ```yaml
//! network:
//!   connect:
//!     - db.internal:5432          # a name: the host resolves it (only a granted name)
//!     - "*.example.com:443"       # any name below example.com (not example.com itself)
//!     - 10.0.0.0/8:8000-8100      # an address range and a port range
//!     - "[fd00::1]:443"           # IPv6 in brackets
//!   timeout: 10s                  # each connect, read and write; default 10s
//! ```
//!
//! The charm names a host; the host (never the charm) resolves it, and only when a grant
//! names it. Every address is checked before it is tried: never an unspecified, multicast or
//! broadcast address; a loopback or link-local one (the cloud's metadata service,
//! 169.254.169.254) only through a grant of that address itself (or `localhost` for
//! loopback), never through a name. IPv4 addresses written as IPv6 (`::ffff:a.b.c.d`) count
//! as IPv4.

use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// Where a charm may connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Network {
    /// `host:port` patterns.
    #[serde(default)]
    pub connect: Vec<Destination>,
    /// Bound on each call.
    #[serde(default, deserialize_with = "timeout")]
    pub timeout: Option<Duration>,
}

fn timeout<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    crate::engine::parse_duration(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// How long a connect, read or write may take unless the grant says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One `host:port` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    text: String,
    host: HostPattern,
    ports: (u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// Exactly this name (lowercase, no trailing dot).
    Name(String),
    /// Any name ending in `.` + this.
    Below(String),
    /// Addresses within `prefix` bits of this one.
    Net(IpAddr, u8),
}

impl<'de> Deserialize<'de> for Destination {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Destination::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A name as DNS compares it, if it is one: lowercase, no trailing dot, labels of letters,
/// digits and `-`.
fn name(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(host)
}

impl Destination {
    fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| Err(format!("network: {text:?} {why}"));
        let (host, ports) = match text.strip_prefix('[') {
            Some(rest) => match rest.split_once("]:") {
                Some((host, ports)) => (host, ports),
                None => return bad("is not [address]:port"),
            },
            None => match text.rsplit_once(':') {
                Some(split) => split,
                None => return bad("is not host:port"),
            },
        };
        let port = |p: &str| p.parse::<u16>().ok().filter(|p| *p > 0);
        let ports = match ports.split_once('-') {
            Some((a, b)) => match (port(a), port(b)) {
                (Some(a), Some(b)) if a <= b => (a, b),
                _ => return bad("has no valid port range"),
            },
            None => match port(ports) {
                Some(p) => (p, p),
                None => return bad("has no valid port"),
            },
        };
        let host = if let Some((addr, bits)) = host.split_once('/') {
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("network: {text:?}: not an address range"))?;
            match bits.parse::<u8>().ok().and_then(|b| net(addr, b)) {
                Some((addr, bits)) => HostPattern::Net(addr, bits),
                None => return bad("has no valid prefix length"),
            }
        } else if let Ok(addr) = host.parse::<IpAddr>() {
            let canonical = canonical(addr);
            let bits = if canonical.is_ipv4() { 32 } else { 128 };
            HostPattern::Net(canonical, bits)
        } else if let Some(below) = host.strip_prefix("*.") {
            match name(below) {
                Some(n) => HostPattern::Below(n),
                None => return bad("is not *.<name>"),
            }
        } else {
            match name(host) {
                Some(n) => HostPattern::Name(n),
                None => {
                    return bad(
                        "names no host (a name, an address, an address/prefix or *.<name>)",
                    );
                }
            }
        };
        Ok(Destination {
            text: text.to_string(),
            host,
            ports,
        })
    }

    fn port_ok(&self, port: u16) -> bool {
        (self.ports.0..=self.ports.1).contains(&port)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) as IPv4.
fn canonical(addr: IpAddr) -> IpAddr {
    addr.to_canonical()
}

/// The range `addr/bits` in canonical form: an IPv4-mapped range becomes the IPv4 range it
/// covers (its prefix less 96 bits; one shorter than 96 covers more than IPv4, refused).
fn net(addr: IpAddr, bits: u8) -> Option<(IpAddr, u8)> {
    match (addr, canonical(addr)) {
        (IpAddr::V4(_), v4) if bits <= 32 => Some((v4, bits)),
        (IpAddr::V6(_), IpAddr::V4(v4)) => {
            Some((IpAddr::V4(v4), bits.checked_sub(96).filter(|b| *b <= 32)?))
        }
        (IpAddr::V6(v6), IpAddr::V6(_)) if bits <= 128 => Some((IpAddr::V6(v6), bits)),
        _ => None,
    }
}

fn in_net(addr: IpAddr, net: IpAddr, bits: u8) -> bool {
    // A mask of `bits` leading ones; `bits` is at most the width (checked when parsed), and
    // a shift by the whole width (a zero-length prefix) gives no bits.
    let mask32 = |bits: u8| {
        u32::MAX
            .checked_shl(32u32.saturating_sub(u32::from(bits)))
            .unwrap_or(0)
    };
    let mask128 = |bits: u8| {
        u128::MAX
            .checked_shl(128u32.saturating_sub(u32::from(bits)))
            .unwrap_or(0)
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            u32::from(a) & mask32(bits) == u32::from(n) & mask32(bits)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            u128::from(a) & mask128(bits) == u128::from(n) & mask128(bits)
        }
        _ => false,
    }
}

/// An address no grant reaches.
fn never(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => {
            a.is_unspecified() || a.is_multicast() || a.is_broadcast() || a.octets()[0] == 0
        }
        IpAddr::V6(a) => a.is_unspecified() || a.is_multicast(),
    }
}

/// Cloud metadata and platform services outside the link-local ranges: AWS over IPv6, Azure's
/// wire server, Alibaba's metadata service.
const PLATFORM: &[IpAddr] = &[
    IpAddr::V6(std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
    IpAddr::V4(std::net::Ipv4Addr::new(168, 63, 129, 16)),
    IpAddr::V4(std::net::Ipv4Addr::new(100, 100, 100, 200)),
];

/// An address reached only through a grant of it, never through a name: loopback, link-local
/// (the metadata service at 169.254.169.254) and the platform services.
fn only_literally(addr: IpAddr) -> bool {
    PLATFORM.contains(&addr)
        || match addr {
            IpAddr::V4(a) => a.is_loopback() || a.is_link_local(),
            IpAddr::V6(a) => a.is_loopback() || (a.segments()[0] & 0xffc0) == 0xfe80,
        }
}

/// What a connect was granted: the checks its addresses must pass.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The grants covering the host and port.
    destinations: Vec<Destination>,
    /// The name as asked (lowercase), if it is a name.
    name: Option<String>,
    /// Bound on each call.
    pub timeout: Duration,
}

impl Granted {
    /// No address at all: what a connect gets before the policy has found its grants.
    pub fn nothing() -> Granted {
        Granted {
            destinations: Vec::new(),
            name: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Why `addr` may not be connected to, if it may not.
    pub fn refuses(&self, addr: IpAddr) -> Option<String> {
        let addr = canonical(addr);
        if never(addr) {
            return Some(format!("address {addr} is never reachable"));
        }
        let literal = self
            .destinations
            .iter()
            .any(|d| matches!(d.host, HostPattern::Net(net, bits) if in_net(addr, net, bits)));
        if literal {
            return None;
        }
        let by_name = self.name.is_some();
        let localhost = self.name.as_deref() == Some("localhost") && addr.is_loopback();
        if !by_name {
            return Some(format!("address {addr} is not granted"));
        }
        if only_literally(addr) && !localhost {
            return Some(format!(
                "{} resolves to {addr}, a loopback or link-local address: grant that address itself",
                self.name.as_deref().unwrap_or_default()
            ));
        }
        None
    }
}

impl Network {
    /// Refuses nothing more than the grammar: every pattern is checked as it is read.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err("network: a timeout of zero".into());
        }
        Ok(())
    }

    /// A connect to `host` on `port`: the grants that cover it, or a denial. An address the
    /// charm wrote is checked here; a name's addresses when it is resolved.
    pub(super) fn check(
        &self,
        gate: &mut Gate,
        host: &str,
        port: u16,
    ) -> Result<Granted, HostError> {
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let as_addr = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<IpAddr>()
            .ok();
        let asked = match (as_addr, name(host)) {
            (Some(_), _) => None,
            (None, Some(n)) => Some(n),
            (None, None) => {
                return gate.deny(format!(
                    "connecting to {:?}: not a host name or address",
                    crate::engine::one_line(host)
                ));
            }
        };
        let destinations: Vec<Destination> = self
            .connect
            .iter()
            .filter(|d| d.port_ok(port))
            .filter(|d| match (&d.host, as_addr, &asked) {
                (HostPattern::Net(net, bits), Some(addr), _) => {
                    in_net(canonical(addr), *net, *bits)
                }
                (HostPattern::Net(..), None, _) => true,
                (HostPattern::Name(n), _, Some(asked)) => n == asked,
                (HostPattern::Below(b), _, Some(asked)) => asked.ends_with(&format!(".{b}")),
                _ => false,
            })
            .cloned()
            .collect();
        // A name is granted only by a grant of names; address grants then judge what it
        // resolves to.
        let named = destinations
            .iter()
            .any(|d| !matches!(d.host, HostPattern::Net(..)));
        if destinations.is_empty() || (asked.is_some() && !named) {
            return gate.deny(format!(
                "connecting to {host}:{port} is not granted (capabilities.yaml: network.connect)"
            ));
        }
        let granted = Granted {
            destinations,
            name: asked,
            timeout,
        };
        if let Some(addr) = as_addr
            && let Some(why) = granted.refuses(addr)
        {
            return gate.deny(format!("connecting to {host}:{port}: {why}"));
        }
        Ok(granted)
    }
}

impl super::Capability for Network {
    fn interface(&self) -> &'static str {
        "network"
    }

    fn granted(&self) -> bool {
        !self.connect.is_empty()
    }

    fn report(&self) -> String {
        if self.connect.is_empty() {
            return "network: not granted (no outbound connection)".into();
        }
        format!(
            "network: connect to {}",
            super::report::list(self.connect.iter().map(|d| d.text.as_str()))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted(connect: &[&str], name: Option<&str>) -> Granted {
        Granted {
            destinations: connect
                .iter()
                .map(|d| Destination::parse(d).unwrap())
                .collect(),
            name: name.map(String::from),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    #[test]
    fn a_name_never_reaches_loopback_link_local_or_metadata_addresses() {
        let g = granted(&["db.internal:5432"], Some("db.internal"));
        assert_eq!(g.refuses("10.1.0.5".parse().unwrap()), None);
        for bad in [
            "127.0.0.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "224.0.0.1",
        ] {
            assert!(g.refuses(bad.parse().unwrap()).is_some(), "{bad}");
        }
        let local = granted(&["localhost:80"], Some("localhost"));
        assert_eq!(local.refuses("127.0.0.1".parse().unwrap()), None);
    }

    #[test]
    fn an_address_grant_reaches_its_range_and_ipv4_in_ipv6_counts_as_ipv4() {
        let g = granted(&["127.0.0.1:8000", "10.0.0.0/8:443"], None);
        assert_eq!(g.refuses("127.0.0.1".parse().unwrap()), None);
        assert_eq!(g.refuses("::ffff:127.0.0.1".parse().unwrap()), None);
        assert_eq!(g.refuses("10.200.3.4".parse().unwrap()), None);
        assert!(g.refuses("127.0.0.2".parse().unwrap()).is_some());
        assert!(g.refuses("11.0.0.1".parse().unwrap()).is_some());
    }

    #[test]
    fn an_ipv4_mapped_range_covers_exactly_its_ipv4_range() {
        for mapped in ["[::ffff:10.0.0.5]:80", "[::ffff:10.0.0.0/104]:80"] {
            let g = granted(&[mapped], None);
            assert!(
                g.refuses("127.0.0.1".parse().unwrap()).is_some(),
                "{mapped}"
            );
            assert!(
                g.refuses("169.254.169.254".parse().unwrap()).is_some(),
                "{mapped}"
            );
        }
        let g = granted(&["[::ffff:10.0.0.0/104]:80"], None);
        assert_eq!(g.refuses("10.200.0.1".parse().unwrap()), None);
        assert!(Destination::parse("[::ffff:10.0.0.0/95]:80").is_err());
        let everything = granted(&["0.0.0.0/0:80"], None);
        assert_eq!(everything.refuses("8.8.8.8".parse().unwrap()), None);
    }

    #[test]
    fn platform_services_are_reached_only_through_a_grant_of_their_address() {
        let g = granted(&["*.vendor.example:80"], Some("api.vendor.example"));
        for platform in ["fd00:ec2::254", "168.63.129.16", "100.100.100.200"] {
            assert!(g.refuses(platform.parse().unwrap()).is_some(), "{platform}");
        }
        let literal = granted(&["168.63.129.16:80"], None);
        assert_eq!(literal.refuses("168.63.129.16".parse().unwrap()), None);
    }

    #[test]
    fn destinations_are_host_port_patterns() {
        for ok in [
            "db:5432",
            "*.example.com:443",
            "10.0.0.0/8:1-65535",
            "[fd00::1]:443",
            "[fd00::/8]:80",
        ] {
            Destination::parse(ok).unwrap();
        }
        for bad in [
            "db",
            "db:0",
            "db:70000",
            "*:80",
            "db:9-1",
            "a_b:80",
            "10.0.0.0/33:80",
            "-x:80",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
    }
}
