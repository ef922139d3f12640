//! How Juju parses each hook command's command line, and what the simulator needs to answer
//! as Juju does: gnuflag's grammar (`--flag value` or `--flag=value`, flags anywhere, boolean
//! flags only as `--flag` or `--flag=<bool>`), one struct per command, the values' own syntax
//! (content arguments and files, `--expire`, Go durations), usage errors with Juju's texts
//! (exit 2), and which arguments carry secret values (so a trace never shows them).
//! `docs/juju-reference.md` is the reference for each rule.

// The structs' fields are the commands' flags and arguments, named as Juju names them.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use clap::Parser;
use juju_rules::MAX_ENCODED_BYTES;
use juju_rules::names::{is_valid_app_name, is_valid_unit_name};
use juju_rules::{SecretContent, SecretId};
use serde::Serialize;

use crate::args::parse_rotate;
use crate::format::Format;
use crate::{AddOwner, ConfigValue, Datetime, Expiry, JujuError, RotatePolicy};

/// Every hook command the simulator provides (the names its tools directory links).
pub const TOOLS: &[&str] = &[
    "secret-add",
    "secret-set",
    "secret-get",
    "secret-info-get",
    "secret-ids",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "is-leader",
    "config-get",
    "juju-log",
    "status-set",
    "status-get",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "state-get",
    "state-set",
    "state-delete",
    "open-port",
    "close-port",
    "opened-ports",
    "network-get",
    "application-version-set",
    "storage-get",
    "storage-list",
    "storage-add",
    "goal-state",
];

/// Go's `strconv.ParseBool`, which gnuflag uses for `--flag=<bool>`.
pub fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("parse error: {s:?} is not a boolean")),
    }
}

/// Parses `args` as `tool`'s flags; a mistake is Juju's usage error (exit 2).
pub fn parse<T: Parser>(tool: &str, args: &[String]) -> Result<T, JujuError> {
    T::try_parse_from(std::iter::once(tool.to_string()).chain(args.iter().cloned())).map_err(|e| {
        use clap::error::{ContextKind, ErrorKind};
        let message = match e.kind() {
            ErrorKind::UnknownArgument => {
                let arg = e
                    .get(ContextKind::InvalidArg)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let flag = arg.split('=').next().unwrap_or_default().to_string();
                if flag.starts_with('-') {
                    format!("option provided but not defined: {flag}")
                } else {
                    format!("unrecognized args: [\"{arg}\"]")
                }
            }
            ErrorKind::InvalidValue if e.to_string().contains("a value is required") => {
                let flag = e
                    .get(ContextKind::InvalidArg)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let flag = flag.split_whitespace().next().unwrap_or_default();
                format!("option needs an argument: {flag}")
            }
            _ => e
                .render()
                .to_string()
                .lines()
                .next()
                .unwrap_or("arguments not valid")
                .trim_start_matches("error: ")
                .to_string(),
        };
        JujuError::usage(message)
    })
}

pub fn secret_id(raw: &str) -> Result<SecretId, JujuError> {
    SecretId::parse(raw).map_err(|e| JujuError::usage(e.to_string()))
}

/// The `<ID>` argument the mutating commands require.
pub fn required_id(raw: Option<&str>) -> Result<SecretId, JujuError> {
    secret_id(raw.ok_or_else(|| JujuError::usage("missing secret URI"))?)
}

/// `--unit` and `--app` values, checked as Juju checks them before anything runs.
pub fn check_names(unit: Option<&str>, app: Option<&str>) -> Result<(), JujuError> {
    if let Some(app) = app
        && !is_valid_app_name(app)
    {
        return Err(JujuError::usage(format!("application {app:?} not valid")));
    }
    if let Some(unit) = unit
        && !is_valid_unit_name(unit)
    {
        return Err(JujuError::usage(format!("unit {unit:?} not valid")));
    }
    Ok(())
}

// ---- secret-add and secret-set: content and metadata ---------------------------------------

