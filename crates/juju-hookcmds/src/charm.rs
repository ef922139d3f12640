//! A charm's files as Juju reads them, checked with Juju's rules and texts
//! (`docs/juju-reference.md`, "The charm's files"): `metadata.yaml` ([`check_metadata`]),
//! `config.yaml` ([`check_config`]) and `actions.yaml` (each action's name, parameters — a JSON
//! schema's `properties`, with defaults — and required parameters); and an action's parameters
//! as the controller prepares them when the operator runs it (checked against the schema,
//! defaults filled in).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cli::is_action_key;

/// One action of `actions.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionSpec {
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
        let mut spec = ActionSpec::default();
        for (key, value) in body {
            match (key.as_str(), value) {
                ("description" | "title" | "execution-group", Value::String(_)) => {}
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

/// A YAML value's kind as juju/schema names it in its errors (`got int(1)`, `got nothing`).
fn got(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("bool({b})"),
        Value::Number(n) if n.is_f64() => format!("float64({n})"),
        Value::Number(n) => format!("int({n})"),
        Value::String(s) => format!("string({s:?})"),
        Value::Array(_) => "list".into(),
        Value::Object(_) => "map".into(),
    }
}

/// The keys that mark a metadata format: v1's and v2's (Juju refuses a file mixing them).
const V1_KEYS: &[&str] = &["deployment", "min-juju-version", "series"];
const V2_KEYS: &[&str] = &["assumes", "charm-user", "containers"];

/// Checks `metadata.yaml` as Juju reads a charm whose `manifest.yaml` has bases (every charm
/// `pack` makes): `name`, `summary` and `description` are strings, the v1-only keys are
/// refused, relation names are unique and not reserved. Returns the charm's name.
pub fn check_metadata(text: &str) -> Result<String, String> {
    let root: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        crate::yaml::from_str(text)?
    };
    let Value::Object(meta) = root else {
        return Err(format!("metadata: expected map, got {}", got(&root)));
    };
    let v1: Vec<&str> = V1_KEYS
        .iter()
        .copied()
        .filter(|k| meta.contains_key(*k))
        .collect();
    let v2: Vec<&str> = V2_KEYS
        .iter()
        .copied()
        .filter(|k| meta.contains_key(*k))
        .collect();
    if let (Some(one), Some(two)) = (v1.first(), v2.first()) {
        return Err(format!(
            "ambiguous metadata: keys {one:?} cannot be used with {two:?}"
        ));
    }
    for field in ["name", "summary", "description"] {
        match meta.get(field) {
            Some(Value::String(_)) => {}
            other => {
                return Err(format!(
                    "metadata: {field}: expected string, got {}",
                    got(other.unwrap_or(&Value::Null))
                ));
            }
        }
    }
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    if meta.contains_key("series") {
        return Err("series slice in metadata v2 not valid".into());
    }
    for key in ["min-juju-version", "deployment"] {
        if meta.contains_key(key) {
            return Err(format!("{key} in metadata v2 not valid"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for role in ["provides", "requires", "peers"] {
        let relations = match meta.get(role) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(format!(
                    "metadata: {role}: expected map, got {}",
                    got(other)
                ));
            }
        };
        for (relation, spec) in relations {
            if relation == "juju" || relation.starts_with("juju-") {
                return Err(format!(
                    "charm {name:?} using a reserved relation name: {relation:?}"
                ));
            }
            if !seen.insert(relation.clone()) {
                return Err(format!(
                    "charm {name:?} using a duplicated relation name: {relation:?}"
                ));
            }
            let interface = match spec {
                Value::String(s) => Some(s.as_str()),
                Value::Object(map) => map.get("interface").and_then(Value::as_str),
                _ => None,
            };
            if interface.is_none() {
                return Err(format!(
                    "metadata: {role}.{relation}.interface: expected string, got nothing"
                ));
            }
        }
    }
    Ok(name)
}

/// Checks `config.yaml` as Juju reads it: an `options` map, each option of a known type with a
/// default of that type.
pub fn check_config(text: &str) -> Result<(), String> {
    let root: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        crate::yaml::from_str(text)?
    };
    let options = match root.get("options") {
        None => return Err("invalid config: empty configuration".into()),
        Some(Value::Null) => return Ok(()),
        Some(Value::Object(options)) => options,
        Some(other) => {
            return Err(format!(
                "invalid config: options: expected map, got {}",
                got(other)
            ));
        }
    };
    for (name, option) in options {
        let ty = option
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        if !matches!(ty, "string" | "int" | "float" | "boolean" | "secret") {
            return Err(format!(
                "invalid config: option {name:?} has unknown type {ty:?}"
            ));
        }
        let default = option.get("default").unwrap_or(&Value::Null);
        let fits = match (ty, default) {
            (_, Value::Null) => true,
            ("string", Value::String(_)) => true,
            ("secret", Value::String(s)) => s.is_empty() || s.starts_with("secret:"),
            ("int", Value::Number(n)) => n.is_i64() || n.is_u64(),
            ("int", Value::String(s)) => s.parse::<i64>().is_ok(),
            ("float", Value::Number(_)) => true,
            ("boolean", Value::Bool(_)) => true,
            ("boolean", Value::String(s)) => crate::cli::go_bool(s).is_ok(),
            _ => false,
        };
        if !fits {
            return Err(format!(
                "invalid config default: option {name:?} expected {ty}, got {default}"
            ));
        }
    }
    Ok(())
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

fn metadata_root(metadata: &str) -> Result<Value, String> {
    if metadata.trim().is_empty() {
        Ok(Value::Null)
    } else {
        crate::yaml::from_str(metadata)
    }
}

/// The binding `network-get` takes besides the charm's own: Juju adds it to every charm, but
/// stores no binding for it, so no port is opened for it.
pub const IMPLICIT_BINDING: &str = "juju-info";

/// The charm's bindings as Juju stores them (what `open-port --endpoints` takes): every
/// relation endpoint (`provides`, `requires`, `peers`) and every `extra-bindings` name.
/// `network-get` takes [`IMPLICIT_BINDING`] too.
pub fn binding_names(metadata: &str) -> Result<std::collections::BTreeSet<String>, String> {
    let root = metadata_root(metadata)?;
    let mut names = std::collections::BTreeSet::new();
    for key in ["provides", "requires", "peers", "extra-bindings"] {
        match root.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => names.extend(map.keys().cloned()),
            Some(other) => {
                return Err(format!("metadata: {key}: expected map, got {}", got(other)));
            }
        }
    }
    Ok(names)
}

/// A storage the charm declares under `storage:` in `metadata.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StorageSpec {
    /// `filesystem` or `block`.
    pub kind: crate::StorageKind,
    /// Where a filesystem is mounted, if the charm says.
    pub location: Option<String>,
    /// How many instances a unit has at least (attached at deploy).
    pub count_min: u32,
    /// How many it may have at most; `None` for no limit.
    pub count_max: Option<u32>,
}

