//! YAML input (manifests, scenarios) through one maintained, panic-free parser.

use serde::de::DeserializeOwned;

/// Parses YAML into `T`; the error is one line (serde-saphyr's report, which shows the
/// offending source with a caret, is folded so it fits on a terminal line or in juju-log).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str(text).map_err(|e| {
        let report = e.to_string();
        let lines: Vec<&str> = report
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        lines.join(" ")
    })
}