#[derive(clap::Args, Debug)]
pub struct UpsertFlags {
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub expire: Option<String>,
    #[arg(long)]
    pub rotate: Option<String>,
    #[arg(long, default_value = "application")]
    pub owner: String,
    #[arg(long)]
    pub file: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretAdd {
    #[command(flatten)]
    pub flags: UpsertFlags,
    pub values: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretSet {
    #[command(flatten)]
    pub flags: UpsertFlags,
    pub id: Option<String>,
    pub values: Vec<String>,
}

/// Reads a `#file` value or `--file` as Juju does: at most 1,000,000 bytes.
pub fn read_limited(path: &str, key: Option<&str>) -> Result<Vec<u8>, JujuError> {
    let bytes = std::fs::read(path).map_err(|e| match key {
        Some(key) => JujuError::usage(format!("reading content for secret key {key:?}: {e}")),
        None => JujuError::usage(format!("reading secret content file {path:?}: {e}")),
    })?;
    if bytes.len() > MAX_ENCODED_BYTES {
        return Err(JujuError::usage(format!(
            "secret content in file {path:?} too large: {} bytes",
            bytes.len()
        )));
    }
    Ok(bytes)
}

pub fn text_value(key: &str, bytes: Vec<u8>) -> Result<String, JujuError> {
    String::from_utf8(bytes).map_err(|_| {
        JujuError::usage(format!(
            "secret content for key {key:?} is not UTF-8 text (this simulator stores text only)"
        ))
    })
}

/// One `key[#base64|#file]=value` argument, split as Juju splits it (trailing `=` padding is
/// ignored when looking for the separator, so `key=` is not valid).
pub fn content_arg(arg: &str) -> Result<(String, String), JujuError> {
    let stripped = arg.trim_end_matches('=');
    let idx = match stripped.find('=') {
        Some(i) if i >= 1 => i,
        _ => return Err(JujuError::usage(format!("key value {arg:?} not valid"))),
    };
    let (key, value) = (&arg[..idx], &arg[idx + 1..]);
    if let Some(key) = key.strip_suffix("#base64") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| JujuError::usage(format!("key value {arg:?} not valid")))?;
        Ok((key.to_string(), text_value(key, bytes)?))
    } else if let Some(key) = key.strip_suffix("#file") {
        let bytes = read_limited(value, Some(key))?;
        Ok((key.to_string(), text_value(key, bytes)?))
    } else {
        Ok((key.to_string(), value.to_string()))
    }
}

/// A `--file` value: a map, JSON first then YAML; scalar values become strings.
pub fn content_file(path: &str) -> Result<Vec<(String, String)>, JujuError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Bool(bool),
        Int(i64),
        Float(f64),
        Text(String),
    }
    let bytes = read_limited(path, None)?;
    let text = text_value("--file", bytes)?;
    let map: BTreeMap<String, Scalar> = serde_json::from_str(&text)
        .or_else(|_| crate::yaml::from_str(&text))
        .map_err(|e| JujuError::usage(format!("invalid secret content file {path:?}: {e}")))?;
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Scalar::Bool(b) => b.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::Float(f) => f.to_string(),
                Scalar::Text(s) => s,
            };
            match k.strip_suffix("#base64") {
                Some(key) => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(&v)
                        .map_err(|_| JujuError::usage(format!("key value {k:?} not valid")))?;
                    Ok((key.to_string(), text_value(key, bytes)?))
                }
                None => Ok((k, v)),
            }
        })
        .collect()
}

/// The content of an add or set: positional values, then `--file` entries overriding them.
/// `None` when neither was given.
pub fn upsert_content(
    values: &[String],
    file: Option<&str>,
) -> Result<Option<SecretContent>, JujuError> {
    if values.is_empty() && file.is_none() {
        return Ok(None);
    }
    let mut map = BTreeMap::new();
    for arg in values {
        let (k, v) = content_arg(arg)?;
        map.insert(k, v);
    }
    if let Some(file) = file {
        map.extend(content_file(file)?);
    }
    let pairs: Vec<(String, String)> = map.into_iter().collect();
    if pairs.is_empty() {
        return Err(JujuError::run("empty secret value not valid"));
    }
    if let Err(e) = juju_rules::check_content(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        return Err(JujuError::usage(e.to_string()));
    }
    Ok(Some(SecretContent::from_juju(pairs.into_iter().collect())))
}

