//! Port ranges as Juju writes them (`80`, `80/udp`, `8000-8080/tcp`, `icmp`): parsed and
//! checked as `open-port` and `close-port` check their argument, printed as `opened-ports`
//! prints them, and ordered as Juju sorts them (protocol, then first port, then last).

use serde::{Deserialize, Serialize};

/// A port's protocol; the order is Juju's (by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Protocol {
    /// `icmp`: no ports.
    Icmp,
    /// `tcp`.
    Tcp,
    /// `udp`.
    Udp,
}

impl Protocol {
    /// The name Juju prints.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Icmp => "icmp",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A port, a range of ports, or ICMP (whose ports are both 0). Serialised as Juju writes it
/// (`8080/tcp`), so it can key a map in the simulator's saved state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    /// The protocol.
    pub protocol: Protocol,
    /// The first port.
    pub from: u16,
    /// The last port (equal to `from` for one port).
    pub to: u16,
}

impl PortRange {
    /// ICMP, which has no ports.
    pub const ICMP: PortRange = PortRange {
        protocol: Protocol::Icmp,
        from: 0,
        to: 0,
    };

    /// `open-port`'s argument, lowercased and parsed as Juju's `network.ParsePortRange` does,
    /// with its texts (the caller makes them usage errors, exit 2).
    pub fn parse(arg: &str) -> Result<PortRange, String> {
        let arg = arg.to_lowercase();
        let (ports, protocol) = match arg.split_once('/') {
            Some((ports, protocol)) => (ports, protocol),
            None => (arg.as_str(), "tcp"),
        };
        let number = |part: &str| -> Result<i64, String> {
            // Go's Atoi: an optional sign, then decimal digits, within 64 bits.
            let digits = part.strip_prefix(['+', '-']).unwrap_or(part);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "invalid port {part:?}: strconv.Atoi: parsing {part:?}: invalid syntax"
                ));
            }
            part.trim_start_matches('+').parse::<i64>().map_err(|_| {
                format!("invalid port {part:?}: strconv.Atoi: parsing {part:?}: value out of range")
            })
        };
        let parts: Vec<&str> = ports.split('-').collect();
        let (from, to) = match parts.as_slice() {
            ["icmp"] => (-1, -1),
            [one] => {
                let n = number(one)?;
                (n, n)
            }
            [first, last] => (number(first)?, number(last)?),
            _ => return Err(format!("invalid port range {ports:?}")),
        };
        let protocol = if from == -1 { "icmp" } else { protocol };
        let protocol = match protocol {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            other => {
                return Err(format!(
                    "invalid protocol {other:?}, expected \"tcp\", \"udp\", or \"icmp\""
                ));
            }
        };
        if protocol == Protocol::Icmp {
            if from != -1 || to != -1 {
                return Err(format!(
                    "protocol \"icmp\" doesn't support any ports; got \"{from}\""
                ));
            }
            return Ok(PortRange::ICMP);
        }
        if from > to {
            return Err(format!(
                "invalid port range {from}-{to}/{}",
                protocol.name()
            ));
        }
        let bounded = |n: i64| u16::try_from(n).ok();
        match (bounded(from), bounded(to)) {
            (Some(from), Some(to)) => Ok(PortRange { protocol, from, to }),
            _ => Err(format!(
                "port range bounds must be between 0 and 65535, got {from}-{to}"
            )),
        }
    }

    /// Whether the two share a port of the same protocol (Juju's `ConflictsWith`).
    pub fn conflicts_with(&self, other: &PortRange) -> bool {
        self.protocol == other.protocol && self.from <= other.to && other.from <= self.to
    }

    /// Whether every port of `other` is one of this range's.
    pub fn contains(&self, other: &PortRange) -> bool {
        self.protocol == other.protocol && self.from <= other.from && other.to <= self.to
    }

    /// How many ports it opens (ICMP counts as one).
    pub fn ports(&self) -> u32 {
        u32::from(self.to - self.from) + 1
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PortRange::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.protocol {
            Protocol::Icmp => f.write_str("icmp"),
            p if self.from == self.to => write!(f, "{}/{}", self.from, p.name()),
            p => write!(f, "{}-{}/{}", self.from, self.to, p.name()),
        }
    }
}

