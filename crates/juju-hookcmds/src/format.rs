//! Juju's output formatters (`cmd.FormatSmart`, `FormatYaml`, `FormatJson`) and `--format`.

use serde::Serialize;
use serde_json::Value;

use crate::JujuError;

/// An output format a hook command accepts with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Strings as they are, string lists one per line, booleans as `True`/`False`, else YAML.
    Smart,
    /// yaml.v2-style YAML, trailing newlines trimmed to one.
    Yaml,
    /// Compact JSON and a newline.
    Json,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Smart => "smart",
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }

    /// The `--format` value, checked against the formats this command offers, as gnuflag
    /// reports a bad one.
    pub fn choose(
        given: Option<&str>,
        default: Format,
        offered: &[Format],
    ) -> Result<Format, JujuError> {
        let Some(given) = given else {
            return Ok(default);
        };
        offered
            .iter()
            .copied()
            .find(|f| f.name() == given)
            .ok_or_else(|| {
                JujuError::usage(format!(
                    "invalid value {given:?} for option --format: unknown format {given:?}"
                ))
            })
    }

    /// Renders `value` in this format; empty output prints nothing, anything else ends with
    /// exactly one newline (as `cmd.Output.Write` does).
    pub fn render(self, value: &impl Serialize) -> Result<String, JujuError> {
        let value = serde_json::to_value(value)
            .map_err(|e| JujuError::run(format!("cannot format output: {e}")))?;
        let text = match (self, &value) {
            (Format::Json, v) => serde_json::to_string(v)
                .map_err(|e| JujuError::run(format!("cannot format output: {e}")))?,
            (Format::Smart, Value::Null) => String::new(),
            (Format::Smart, Value::String(s)) => s.clone(),
            (Format::Smart, Value::Bool(b)) => if *b { "True" } else { "False" }.to_string(),
            (Format::Smart, Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            (_, v) => yaml(v)?,
        };
        let text = text.trim_end_matches('\n');
        Ok(if text.is_empty() {
            String::new()
        } else {
            format!("{text}\n")
        })
    }
}

/// `value` with every map's keys in order, as Go's `encoding/json` and yaml.v2 print a Go map
/// (a struct keeps its field order, so only what Juju holds as a map is sorted).
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn yaml(value: &Value) -> Result<String, JujuError> {
    if value.is_null() {
        return Ok(String::new());
    }
    // YAML 1.2's rules for what else a plain scalar could be are the narrower ones; the
    // strings Go's yaml.v2 would read as something else are quoted explicitly.
    let options = serde_saphyr::ser_options! {
        yaml_12: true,
        no_lang_directive: true,
    };
    serde_saphyr::to_string_with_options(&GoYaml(value), options)
        .map_err(|e| JujuError::run(format!("cannot format output: {e}")))
}

/// A value as Go's yaml.v2 prints it: a string that yaml.v2 would read back as a null,
/// boolean, number or timestamp is double-quoted, any other plain.
struct GoYaml<'a>(&'a Value);

