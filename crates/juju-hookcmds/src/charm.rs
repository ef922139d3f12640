//! A charm's `actions.yaml` as Juju reads it: each action's name, parameters (a JSON schema's
//! `properties`, with defaults) and required parameters, checked with Juju's rules and texts
//! (`docs/juju-reference.md`, "actions.yaml"); and an action's parameters as the controller
//! prepares them when the operator runs it (checked against the schema, defaults filled in).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cli::is_action_key;

/// One action of `actions.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionSpec {
    /// What the action does (`No description` when the file gives none, as Juju says).
    pub description: String,
    /// Its parameters: a JSON schema's `properties`.
    pub params: Map<String, Value>,
    /// The parameters the operator must give.
    pub required: Vec<String>,
}

/// Parses `actions.yaml`; the error is one line, Juju's text where Juju has one.
pub fn parse_actions(text: &str) -> Result<BTreeMap<String, ActionSpec>, String> {
    let root: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        crate::yaml::from_str(text)?
    };
    let actions = match root {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(map) => map,
        _ => return Err("actions.yaml is not a map of actions".into()),
    };
    if let Some(key) = forbidden_key(&Value::Object(actions.clone())) {
        return Err(format!(
            "schema key {key:?} not compatible with this version of juju"
        ));
    }
    let mut specs = BTreeMap::new();
    for (name, body) in actions {
        if !is_action_key(&name) {
            return Err(format!("bad action name {name}"));
        }
        if name == "juju" {
            return Err("cannot use action name juju: \"juju\" is a reserved name".into());
        }
        if name.starts_with("juju-") {
            return Err(format!(
                "cannot use action name {name}: the \"juju-\" prefix is reserved"
            ));
        }
        let body = match body {
            Value::Null => Map::new(),
            Value::Object(map) => map,
            _ => return Err(format!("action {name:?}: not a map")),
        };
        let mut spec = ActionSpec {
            description: "No description".into(),
            ..ActionSpec::default()
        };
        for (key, value) in body {
            match (key.as_str(), value) {
                ("description", Value::String(s)) => spec.description = s,
                ("title" | "execution-group", Value::String(_)) => {}
                ("parallel", Value::Bool(_)) => {}
                ("params", Value::Object(map)) => spec.params = map,
                ("params", Value::Null) => {}
                ("params", _) => return Err("params failed to parse as a map".into()),
                ("required", Value::Array(items)) => {
                    spec.required = items
                        .into_iter()
                        .map(|i| match i {
                            Value::String(s) => Ok(s),
                            _ => Err(format!("action {name:?}: required must list names")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                ("required", _) => {
                    return Err(format!("value for schema key {key:?} must be a YAML list"));
                }
                ("parallel", _) => {
                    return Err(format!("value for schema key {key:?} must be a bool"));
                }
                ("description" | "title" | "execution-group", _) => {
                    return Err(format!("value for schema key {key:?} must be a string"));
                }
                _ => {}
            }
        }
        for (param, schema) in &spec.params {
            if !schema.is_object() {
                return Err(format!(
                    "invalid params schema for action schema {name}: parameter {param:?} is not a map"
                ));
            }
        }
        specs.insert(name, spec);
    }
    Ok(specs)
}

/// `$ref` or `$schema` anywhere in the file, which Juju refuses.
fn forbidden_key(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k == "$ref" || k == "$schema" {
                Some(k.clone())
            } else {
                forbidden_key(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(forbidden_key),
        _ => None,
    }
}

/// The endpoints a charm's `metadata.yaml` declares under `peers:`.
pub fn peer_endpoints(metadata: &str) -> Result<Vec<String>, String> {
    let root: Value = if metadata.trim().is_empty() {
        Value::Null
    } else {
        crate::yaml::from_str(metadata)?
    };
    match root.get("peers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(peers)) => Ok(peers.keys().cloned().collect()),
        Some(_) => Err("metadata: peers: expected map".into()),
    }
}

/// The JSON-schema type name of a value, as a parameter's `type` names it.
fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    }
}

impl ActionSpec {
    /// The parameters as the controller queues them: each given one of its declared type,
    /// the required ones present, defaults filled in. Parameters the file does not declare
    /// are kept, as Juju 3.6 keeps them.
    pub fn prepare(&self, mut params: Map<String, Value>) -> Result<Map<String, Value>, String> {
        let mut problems = Vec::new();
        for (name, schema) in &self.params {
            match params.get(name) {
                Some(value) => {
                    if let Some(ty) = schema.get("type").and_then(Value::as_str)
                        && !type_matches(ty, value)
                    {
                        problems.push(format!(
                            "(root).{name} : must be of type {ty}, given {value}"
                        ));
                    }
                }
                None => {
                    if let Some(default) = schema.get("default") {
                        params.insert(name.clone(), default.clone());
                    }
                }
            }
        }
        for name in &self.required {
            if !params.contains_key(name) {
                problems.push(format!("(root) : {name} is required"));
            }
        }
        if problems.is_empty() {
            Ok(params)
        } else {
            Err(format!("validation failed: {}", problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &str = "rotate-password:\n  description: Rotate now.\n  params:\n    length:\n      type: integer\n      default: 24\n    reason:\n      type: string\n  required: [reason]\n";

    #[test]
    fn defaults_are_filled_in_and_types_checked() {
        let specs = parse_actions(ACTIONS).unwrap();
        let spec = &specs["rotate-password"];
        assert_eq!(spec.description, "Rotate now.");
        let given: Map<String, Value> = serde_json::from_str(r#"{"reason": "audit"}"#).unwrap();
        let prepared = spec.prepare(given).unwrap();
        assert_eq!(prepared["length"], 24);
        let wrong: Map<String, Value> =
            serde_json::from_str(r#"{"reason": 5, "length": "x"}"#).unwrap();
        let err = spec.prepare(wrong).unwrap_err();
        assert!(err.starts_with("validation failed: "), "{err}");
        assert!(
            err.contains("(root).reason : must be of type string, given 5"),
            "{err}"
        );
        let missing = spec.prepare(Map::new()).unwrap_err();
        assert!(missing.contains("reason is required"), "{missing}");
    }

    #[test]
    fn juju_refuses_bad_and_reserved_action_names() {
        assert_eq!(
            parse_actions("Backup: {}\n").unwrap_err(),
            "bad action name Backup"
        );
        assert_eq!(
            parse_actions("juju-run: {}\n").unwrap_err(),
            "cannot use action name juju-run: the \"juju-\" prefix is reserved"
        );
        assert_eq!(
            parse_actions("a:\n  params: [x]\n").unwrap_err(),
            "params failed to parse as a map"
        );
        assert_eq!(
            parse_actions("a:\n  params:\n    x: {$ref: y}\n").unwrap_err(),
            "schema key \"$ref\" not compatible with this version of juju"
        );
    }
}