/// A range this unit has open and the endpoints it is open for (empty: every endpoint, Juju's
/// `*`), as `opened-ports --endpoints` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedPort {
    /// The range.
    pub range: PortRange,
    /// Its endpoints, sorted; empty for all.
    pub endpoints: Vec<String>,
}

impl OpenedPort {
    /// One line of `opened-ports --endpoints`: `80/tcp (*)`, `10-20/tcp (bar, foo)`.
    pub fn line(&self) -> String {
        if self.endpoints.is_empty() {
            format!("{} (*)", self.range)
        } else {
            format!("{} ({})", self.range, self.endpoints.join(", "))
        }
    }

    /// Reads a line of `opened-ports --endpoints` back.
    pub fn parse_line(line: &str) -> Result<OpenedPort, String> {
        let (range, endpoints) = line
            .split_once(" (")
            .and_then(|(r, rest)| rest.strip_suffix(')').map(|e| (r, e)))
            .ok_or_else(|| format!("opened port {line:?} not valid"))?;
        let range = PortRange::parse(range)?;
        let endpoints = match endpoints {
            "*" => Vec::new(),
            list => list.split(", ").map(String::from).collect(),
        };
        Ok(OpenedPort { range, endpoints })
    }
}

/// `--endpoints a,b`: each name trimmed; an empty name (or none at all) means every endpoint.
pub fn endpoints_flag(raw: Option<&str>) -> Vec<String> {
    match raw {
        None | Some("") => vec![String::new()],
        Some(list) => list.split(',').map(|e| e.trim().to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_parse_and_print_as_juju_writes_them() {
        for (arg, shown) in [
            ("80", "80/tcp"),
            ("80/UDP", "80/udp"),
            ("8000-8080/udp", "8000-8080/udp"),
            ("80-80", "80/tcp"),
            ("ICMP", "icmp"),
            ("icmp/tcp", "icmp"),
            ("0", "0/tcp"),
            ("+80", "80/tcp"),
        ] {
            assert_eq!(PortRange::parse(arg).unwrap().to_string(), shown, "{arg}");
        }
    }

    #[test]
    fn bad_port_ranges_get_jujus_texts() {
        for (arg, text) in [
            (
                "tcp",
                "invalid port \"tcp\": strconv.Atoi: parsing \"tcp\": invalid syntax",
            ),
            (
                "/tcp",
                "invalid port \"\": strconv.Atoi: parsing \"\": invalid syntax",
            ),
            ("1-2-3", "invalid port range \"1-2-3\""),
            (
                "80/sctp",
                "invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"",
            ),
            (
                "80/",
                "invalid protocol \"\", expected \"tcp\", \"udp\", or \"icmp\"",
            ),
            (
                "8/icmp",
                "protocol \"icmp\" doesn't support any ports; got \"8\"",
            ),
            ("90-80", "invalid port range 90-80/tcp"),
            ("88888-65535", "invalid port range 88888-65535/tcp"),
            (
                "70000",
                "port range bounds must be between 0 and 65535, got 70000-70000",
            ),
            (
                "99999999999999999999",
                "invalid port \"99999999999999999999\": strconv.Atoi: parsing \"99999999999999999999\": value out of range",
            ),
        ] {
            assert_eq!(PortRange::parse(arg).unwrap_err(), text, "{arg}");
        }
    }

    #[test]
    fn ranges_sort_by_protocol_then_ports() {
        let mut v: Vec<PortRange> = ["63/udp", "80", "10-20", "icmp", "53-55/udp"]
            .iter()
            .map(|a| PortRange::parse(a).unwrap())
            .collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["icmp", "10-20/tcp", "80/tcp", "53-55/udp", "63/udp"]
        );
    }

    #[test]
    fn a_range_keys_a_json_map_as_juju_writes_it() {
        let map = std::collections::BTreeMap::from([(PortRange::parse("80").unwrap(), 1)]);
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, "{\"80/tcp\":1}");
        let back: std::collections::BTreeMap<PortRange, i32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, map);
    }

    #[test]
    fn opened_port_lines_round_trip() {
        for line in ["80/tcp (*)", "10-20/tcp (bar, foo)", "icmp (*)"] {
            assert_eq!(OpenedPort::parse_line(line).unwrap().line(), line);
        }
    }
}
