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
    serde_saphyr::to_string(value).map_err(|e| JujuError::run(format!("cannot format output: {e}")))
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