/// Where Juju mounts filesystem storage that names no location.
pub const STORAGE_DIR: &str = "/var/lib/juju/storage";

impl StorageSpec {
    /// Where instance `id` (`data/3`) of this storage is: a filesystem's mount point as Juju
    /// chooses it (`location` as is for a single instance, `<location>/<id>` for several,
    /// else under [`STORAGE_DIR`]), a block storage's device (`/dev/` and a name the model
    /// chooses, `seq`).
    pub fn location_of(&self, id: &str, seq: u64) -> String {
        match (self.kind, &self.location) {
            (crate::StorageKind::Block, _) => format!("/dev/loop{seq}"),
            (_, Some(location)) if self.count_max == Some(1) => location.clone(),
            (_, Some(location)) => format!("{}/{id}", location.trim_end_matches('/')),
            (_, None) => format!("{STORAGE_DIR}/{id}"),
        }
    }
}

/// The storages `metadata.yaml` declares, checked as Juju checks them (`type` required,
/// no `location` for block storage, `multiple: range` as `m`, `m-n` or `m+`).
pub fn storage_specs(metadata: &str) -> Result<BTreeMap<String, StorageSpec>, String> {
    let root = metadata_root(metadata)?;
    let charm = root
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let storage = match root.get("storage") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(format!(
                "metadata: storage: expected map, got {}",
                got(other)
            ));
        }
    };
    let mut specs = BTreeMap::new();
    for (name, spec) in storage {
        let fail = |problem: &str| format!("charm {charm:?} storage {name:?}: {problem}");
        if !crate::cli::is_storage_name(name) {
            return Err(fail("name not valid"));
        }
        let kind = match spec.get("type").and_then(Value::as_str) {
            Some("filesystem") => crate::StorageKind::Filesystem,
            Some("block") => crate::StorageKind::Block,
            None => return Err(fail("type must be specified")),
            Some(other) => {
                return Err(format!(
                    "metadata: storage.{name}.type: unexpected value {other:?}"
                ));
            }
        };
        let location = spec
            .get("location")
            .and_then(Value::as_str)
            .map(String::from);
        if kind == crate::StorageKind::Block && location.is_some() {
            return Err(fail("location may not be specified for \"type: block\""));
        }
        if let Some(location) = &location
            && (location == STORAGE_DIR || location.starts_with(&format!("{STORAGE_DIR}/")))
        {
            return Err(format!(
                "invalid location {location:?}: must not fall within {STORAGE_DIR:?}"
            ));
        }
        let path = format!("metadata: storage.{name}.multiple.range");
        let (count_min, count_max) = match spec.get("multiple").and_then(|m| m.get("range")) {
            None => (1, Some(1)),
            Some(Value::Number(n)) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(m) if m > 0 => (m, Some(m)),
                _ => return Err(format!("{path}: invalid count {n}")),
            },
            Some(Value::String(range)) => storage_range(range).ok_or_else(|| {
                format!("{path}: value {range:?} does not match 'm', 'm-n', or 'm+'")
            })?,
            Some(other) => {
                return Err(format!(
                    "{path}: expected int or string, got {}",
                    got(other)
                ));
            }
        };
        if count_max == Some(0) {
            return Err(fail("invalid maximum count 0"));
        }
        specs.insert(
            name.clone(),
            StorageSpec {
                kind,
                location,
                count_min,
                count_max,
            },
        );
    }
    Ok(specs)
}

