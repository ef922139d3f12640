//! Resource limits for one hook, with safe defaults and human-readable names.

use std::fmt;
use std::time::Duration;

/// What one hook may consume. Each limit is reported by name when a charm exceeds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time the charm's own code may run (enforced by epoch interruption).
    pub wall_time: Duration,
    /// Linear memory, summed over every memory of the component.
    pub memory: usize,
    /// Native stack the charm's wasm code may use.
    pub wasm_stack: usize,
    /// Bytes of stdout and of stderr kept from the charm.
    pub output: usize,
    /// How long any one hook command may run before it is killed.
    pub hook_command_timeout: Duration,
    /// Bytes the charm may make the host copy in one call (strings and lists it passes).
    pub host_call_data: usize,
    /// A deterministic CPU budget (wasmtime fuel); none by default (wall time bounds CPU).
    pub fuel: Option<u64>,
    /// Calls into the host (each may run a hook command) one hook may make.
    pub host_calls: u64,
}

impl Default for Limits {
    /// The built-in limits, which are also the built-in ceilings ([`super::ceilings`]): a
    /// manifest, a flag or the environment can only lower them.
    fn default() -> Self {
        Limits {
            wall_time: Duration::from_secs(120),
            memory: 256 << 20,
            wasm_stack: 1 << 20,
            output: 1 << 20,
            hook_command_timeout: Duration::from_secs(60),
            host_call_data: 16 << 20,
            fuel: None,
            host_calls: 10_000,
        }
    }
}

/// What one hook's store may hold besides memory, whatever the limits: core instances,
/// tables and memories a component may create, and entries in the host's resource table
/// (pollables, streams and other handles a guest makes on demand). Real charms need a few
/// dozen of each; wasmtime's defaults are 10,000 and a million.
pub mod store {
    /// Core module instances.
    pub const INSTANCES: usize = 200;
    /// Tables.
    pub const TABLES: usize = 50;
    /// Linear memories.
    pub const MEMORIES: usize = 20;
    /// Entries in the host's resource table.
    pub const HANDLES: usize = 4096;
}

/// Limits as a file writes them: the manifest's `limits:`, and the ceilings file. Each is
/// optional; [`LimitsSpec::apply`] fills in the rest from a base.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LimitsSpec {
    /// e.g. `30s`.
    pub wall_time: Option<String>,
    /// e.g. `64MiB`.
    pub memory: Option<String>,
    /// Wasm stack, e.g. `512KiB` (applies where the host runs one charm per engine).
    pub wasm_stack: Option<String>,
    /// A fuel budget (roughly, wasm instructions).
    pub fuel: Option<u64>,
    /// Captured stdout and stderr, each.
    pub output: Option<String>,
    /// Data the charm may pass to the host in one call.
    pub host_call_data: Option<String>,
    /// One hook command's run time.
    pub hook_command_timeout: Option<String>,
    /// Calls into the host one hook may make.
    pub host_calls: Option<u64>,
}

impl LimitsSpec {
    /// `base` with these limits applied; a value that does not parse is named.
    pub fn apply(&self, base: Limits) -> Result<Limits, String> {
        let size = |v: &Option<String>, d: usize| v.as_deref().map(parse_size).unwrap_or(Ok(d));
        let time = |v: &Option<String>, d| v.as_deref().map(parse_duration).unwrap_or(Ok(d));
        if self.fuel == Some(0) {
            return Err("limits.fuel must be above zero".into());
        }
        if self.host_calls == Some(0) {
            return Err("limits.host-calls must be above zero".into());
        }
        Ok(Limits {
            wall_time: time(&self.wall_time, base.wall_time)?,
            memory: size(&self.memory, base.memory)?,
            wasm_stack: size(&self.wasm_stack, base.wasm_stack)?,
            output: size(&self.output, base.output)?,
            hook_command_timeout: time(&self.hook_command_timeout, base.hook_command_timeout)?,
            host_call_data: size(&self.host_call_data, base.host_call_data)?,
            fuel: self.fuel.or(base.fuel),
            host_calls: self.host_calls.unwrap_or(base.host_calls),
        })
    }
}

/// A byte count shown the way people write it: `256 MiB`, `512 KiB`, `100 bytes`.
pub struct Bytes(pub usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("GiB", 1usize << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= size && n.is_multiple_of(size) {
                return write!(f, "{} {unit}", n / size);
            }
        }
        write!(f, "{n} bytes")
    }
}

/// A duration shown in seconds: `120 s`, `0.5 s`.
pub struct Seconds(pub Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.0.as_secs_f64())
    }
}

/// Parses `256MiB`, `512 KiB`, `1GiB`, `4096` (bytes).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("size {s:?} not valid: expected a number such as 256MiB"))?;
    let scale = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        other => {
            return Err(format!(
                "size unit {other:?} not valid: use B, KiB, MiB or GiB"
            ));
        }
    };
    n.checked_mul(scale)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("size {s:?} not valid: must be above zero and fit in memory"))
}

/// Parses `120s`, `500ms`, `2m`, `1h`, `1d`, `30` (seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("duration {s:?} not valid: expected a number such as 30s"))?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        "d" => Duration::from_secs(n.saturating_mul(86_400)),
        other => {
            return Err(format!(
                "duration unit {other:?} not valid: use ms, s, m, h or d"
            ));
        }
    };
    if d.is_zero() {
        return Err(format!("duration {s:?} not valid: must be above zero"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").unwrap_err().contains("parsecs"));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("120s"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3 days").is_err());
    }

    #[test]
    fn limits_are_named_in_human_units() {
        assert_eq!(Bytes(256 << 20).to_string(), "256 MiB");
        assert_eq!(Bytes(1536).to_string(), "1536 bytes");
        assert_eq!(Bytes(512 << 10).to_string(), "512 KiB");
        assert_eq!(Seconds(Duration::from_millis(1500)).to_string(), "1.5 s");
    }
}