impl Serialize for GoYaml<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::String(s) if go_reads_as_other(s) => {
                serde_saphyr::DoubleQuoted(s.as_str()).serialize(serializer)
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&GoYaml(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    let key = Value::String(key.clone());
                    out.serialize_entry(&GoYaml(&key), &GoYaml(value))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Whether Juju's yaml.v2 (its fork, `github.com/juju/yaml/v2`) reads plain `s` as anything
/// but a string, as its `resolve` decides: by the first character, a word of its table (null,
/// the YAML 1.1 booleans, infinities and NaN), a timestamp, an integer (Go's `ParseInt` with
/// base 0, underscores removed), a float of its pattern; or a base-60 number.
fn go_reads_as_other(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ];
    if WORDS.contains(&s) || is_base60(s) {
        return true;
    }
    match s.as_bytes().first() {
        Some(b'.') => go_parse_float(s),
        Some(b'0'..=b'9' | b'+' | b'-') => {
            let plain = s.replace('_', "");
            is_timestamp(s) || go_parse_int(&plain) || is_yaml_float(&plain)
        }
        _ => false,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (or `ParseUint`) accepting `s`: a sign, then `0x`,
/// `0o`, `0b` (either case) or a leading `0` (octal) or decimal digits.
fn go_parse_int(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_in =
        |body: &str, radix: u32| !body.is_empty() && body.chars().all(|c| c.is_digit(radix));
    let lower = unsigned.to_ascii_lowercase();
    if let Some(body) = lower.strip_prefix("0x") {
        digits_in(body, 16)
    } else if let Some(body) = lower.strip_prefix("0o") {
        digits_in(body, 8)
    } else if let Some(body) = lower.strip_prefix("0b") {
        digits_in(body, 2)
    } else if let Some(body) = unsigned.strip_prefix('0') {
        body.is_empty() || digits_in(body, 8)
    } else {
        digits_in(unsigned, 10)
    }
}

/// The fork's float pattern: `^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$`, not empty.
fn is_yaml_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    if let Some(e) = exponent {
        let Some(digits) = e.strip_prefix(['+', '-']) else {
            return false;
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let whole_ok = whole.is_empty()
        || whole == "0"
        || (!whole.starts_with('0') && whole.bytes().all(|b| b.is_ascii_digit()));
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    whole_ok && fraction_ok && !(whole.is_empty() && fraction.is_none())
}

/// Go's `strconv.ParseFloat` on a string starting with `.`: `.5`, `.5e3`.
fn go_parse_float(s: &str) -> bool {
    s.parse::<f64>().is_ok()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
}

/// yaml.v2's timestamp forms, parsed as Go's `time.Parse` does (a real date and time):
/// `2006-1-2`, `2006-1-2 15:4:5[.9]`, `2006-1-2T15:4:5[.9]<Z or ±07:00>`.
fn is_timestamp(s: &str) -> bool {
    use chrono::{NaiveDate, NaiveTime};
    let number = |part: &str, min: usize, max: usize| {
        (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    let date = |d: &str| {
        let parts: Vec<&str> = d.split('-').collect();
        parts.len() == 3
            && number(parts[0], 4, 4)
            && number(parts[1], 1, 2)
            && number(parts[2], 1, 2)
            && NaiveDate::from_ymd_opt(
                parts[0].parse().unwrap_or(0),
                parts[1].parse().unwrap_or(0),
                parts[2].parse().unwrap_or(0),
            )
            .is_some()
    };
    let clock = |t: &str| {
        let (t, fraction) = t.split_once('.').unwrap_or((t, "0"));
        let parts: Vec<&str> = t.split(':').collect();
        parts.len() == 3
            && parts.iter().all(|p| number(p, 1, 2))
            && number(fraction, 1, 9)
            && NaiveTime::from_hms_opt(
                parts[0].parse().unwrap_or(99),
                parts[1].parse().unwrap_or(99),
                parts[2].parse().unwrap_or(99),
            )
            .is_some()
    };
    if date(s) {
        return true;
    }
    if let Some((d, t)) = s.split_once(' ') {
        return date(d) && clock(t);
    }
    let Some((d, rest)) = s.split_once(['T', 't']) else {
        return false;
    };
    let (t, zone_ok) = match rest.strip_suffix('Z') {
        Some(t) => (t, true),
        None => match rest.rfind(['+', '-']) {
            Some(at) => {
                let zone = &rest[at + 1..];
                let ok = zone.len() == 5
                    && zone.as_bytes()[2] == b':'
                    && number(&zone[..2], 2, 2)
                    && number(&zone[3..], 2, 2);
                (&rest[..at], ok)
            }
            None => (rest, false),
        },
    };
    date(d) && clock(t) && zone_ok
}

/// yaml.v2's base-60 float: `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?` (`1:20`, MAC
/// addresses of digits only).
fn is_base60(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (body, fraction) = body.split_once('.').unwrap_or((body, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return false;
    }
    let mut parts = body.split(':');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    first.starts_with(|c: char| c.is_ascii_digit())
        && first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !rest.is_empty()
        && rest.iter().all(|p| {
            let b = p.as_bytes();
            match b {
                [d] => d.is_ascii_digit(),
                [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn smart_prints_string_lists_one_per_line_and_booleans_as_juju_does() {
        assert_eq!(
            Format::Smart.render(&vec!["a:1", "b:2"]).unwrap(),
            "a:1\nb:2\n"
        );
        assert_eq!(Format::Smart.render(&true).unwrap(), "True\n");
        assert_eq!(Format::Smart.render(&Vec::<String>::new()).unwrap(), "");
    }

    #[test]
    fn json_is_compact_with_one_newline_and_null_for_nothing() {
        let map = BTreeMap::from([("b", "2"), ("a", "1")]);
        assert_eq!(
            Format::Json.render(&map).unwrap(),
            "{\"a\":\"1\",\"b\":\"2\"}\n"
        );
        assert_eq!(Format::Json.render(&None::<Vec<String>>).unwrap(), "null\n");
    }

    #[test]
    fn yaml_maps_are_key_per_line() {
        let map = BTreeMap::from([("password", "x"), ("username", "admin")]);
        assert_eq!(
            Format::Yaml.render(&map).unwrap(),
            "password: x\nusername: admin\n"
        );
    }

    #[test]
    fn yaml_leaves_addresses_and_timestamps_plain_as_go_prints_them() {
        let map = BTreeMap::from([("address", "10.1.0.12"), ("since", "2026-01-01 00:00:00Z")]);
        assert_eq!(
            Format::Yaml.render(&map).unwrap(),
            "address: 10.1.0.12\nsince: 2026-01-01 00:00:00Z\n"
        );
        assert_eq!(Format::Yaml.render(&"1.5").unwrap(), "\"1.5\"\n");
    }

    #[test]
    fn yaml_quotes_exactly_the_strings_go_would_read_as_something_else() {
        for plain in [
            "10.1.0.12",
            "2026-01-01 00:00:00Z",
            "00:16:3e:00:00:02",
            "fc00::1",
            "admin",
            "00:11:22:33:44:66",
        ] {
            assert_eq!(
                Format::Yaml.render(&plain).unwrap(),
                format!("{plain}\n"),
                "{plain}"
            );
        }
        for quoted in [
            "",
            "yes",
            "off",
            "1.5",
            "0x1F",
            "1_000",
            "2026-01-02T00:00:00Z",
            "2026-01-02",
            "00:11:22:33:44:22",
            ".inf",
        ] {
            assert_eq!(
                Format::Yaml.render(&quoted).unwrap(),
                format!("\"{quoted}\"\n"),
                "{quoted}"
            );
        }
    }

    #[test]
    fn an_unknown_format_is_a_usage_error_naming_it() {
        let err =
            Format::choose(Some("xml"), Format::Yaml, &[Format::Yaml, Format::Json]).unwrap_err();
        assert_eq!(err.code, 2);
        assert_eq!(
            err.message,
            "invalid value \"xml\" for option --format: unknown format \"xml\""
        );
    }
}