/// A Go `time.ParseDuration` string (`90m`, `1h30m`, `1.5h`, `300ms`).
pub fn go_duration(s: &str) -> Option<TimeDelta> {
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(TimeDelta::zero());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let nanos_per = match &rest[..unit_len] {
            "ns" => 1f64,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * nanos_per;
    }
    let nanos = if negative { -total } else { total };
    Some(TimeDelta::nanoseconds(nanos as i64))
}

/// `--expire`: RFC 3339, `YYYY-MM-DDTHH:MM:SS` (UTC), or a positive Go duration from now.
pub fn expire_flag(spec: &str, now: DateTime<Utc>) -> Result<Expiry, JujuError> {
    let at = DateTime::parse_from_rfc3339(spec)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(spec, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc()));
    let at = match at {
        Ok(at) => at,
        Err(_) => {
            let d = go_duration(spec).ok_or_else(|| {
                JujuError::usage(format!("expire time or duration {spec:?} not valid"))
            })?;
            if d <= TimeDelta::zero() {
                return Err(JujuError::usage(format!(
                    "negative expire duration {spec:?} not valid"
                )));
            }
            now + d
        }
    };
    Ok(Expiry::At(Datetime {
        seconds: at.timestamp(),
        nanoseconds: at.timestamp_subsec_nanos(),
    }))
}

pub struct Metadata {
    pub label: Option<String>,
    pub description: Option<String>,
    pub expire: Option<Expiry>,
    pub rotate: Option<RotatePolicy>,
    pub owner: AddOwner,
}

pub fn metadata(flags: &UpsertFlags, now: DateTime<Utc>) -> Result<Metadata, JujuError> {
    let rotate = flags
        .rotate
        .as_deref()
        .map(|r| {
            parse_rotate(r)
                .ok_or_else(|| JujuError::usage(format!("rotate policy {r:?} not valid")))
        })
        .transpose()?;
    let owner = match flags.owner.as_str() {
        "application" => AddOwner::Application,
        "unit" => AddOwner::Unit,
        other => {
            return Err(JujuError::usage(format!(
                "secret owner {other:?} not valid"
            )));
        }
    };
    Ok(Metadata {
        label: flags.label.clone(),
        description: flags.description.clone(),
        expire: flags
            .expire
            .as_deref()
            .map(|e| expire_flag(e, now))
            .transpose()?,
        rotate,
        owner,
    })
}

// ---- reading secrets -------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretGet {
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub peek: bool,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub refresh: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub id: Option<String>,
    pub key: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretInfoGet {
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub id: Option<String>,
}

/// `secret-info-get`'s entry, in Juju's field order and names.
#[derive(Serialize)]
pub struct InfoDisplay {
    pub revision: u32,
    pub label: String,
    pub owner: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotates: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<AccessDisplay>,
}

#[derive(Serialize)]
pub struct AccessDisplay {
    pub target: String,
    pub scope: String,
    pub role: String,
}

pub fn rfc3339(t: &Datetime) -> Option<String> {
    DateTime::<Utc>::from_timestamp(t.seconds, t.nanoseconds)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct FormatOnly {
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

// ---- grants and removal ----------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretGrant {
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    pub id: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretRevoke {
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long = "app", visible_alias = "application")]
    pub app: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    pub id: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct SecretRemove {
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub revision: i64,
    pub id: Option<String>,
}

// ---- relations -------------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct RelationIds {
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub endpoint: Option<String>,
}