/// `m-n`, `m+` or `m-` (no upper limit).
fn storage_range(range: &str) -> Option<(u32, Option<u32>)> {
    let digits = range.bytes().take_while(u8::is_ascii_digit).count();
    let min: u32 = range[..digits].parse().ok()?;
    match &range[digits..] {
        "+" | "-" => Some((min, None)),
        rest => {
            let max = rest.strip_prefix('-')?;
            if max.is_empty() || !max.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((min, Some(max.parse().ok()?)))
        }
    }
}

/// The defaults of `config.yaml`'s options, as `config-get` shows them before the operator
/// sets anything (options without a default have no value).
pub fn config_defaults(text: &str) -> Result<BTreeMap<String, crate::ConfigValue>, String> {
    use crate::ConfigValue;
    check_config_if_any(text)?;
    let root = metadata_root(text)?;
    let Some(Value::Object(options)) = root.get("options") else {
        return Ok(BTreeMap::new());
    };
    let mut defaults = BTreeMap::new();
    for (name, option) in options {
        let ty = option
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let value = match (ty, option.get("default")) {
            (_, None | Some(Value::Null)) => continue,
            ("int", Some(Value::Number(n))) => ConfigValue::Integer(n.as_i64().unwrap_or_default()),
            ("int", Some(Value::String(s))) => ConfigValue::Integer(s.parse().unwrap_or_default()),
            ("float", Some(Value::Number(n))) => ConfigValue::Float(n.as_f64().unwrap_or_default()),
            ("boolean", Some(Value::Bool(b))) => ConfigValue::Boolean(*b),
            ("boolean", Some(Value::String(s))) => {
                ConfigValue::Boolean(crate::cli::go_bool(s).unwrap_or_default())
            }
            (_, Some(Value::String(s))) => ConfigValue::Text(s.clone()),
            (_, Some(other)) => ConfigValue::Text(other.to_string()),
        };
        defaults.insert(name.clone(), value);
    }
    Ok(defaults)
}