pub const LIST_FORMATS: &[Format] = &[Format::Smart, Format::Yaml, Format::Json];

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct RelationList {
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub app: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct RelationGet {
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub app: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub key: Option<String>,
    pub unit: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct RelationSet {
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub app: bool,
    #[arg(long)]
    pub file: Option<String>,
    #[arg(long)]
    pub format: Option<String>,
    pub settings: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct ConfigGet {
    #[arg(short = 'a', long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub all: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub key: Option<String>,
}

pub fn config_json(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::Text(s) => serde_json::Value::from(s.clone()),
        ConfigValue::Integer(i) => serde_json::Value::from(*i),
        ConfigValue::Float(f) => serde_json::Value::from(*f),
        ConfigValue::Boolean(b) => serde_json::Value::from(*b),
    }
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct JujuLog {
    #[arg(short = 'l', long = "log-level", default_value = "INFO")]
    pub level: String,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub debug: bool,
    #[arg(long)]
    pub format: Option<String>,
    pub message: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct StatusSet {
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub application: bool,
    pub status: Option<String>,
    pub message: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct StatusGet {
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub application: bool,
    #[arg(long = "include-data", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub include_data: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

// ---- actions and unit state ------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct ActionGet {
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub key: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct Positional {
    pub args: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct StateGet {
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub strict: bool,
    pub key: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct StateSet {
    #[arg(long)]
    pub file: Option<String>,
    pub settings: Vec<String>,
}

/// Juju's rule for an action name and each dotted segment of an `action-set` key.
pub fn is_action_key(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            ok(first) && ok(last) && bytes.iter().all(|b| ok(b) || *b == b'-')
        }
        _ => false,
    }
}

/// The result keys Juju keeps for the action's own output.
pub const RESERVED_RESULT_KEYS: &[&str] =
    &["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// One `action-set` argument as Juju checks it: `key[.key...]=value`, each segment an action
/// key and none reserved.
pub fn action_result(arg: &str) -> Result<(Vec<String>, String), JujuError> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(JujuError::usage(format!(
            "argument {arg:?} must be of the form key...=value"
        )));
    };
    Ok((result_key(key)?, value.to_string()))
}

/// An `action-set` key as its dotted path, each segment an action key and none reserved.
pub fn result_key(key: &str) -> Result<Vec<String>, JujuError> {
    let path: Vec<String> = key.split('.').map(String::from).collect();
    for segment in &path {
        if !is_action_key(segment) {
            return Err(JujuError::usage(format!(
                "key {segment:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
            )));
        }
        if RESERVED_RESULT_KEYS.contains(&segment.as_str()) {
            return Err(JujuError::usage(format!(
                "cannot set reserved action key {segment:?}"
            )));
        }
    }
    Ok(path)
}

/// `state-set`'s `key=value` arguments as Juju's `keyvalues.Parse` reads them: empty
/// arguments skipped, key and value trimmed, a key given twice refused.
pub fn key_values(args: &[String]) -> Result<BTreeMap<String, String>, JujuError> {
    let mut values = BTreeMap::new();
    for arg in args.iter().filter(|a| !a.is_empty()) {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => (k.trim(), v.trim()),
            _ => {
                return Err(JujuError::usage(format!(
                    "expected \"key=value\", got {arg:?}"
                )));
            }
        };
        if values.insert(key.to_string(), value.to_string()).is_some() {
            return Err(JujuError::usage(format!(
                "key {key:?} specified more than once"
            )));
        }
    }
    Ok(values)
}

/// Unit state limits Juju checks in `state-set` (`core/quota`): bytes per key and per value.
pub const MAX_STATE_KEY: usize = 256;
/// See [`MAX_STATE_KEY`].
pub const MAX_STATE_VALUE: usize = 65536;
/// The default `max-charm-state-size`: the whole state, checked when the hook commits.
pub const MAX_CHARM_STATE: usize = 2 * 1024 * 1024;

/// Secret values given on the command line (as goops does): `key=value` arguments of
/// `secret-add` and `secret-set`, except `#file` paths.
pub fn argv_values(tool: &str, args: &[String]) -> Vec<(String, String)> {
    if !matches!(tool, "secret-add" | "secret-set") {
        return Vec::new();
    }
    args.iter()
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.split_once('='))
        .filter(|(key, _)| !key.ends_with("#file"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The arguments as the trace shows them: secret values given on the command line become
/// `<redacted>`; `#file` paths and everything else are shown as given.
pub fn shown_args(tool: &str, args: &[String]) -> String {
    let values = argv_values(tool, args);
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((key, value)) if values.iter().any(|(k, v)| k == key && v == value) => {
                format!("{key}=<redacted>")
            }
            _ => a.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A refusal as the trace shows it: Juju echoes a bad `key=value` argument in its message
/// (`key value "password=x" not valid`), so values given on the command line are redacted.
pub fn shown_error(tool: &str, args: &[String], message: &str) -> String {
    argv_values(tool, args)
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .fold(message.to_string(), |m, (_, v)| {
            m.replace(v.as_str(), "<redacted>")
        })
}

/// `status-set`'s `<status>`, or Juju's usage error naming the ones it takes.
pub fn parse_state(status: &str) -> Result<crate::WorkloadState, JujuError> {
    use crate::WorkloadState;
    Ok(match status {
        "maintenance" => WorkloadState::Maintenance,
        "blocked" => WorkloadState::Blocked,
        "waiting" => WorkloadState::Waiting,
        "active" => WorkloadState::Active,
        other => {
            return Err(JujuError::usage(format!(
                "invalid status {other:?}, expected one of [maintenance blocked waiting active]"
            )));
        }
    })
}

/// The level `juju-log` logs at: `--debug` wins, Juju's names in any case, `WARN` for
/// `WARNING`, and anything else `INFO`.
pub fn log_level(cmd: &JujuLog) -> String {
    if cmd.debug {
        return "DEBUG".to_string();
    }
    match cmd.level.to_ascii_uppercase().as_str() {
        l @ ("TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL") => l.to_string(),
        "WARN" => "WARNING".to_string(),
        _ => "INFO".to_string(),
    }
}

// ---- ports, bindings, storage and goal state -------------------------------------------------

/// `open-port` and `close-port`: `--format` is deprecated and takes any value.
#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct PortChange {
    #[arg(long)]
    pub endpoints: Option<String>,
    #[arg(long)]
    pub format: Option<String>,
    pub args: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct OpenedPorts {
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub endpoints: bool,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub args: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct NetworkGet {
    #[arg(long = "primary-address", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub primary_address: bool,
    #[arg(long = "bind-address", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub bind_address: bool,
    #[arg(long = "ingress-address", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub ingress_address: bool,
    #[arg(long = "egress-subnets", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub egress_subnets: bool,
    #[arg(short = 'r', long = "relation")]
    pub relation: Option<String>,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub args: Vec<String>,
}

/// `network-get`'s YAML form of an address: the legacy `address` key after the others.
#[derive(Serialize)]
pub struct AddressYaml<'a> {
    pub hostname: &'a str,
    pub value: &'a str,
    pub cidr: &'a str,
    pub address: &'a str,
}

/// `network-get`'s YAML form of an interface, with the legacy keys after the others.
#[derive(Serialize)]
pub struct BindAddressYaml<'a> {
    #[serde(rename = "mac-address")]
    pub mac_address: &'a str,
    #[serde(rename = "interface-name")]
    pub interface_name: &'a str,
    pub addresses: Vec<AddressYaml<'a>>,
    pub macaddress: &'a str,
    pub interfacename: &'a str,
}

/// `network-get`'s YAML form; empty lists are left out as in JSON.
#[derive(Serialize)]
pub struct NetworkYaml<'a> {
    #[serde(rename = "bind-addresses", skip_serializing_if = "Vec::is_empty")]
    pub bind_addresses: Vec<BindAddressYaml<'a>>,
    #[serde(
        rename = "egress-subnets",
        skip_serializing_if = "<[String]>::is_empty"
    )]
    pub egress_subnets: &'a [String],
    #[serde(
        rename = "ingress-addresses",
        skip_serializing_if = "<[String]>::is_empty"
    )]
    pub ingress_addresses: &'a [String],
}

impl<'a> NetworkYaml<'a> {
    pub fn of(info: &'a crate::NetworkInfo) -> Self {
        NetworkYaml {
            bind_addresses: info
                .bind_addresses
                .iter()
                .map(|b| BindAddressYaml {
                    mac_address: &b.mac_address,
                    interface_name: &b.interface_name,
                    addresses: b
                        .addresses
                        .iter()
                        .map(|a| AddressYaml {
                            hostname: &a.hostname,
                            value: &a.value,
                            cidr: &a.cidr,
                            address: &a.value,
                        })
                        .collect(),
                    macaddress: &b.mac_address,
                    interfacename: &b.interface_name,
                })
                .collect(),
            egress_subnets: &info.egress_subnets,
            ingress_addresses: &info.ingress_addresses,
        }
    }
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct StorageGet {
    #[arg(short = 's')]
    pub id: Option<String>,
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub args: Vec<String>,
}

/// `storage-list` and `goal-state`: a format, an output file, positional arguments.
#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct FormatArgs {
    #[arg(long)]
    pub format: Option<String>,
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    pub args: Vec<String>,
}

/// Whether `id` is a storage instance id as Juju's `names.IsValidStorage` takes it
/// (`data/0`, `my-logs/12`).
pub fn is_storage_id(id: &str) -> bool {
    let Some((name, number)) = id.split_once('/') else {
        return false;
    };
    is_storage_name(name)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (number == "0" || !number.starts_with('0'))
}

/// The storage name of an instance id (`data` of `data/0`).
pub fn storage_name(id: &str) -> &str {
    id.split_once('/').map_or(id, |(name, _)| name)
}

/// Whether `name` is a storage name: lowercase letters and digits in `-`-separated words,
/// starting with a letter, each word after the first holding a letter.
pub fn is_storage_name(name: &str) -> bool {
    let mut words = name.split('-');
    let first = words.next().unwrap_or_default();
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && words.all(|w| {
            w.bytes().any(|b| b.is_ascii_lowercase())
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `storage-add`'s arguments (`name[=count]`...) as Juju's `ParseConstraintsMap` reads them,
/// with its texts (exit 2); only a count may be given.
pub fn storage_directives(args: &[String]) -> Result<Vec<(String, u64)>, JujuError> {
    if args.is_empty() {
        return Err(JujuError::usage("storage add requires a storage directive"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for arg in args {
        let parts: Vec<&str> = arg.split('=').collect();
        if parts.len() > 2 || parts[0].is_empty() {
            return Err(JujuError::usage(format!(
                "expected \"name=constraints\" or \"name\", got {arg:?}"
            )));
        }
        let name = parts[0];
        if !seen.insert(name) {
            return Err(JujuError::usage(format!(
                "storage {name:?} specified more than once"
            )));
        }
        let count = match parts.get(1) {
            None => 1,
            Some(value) => storage_count(name, value)?,
        };
        out.push((name.to_string(), count));
    }
    Ok(out)
}

/// One directive's constraints: pool, count or size fields, of which only a count is allowed.
fn storage_count(name: &str, value: &str) -> Result<u64, JujuError> {
    let wrap = |e: String| {
        JujuError::usage(format!(
            "cannot parse constraints for storage {name:?}: {e}"
        ))
    };
    let (mut count, mut other) = (None, false);
    let fields: Vec<&str> = value.split(',').filter(|f| !f.is_empty()).collect();
    if fields.is_empty() {
        return Err(wrap(
            "storage constraints require at least one field to be specified".into(),
        ));
    }
    for field in fields {
        let digits = field.strip_prefix('-').unwrap_or(field);
        let is_pool = field.starts_with(|c: char| c.is_ascii_alphabetic())
            && field
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'?');
        if is_pool {
            other = true;
        } else if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (field.starts_with('-') || field.parse::<u64>().is_ok())
        {
            let n: u64 = field.parse().unwrap_or(0);
            if n == 0 {
                return Err(wrap(format!(
                    "cannot parse count: count must be greater than zero, got {field:?}"
                )));
            }
            if let Some(before) = count {
                return Err(wrap(format!(
                    "storage instance count is already set to {before}, new value {n} not valid"
                )));
            }
            count = Some(n);
        } else if is_size(field) {
            if field.starts_with('-') {
                return Err(wrap(format!(
                    "cannot parse size: expected a non-negative number, got {field:?}"
                )));
            }
            other = true;
        } else {
            return Err(wrap(format!(
                "unrecognized storage constraint {field:?} not valid"
            )));
        }
    }
    match count {
        Some(n) if !other => Ok(n),
        _ => Err(JujuError::usage(format!(
            "only count can be specified for {name:?}"
        ))),
    }
}

/// A size constraint: `-?[0-9]+(\.[0-9]+)?[MGTPEZY](i?B)?`.
fn is_size(field: &str) -> bool {
    let body = field.strip_prefix('-').unwrap_or(field);
    let body = body
        .strip_suffix("iB")
        .or_else(|| body.strip_suffix('B'))
        .unwrap_or(body);
    let Some(number) = body.strip_suffix(['M', 'G', 'T', 'P', 'E', 'Z', 'Y']) else {
        return false;
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// `goal-state`'s `since`: Juju's `2006-01-02 15:04:05Z`.
pub fn goal_since(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}