/// [`check_config`] for a file that is there (an absent or empty one has no options).
fn check_config_if_any(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        Ok(())
    } else {
        check_config(text)
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
        // Juju validates what the operator gave before it fills in the defaults: a required
        // parameter left out is refused even when it has a default.
        for name in &self.required {
            if !params.contains_key(name) {
                problems.push(format!("(root) : {name} is required"));
            }
        }
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

    const META: &str = "name: db\nsummary: s\ndescription: d\n";

    #[test]
    fn metadata_needs_name_summary_and_description() {
        assert_eq!(check_metadata(META).unwrap(), "db");
        assert_eq!(
            check_metadata("name: db\ndescription: d\n").unwrap_err(),
            "metadata: summary: expected string, got nothing"
        );
        assert_eq!(
            check_metadata("name: db\nsummary: 1\ndescription: d\n").unwrap_err(),
            "metadata: summary: expected string, got int(1)"
        );
    }

    #[test]
    fn metadata_of_a_charm_with_bases_refuses_the_v1_keys() {
        for (key, error) in [
            ("series: [jammy]", "series slice in metadata v2 not valid"),
            (
                "min-juju-version: 3.1.0",
                "min-juju-version in metadata v2 not valid",
            ),
            (
                "deployment: {type: stateful}",
                "deployment in metadata v2 not valid",
            ),
        ] {
            assert_eq!(
                check_metadata(&format!("{META}{key}\n")).unwrap_err(),
                error
            );
        }
        assert_eq!(
            check_metadata(&format!("{META}series: [jammy]\nassumes: [juju]\n")).unwrap_err(),
            "ambiguous metadata: keys \"series\" cannot be used with \"assumes\""
        );
    }

    #[test]
    fn relation_names_are_unique_and_not_reserved() {
        assert_eq!(
            check_metadata(&format!("{META}provides:\n  juju-info: {{interface: x}}\n"))
                .unwrap_err(),
            "charm \"db\" using a reserved relation name: \"juju-info\""
        );
        assert_eq!(
            check_metadata(&format!(
                "{META}provides:\n  db: {{interface: x}}\npeers:\n  db: {{interface: y}}\n"
            ))
            .unwrap_err(),
            "charm \"db\" using a duplicated relation name: \"db\""
        );
        assert_eq!(
            check_metadata(&format!("{META}peers:\n  p: {{}}\n")).unwrap_err(),
            "metadata: peers.p.interface: expected string, got nothing"
        );
    }

    #[test]
    fn config_options_have_known_types_and_defaults_of_that_type() {
        assert!(check_config("options:\n  port: {type: int, default: 8080}\n").is_ok());
        assert!(check_config("options:\n").is_ok());
        assert_eq!(
            check_config("port: {type: int}\n").unwrap_err(),
            "invalid config: empty configuration"
        );
        assert_eq!(
            check_config("options:\n  port: {type: integer}\n").unwrap_err(),
            "invalid config: option \"port\" has unknown type \"integer\""
        );
        assert_eq!(
            check_config("options:\n  port: {type: int, default: abc}\n").unwrap_err(),
            "invalid config default: option \"port\" expected int, got \"abc\""
        );
        assert_eq!(
            check_config("options:\n  ratio: {type: float, default: \"0.5\"}\n").unwrap_err(),
            "invalid config default: option \"ratio\" expected float, got \"0.5\""
        );
        assert!(check_config("options:\n  on: {type: boolean, default: \"true\"}\n").is_ok());
        assert_eq!(
            check_config("options:\n  token: {type: secret, default: x}\n").unwrap_err(),
            "invalid config default: option \"token\" expected secret, got \"x\""
        );
    }

    const ACTIONS: &str = "rotate-password:\n  description: Rotate now.\n  params:\n    length:\n      type: integer\n      default: 24\n    reason:\n      type: string\n  required: [reason]\n";

    #[test]
    fn defaults_are_filled_in_and_types_checked() {
        let specs = parse_actions(ACTIONS).unwrap();
        let spec = &specs["rotate-password"];
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
        let with_default = &parse_actions(
            "a:\n  params:\n    count: {type: integer, default: 1}\n  required: [count]\n",
        )
        .unwrap()["a"];
        assert!(
            with_default.prepare(Map::new()).is_err(),
            "a required parameter left out is refused even with a default"
        );
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
