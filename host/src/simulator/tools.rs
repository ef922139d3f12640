//! Juju's hook commands as the simulator answers them: the command-line grammar (gnuflag:
//! `--flag value` or `--flag=value`, flags anywhere, boolean flags only as `--flag` or
//! `--flag=<bool>`), the output formats, and the exit codes and `ERROR` texts
//! (`docs/juju-reference.md`). Each command parses its arguments, then acts on the hook's [`HookContext`]: the
//! same rules the in-process mock uses.

use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use clap::Parser;
use serde::Serialize;

use super::format::Format;
use crate::backend::hook_tools::parse_rotate;
use crate::backend::{AddOptions, Grantee, Lookup, ReadMode, SetOptions};
use crate::bindings::juju::charm::config::Value as ConfigValue;
use crate::bindings::juju::charm::relations::{Databag, Scope};
use crate::bindings::juju::charm::secrets::{AddOwner, Expiry, OwnerKind, RelationUnit};
use crate::bindings::juju::charm::status::State;
use crate::bindings::juju::charm::types::Datetime;
use crate::juju::content::MAX_ENCODED_BYTES;
use crate::juju::names::{is_valid_app_name, is_valid_unit_name};
use crate::juju::{SecretContent, SecretId};
use crate::model::{HookContext, HookKind, JujuError, Model, keys_summary};

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
];

/// What one hook command printed.
#[derive(Debug, Default)]
pub struct Printed {
    /// Its stdout.
    pub stdout: String,
    /// A short, value-free summary for the trace (`ok: <summary>`).
    pub summary: String,
}

/// A hook command's result: what it printed, or Juju's refusal.
pub type ToolResult = Result<Printed, JujuError>;

fn printed(stdout: String) -> Printed {
    let summary = stdout
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect();
    Printed { stdout, summary }
}

/// Go's `strconv.ParseBool`, which gnuflag uses for `--flag=<bool>`.
fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("parse error: {s:?} is not a boolean")),
    }
}

/// Parses `args` as `tool`'s flags; a mistake is Juju's usage error (exit 2).
fn parse<T: Parser>(tool: &str, args: &[String]) -> Result<T, JujuError> {
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
                    format!("flag provided but not defined: {flag}")
                } else {
                    format!("unrecognized args: [\"{arg}\"]")
                }
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

/// The `-r/--relation` value: `<id>` or `<endpoint>:<id>` (only the part after the last `:`
/// counts), resolved to a relation of this unit's application.
fn relation_flag(ctx: &HookContext, raw: Option<&str>) -> Result<Option<u32>, JujuError> {
    let Some(raw) = raw else {
        return Ok(ctx.kind().relation_id());
    };
    let n = raw.rsplit(':').next().unwrap_or(raw).trim();
    let id: u32 = n.parse().map_err(|_| {
        JujuError::usage(format!(
            "invalid value {raw:?} for option -r: invalid relation id"
        ))
    })?;
    ctx.relation_remote_app(id).map_err(|_| {
        JujuError::usage(format!(
            "invalid value {raw:?} for option -r: relation not found"
        ))
    })?;
    Ok(Some(id))
}

/// `-r/--relation`, defaulting to the hook's relation, for commands that need one.
fn required_relation(ctx: &HookContext, raw: Option<&str>) -> Result<u32, JujuError> {
    relation_flag(ctx, raw)?.ok_or_else(|| JujuError::usage("no relation id specified"))
}

fn secret_id(raw: &str) -> Result<SecretId, JujuError> {
    SecretId::parse(raw).map_err(|e| JujuError::usage(e.to_string()))
}

/// The `<ID>` argument the mutating commands require.
fn required_id(raw: Option<&str>) -> Result<SecretId, JujuError> {
    secret_id(raw.ok_or_else(|| JujuError::usage("missing secret URI"))?)
}

/// `--unit` and `--app` values, checked as Juju checks them before anything runs.
fn check_names(unit: Option<&str>, app: Option<&str>) -> Result<(), JujuError> {
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
struct UpsertFlags {
    #[arg(long)]
    label: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    expire: Option<String>,
    #[arg(long)]
    rotate: Option<String>,
    #[arg(long, default_value = "application")]
    owner: String,
    #[arg(long)]
    file: Option<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretAdd {
    #[command(flatten)]
    flags: UpsertFlags,
    values: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretSet {
    #[command(flatten)]
    flags: UpsertFlags,
    id: Option<String>,
    values: Vec<String>,
}

/// Reads a `#file` value or `--file` as Juju does: at most 1,000,000 bytes.
fn read_limited(path: &str, key: Option<&str>) -> Result<Vec<u8>, JujuError> {
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

fn text_value(key: &str, bytes: Vec<u8>) -> Result<String, JujuError> {
    String::from_utf8(bytes).map_err(|_| {
        JujuError::usage(format!(
            "secret content for key {key:?} is not UTF-8 text (this simulator stores text only)"
        ))
    })
}

/// One `key[#base64|#file]=value` argument, split as Juju splits it (trailing `=` padding is
/// ignored when looking for the separator, so `key=` is not valid).
fn content_arg(arg: &str) -> Result<(String, String), JujuError> {
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
fn content_file(path: &str) -> Result<Vec<(String, String)>, JujuError> {
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
fn upsert_content(
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
fn go_duration(s: &str) -> Option<TimeDelta> {
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
fn expire_flag(spec: &str, now: DateTime<Utc>) -> Result<Expiry, JujuError> {
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

struct Metadata {
    label: Option<String>,
    description: Option<String>,
    expire: Option<Expiry>,
    rotate: Option<crate::bindings::juju::charm::secrets::RotatePolicy>,
    owner: AddOwner,
}

fn metadata(flags: &UpsertFlags, now: DateTime<Utc>) -> Result<Metadata, JujuError> {
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

fn secret_add(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretAdd = parse("secret-add", args)?;
    let meta = metadata(&cmd.flags, ctx.model().now)?;
    let content = upsert_content(&cmd.values, cmd.flags.file.as_deref())?
        .ok_or_else(|| JujuError::usage("missing secret value or filename"))?;
    let uri = ctx.secret_add(
        &content,
        &AddOptions {
            owner: meta.owner,
            label: meta.label,
            description: meta.description,
            expire: meta.expire,
            rotate: meta.rotate,
        },
    )?;
    Ok(printed(format!("{uri}\n")))
}

fn secret_set(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretSet = parse("secret-set", args)?;
    let id = required_id(cmd.id.as_deref())?;
    let meta = metadata(&cmd.flags, ctx.model().now)?;
    let content = upsert_content(&cmd.values, cmd.flags.file.as_deref())?;
    ctx.secret_set(
        &id,
        content.as_ref(),
        &SetOptions {
            label: meta.label,
            description: meta.description,
            expire: meta.expire,
            rotate: meta.rotate,
        },
    )?;
    Ok(Printed::default())
}

// ---- reading secrets -------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretGet {
    #[arg(long)]
    label: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    peek: bool,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    refresh: bool,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    id: Option<String>,
    key: Option<String>,
}

fn secret_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretGet = parse("secret-get", args)?;
    let format = Format::choose(
        cmd.format.as_deref(),
        Format::Yaml,
        &[Format::Yaml, Format::Json],
    )?;
    let id = cmd.id.as_deref().map(secret_id).transpose()?;
    let lookup = match (&id, &cmd.label) {
        (Some(id), _) => Lookup::Id(id.clone()),
        (None, Some(label)) => Lookup::Label(label.clone()),
        (None, None) => return Err(JujuError::usage("require either a secret URI or label")),
    };
    if cmd.peek && cmd.refresh {
        return Err(JujuError::usage(
            "specify one of --peek or --refresh but not both",
        ));
    }
    let mode = if cmd.peek {
        ReadMode::Peek
    } else if cmd.refresh {
        ReadMode::Refresh
    } else {
        ReadMode::Tracked
    };
    let attach = if id.is_some() {
        cmd.label.as_deref()
    } else {
        None
    };
    let content = ctx.secret_get(&lookup, mode, attach)?;
    let stdout = match cmd.key {
        None => format.render(&content)?,
        Some(key) => {
            let (name, base64) = match key.strip_suffix("#base64") {
                Some(name) => (name, true),
                None => (key.as_str(), false),
            };
            let value = content
                .get(name)
                .ok_or_else(|| JujuError::run(format!("secret key value {name:?} not found")))?;
            if base64 {
                format.render(&base64::engine::general_purpose::STANDARD.encode(value))?
            } else {
                format.render(&value)?
            }
        }
    };
    let summary = keys_summary(content.keys());
    write_output(cmd.output.as_deref(), stdout, summary)
}

/// `-o/--output`: the output goes to a file instead of stdout.
fn write_output(output: Option<&str>, stdout: String, summary: String) -> ToolResult {
    match output {
        None => Ok(Printed { stdout, summary }),
        Some(path) => {
            std::fs::write(path, stdout)
                .map_err(|e| JujuError::run(format!("cannot write output file {path:?}: {e}")))?;
            Ok(Printed {
                stdout: String::new(),
                summary,
            })
        }
    }
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretInfoGet {
    #[arg(long)]
    label: Option<String>,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    id: Option<String>,
}

/// `secret-info-get`'s entry, in Juju's field order and names.
#[derive(Serialize)]
struct InfoDisplay {
    revision: u32,
    label: String,
    owner: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotates: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    access: Vec<AccessDisplay>,
}

#[derive(Serialize)]
struct AccessDisplay {
    target: String,
    scope: String,
    role: String,
}

fn rfc3339(t: &Datetime) -> Option<String> {
    DateTime::<Utc>::from_timestamp(t.seconds, t.nanoseconds)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

fn secret_info_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretInfoGet = parse("secret-info-get", args)?;
    let format = Format::choose(
        cmd.format.as_deref(),
        Format::Yaml,
        &[Format::Yaml, Format::Json],
    )?;
    let lookup = match (&cmd.id, &cmd.label) {
        (Some(_), Some(_)) => {
            return Err(JujuError::usage(
                "specify either a secret URI or label but not both",
            ));
        }
        (Some(id), None) => Lookup::Id(secret_id(id)?),
        (None, Some(label)) => Lookup::Label(label.clone()),
        (None, None) => return Err(JujuError::usage("require either a secret URI or label")),
    };
    let info = ctx.secret_info(&lookup)?;
    let xid = info.id.trim_start_matches("secret:").to_string();
    let display = InfoDisplay {
        revision: info.revision,
        label: info.label.unwrap_or_default(),
        owner: match info.owner {
            OwnerKind::Application => "application",
            OwnerKind::Unit => "unit",
            OwnerKind::Model => "model",
        },
        description: info.description,
        rotation: info.rotation.map(crate::backend::hook_tools::rotate_name),
        expiry: info.expires.as_ref().and_then(rfc3339),
        rotates: info.next_rotation.as_ref().and_then(rfc3339),
        access: info
            .access
            .into_iter()
            .map(|a| AccessDisplay {
                target: a.target,
                scope: a.scope,
                role: a.role,
            })
            .collect(),
    };
    let summary = format!("revision {}", display.revision);
    let stdout = format.render(&BTreeMap::from([(xid, display)]))?;
    write_output(cmd.output.as_deref(), stdout, summary)
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct FormatOnly {
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
}

fn secret_ids(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: FormatOnly = parse("secret-ids", args)?;
    let format = Format::choose(
        cmd.format.as_deref(),
        Format::Smart,
        &[Format::Smart, Format::Yaml, Format::Json],
    )?;
    let ids = ctx.secret_ids();
    // Juju marshals a nil slice when there are none: `null` in JSON, nothing in smart.
    let value = (!ids.is_empty()).then_some(&ids);
    let summary = ids.join(", ");
    write_output(cmd.output.as_deref(), format.render(&value)?, summary)
}

// ---- grants and removal ----------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretGrant {
    #[arg(short = 'r', long = "relation")]
    relation: Option<String>,
    #[arg(long)]
    unit: Option<String>,
    id: Option<String>,
}

fn secret_grant(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretGrant = parse("secret-grant", args)?;
    let id = required_id(cmd.id.as_deref())?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    check_names(cmd.unit.as_deref(), None)?;
    ctx.secret_grant(&id, relation, cmd.unit.as_deref())?;
    Ok(Printed::default())
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretRevoke {
    #[arg(short = 'r', long = "relation")]
    relation: Option<String>,
    #[arg(long = "app", visible_alias = "application")]
    app: Option<String>,
    #[arg(long)]
    unit: Option<String>,
    id: Option<String>,
}

fn secret_revoke(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretRevoke = parse("secret-revoke", args)?;
    let id = required_id(cmd.id.as_deref())?;
    check_names(cmd.unit.as_deref(), cmd.app.as_deref())?;
    if cmd.app.is_some() && cmd.unit.is_some() {
        return Err(JujuError::usage("specify only one of application or unit"));
    }
    let relation = relation_flag(ctx, cmd.relation.as_deref())?;
    let grantee = match (relation, cmd.app, cmd.unit) {
        (Some(_), Some(_), _) => {
            return Err(JujuError::usage("do not specify both relation and app"));
        }
        (Some(relation_id), None, Some(unit)) => {
            Grantee::RelationUnit(RelationUnit { relation_id, unit })
        }
        (Some(relation_id), None, None) => Grantee::Relation(relation_id),
        (None, Some(app), _) => Grantee::Application(app),
        (None, None, Some(unit)) => Grantee::Unit(unit),
        (None, None, None) => {
            return Err(JujuError::usage("missing relation or application or unit"));
        }
    };
    ctx.secret_revoke(&id, &grantee)?;
    Ok(Printed::default())
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct SecretRemove {
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    revision: i64,
    id: Option<String>,
}

fn secret_remove(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretRemove = parse("secret-remove", args)?;
    let id = required_id(cmd.id.as_deref())?;
    // Juju: 0 or a negative revision removes the whole secret.
    let revision = u32::try_from(cmd.revision).ok().filter(|r| *r > 0);
    ctx.secret_remove(&id, revision)?;
    Ok(Printed::default())
}

// ---- relations -------------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct RelationIds {
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    endpoint: Option<String>,
}

const LIST_FORMATS: &[Format] = &[Format::Smart, Format::Yaml, Format::Json];

/// The hook's own endpoint, for commands that default to it.
fn hook_endpoint(ctx: &HookContext) -> Option<String> {
    let id = ctx.kind().relation_id()?;
    let app = Model::app_of(&ctx.unit);
    let relation = ctx.model().relations.get(&id)?;
    relation.sides(app).map(|(mine, _)| mine.endpoint.clone())
}

fn relation_ids(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: RelationIds = parse("relation-ids", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let endpoint = match cmd.endpoint {
        Some(e) => e,
        None => hook_endpoint(ctx).ok_or_else(|| JujuError::usage("no endpoint name specified"))?,
    };
    let ids: Vec<String> = ctx
        .relation_ids(&endpoint)
        .into_iter()
        .map(|id| format!("{endpoint}:{id}"))
        .collect();
    let stdout = format.render(&ids)?;
    write_output(cmd.output.as_deref(), stdout, ids.join(", "))
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct RelationList {
    #[arg(short = 'r', long = "relation")]
    relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    app: bool,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
}

fn relation_list(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: RelationList = parse("relation-list", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    let stdout = if cmd.app {
        format.render(&ctx.relation_remote_app(relation)?)?
    } else {
        format.render(&ctx.relation_units(relation)?)?
    };
    write_output(
        cmd.output.as_deref(),
        stdout.clone(),
        stdout.replace('\n', " ").trim().to_string(),
    )
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct RelationGet {
    #[arg(short = 'r', long = "relation")]
    relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    app: bool,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    key: Option<String>,
    unit: Option<String>,
}

fn relation_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: RelationGet = parse("relation-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    let owner = match cmd.unit {
        Some(owner) => owner,
        None if cmd.app => ctx.relation_remote_app(relation)?,
        None => match ctx.kind() {
            HookKind::RelationJoined { remote_unit, .. }
            | HookKind::RelationChanged {
                remote_unit: Some(remote_unit),
                ..
            }
            | HookKind::RelationDeparted { remote_unit, .. } => remote_unit.clone(),
            _ => return Err(JujuError::usage("no unit id specified")),
        },
    };
    let bag = if cmd.app {
        if !is_valid_app_name(&owner) {
            return Err(JujuError::usage(format!("application {owner:?} not valid")));
        }
        Databag::App(owner)
    } else {
        if !is_valid_unit_name(&owner) {
            return Err(JujuError::usage(format!("invalid unit name {owner:?}")));
        }
        Databag::Unit(owner)
    };
    let data = ctx.relation_get(relation, &bag)?;
    let stdout = match cmd.key.as_deref() {
        None | Some("-") => format.render(&data)?,
        Some(key) => format.render(&data.get(key).cloned().unwrap_or_default())?,
    };
    let summary = keys_summary(data.keys());
    write_output(cmd.output.as_deref(), stdout, summary)
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct RelationSet {
    #[arg(short = 'r', long = "relation")]
    relation: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    app: bool,
    #[arg(long)]
    file: Option<String>,
    #[arg(long)]
    format: Option<String>,
    settings: Vec<String>,
}

fn relation_set(ctx: &mut HookContext, args: &[String], stdin: &mut dyn Read) -> ToolResult {
    let cmd: RelationSet = parse("relation-set", args)?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    let mut data: BTreeMap<String, String> = BTreeMap::new();
    if let Some(file) = &cmd.file {
        let text = if file == "-" {
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| JujuError::usage(format!("cannot read settings from stdin: {e}")))?;
            text
        } else {
            std::fs::read_to_string(file)
                .map_err(|e| JujuError::usage(format!("cannot read settings file {file:?}: {e}")))?
        };
        if !text.trim().is_empty() {
            let parsed: BTreeMap<String, Option<String>> = crate::yaml::from_str(&text)
                .map_err(|e| JujuError::usage(format!("cannot parse settings: {e}")))?;
            data.extend(parsed.into_iter().map(|(k, v)| (k, v.unwrap_or_default())));
        }
    }
    for setting in &cmd.settings {
        let (key, value) = setting
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| JujuError::usage(format!("expected \"key=value\", got {setting:?}")))?;
        data.insert(key.to_string(), value.to_string());
    }
    let scope = if cmd.app { Scope::App } else { Scope::Unit };
    let pairs: Vec<(String, String)> = data.into_iter().collect();
    ctx.relation_set(relation, scope, &pairs)?;
    Ok(Printed::default())
}

// ---- leadership, config, logging, status -----------------------------------------------------

fn is_leader(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: FormatOnly = parse("is-leader", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let leader = ctx.is_leader_now();
    write_output(
        cmd.output.as_deref(),
        format.render(&leader)?,
        leader.to_string(),
    )
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct ConfigGet {
    #[arg(short = 'a', long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    all: bool,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    key: Option<String>,
}

fn config_json(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::Text(s) => serde_json::Value::from(s.clone()),
        ConfigValue::Integer(i) => serde_json::Value::from(*i),
        ConfigValue::Float(f) => serde_json::Value::from(*f),
        ConfigValue::Boolean(b) => serde_json::Value::from(*b),
    }
}

fn config_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: ConfigGet = parse("config-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let config = ctx.config();
    let stdout = match &cmd.key {
        Some(key) => format.render(&config.get(key).map(config_json))?,
        None => {
            let map: BTreeMap<&String, serde_json::Value> =
                config.iter().map(|(k, v)| (k, config_json(v))).collect();
            format.render(&map)?
        }
    };
    let summary = keys_summary(config.keys());
    write_output(cmd.output.as_deref(), stdout, summary)
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct JujuLog {
    #[arg(short = 'l', long = "log-level", default_value = "INFO")]
    level: String,
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    debug: bool,
    #[arg(long)]
    format: Option<String>,
    message: Vec<String>,
}

fn juju_log(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: JujuLog = parse("juju-log", args)?;
    if cmd.message.is_empty() {
        return Err(JujuError::usage("no message specified"));
    }
    let level = if cmd.debug {
        "DEBUG".to_string()
    } else {
        match cmd.level.to_ascii_uppercase().as_str() {
            l @ ("TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL") => l.to_string(),
            "WARN" => "WARNING".to_string(),
            _ => "INFO".to_string(),
        }
    };
    ctx.log(&level, &cmd.message.join(" "));
    Ok(Printed::default())
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct StatusSet {
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    application: bool,
    status: Option<String>,
    message: Vec<String>,
}

fn status_set(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StatusSet = parse("status-set", args)?;
    let status = cmd
        .status
        .ok_or_else(|| JujuError::usage("invalid args, require <status> [message] [data]"))?;
    let state = match status.as_str() {
        "maintenance" => State::Maintenance,
        "blocked" => State::Blocked,
        "waiting" => State::Waiting,
        "active" => State::Active,
        other => {
            return Err(JujuError::usage(format!(
                "invalid status {other:?}, expected one of [maintenance blocked waiting active]"
            )));
        }
    };
    ctx.status_set(state, &cmd.message.join(" "), cmd.application)?;
    Ok(Printed::default())
}

#[derive(Parser, Debug)]
#[command(disable_help_flag = true, disable_version_flag = true)]
struct StatusGet {
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    application: bool,
    #[arg(long = "include-data", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    include_data: bool,
    #[arg(long)]
    format: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
}

/// One status as `status-get --include-data` prints it.
#[derive(Serialize)]
struct StatusDisplay {
    message: String,
    status: &'static str,
    #[serde(rename = "status-data")]
    status_data: BTreeMap<String, String>,
}

fn status_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StatusGet = parse("status-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let status = ctx.status_get(cmd.application)?;
    let (state, message) = match &status {
        Some(s) => (
            crate::backend::hook_tools::state_name(s.state),
            s.message.clone(),
        ),
        None => ("unknown", String::new()),
    };
    let stdout = match (cmd.include_data, cmd.application) {
        (false, _) => format.render(&state)?,
        (true, unit_or_app) => {
            let display = StatusDisplay {
                message,
                status: state,
                status_data: BTreeMap::new(),
            };
            if unit_or_app {
                format.render(&BTreeMap::from([("application-status", display)]))?
            } else {
                format.render(&display)?
            }
        }
    };
    write_output(cmd.output.as_deref(), stdout, state.to_string())
}

/// Runs hook command `tool` with `args` (not including the command name) on the hook's
/// context. `stdin` is read only by `relation-set --file -`.
pub fn run(ctx: &mut HookContext, tool: &str, args: &[String], stdin: &mut dyn Read) -> ToolResult {
    match tool {
        "secret-add" => secret_add(ctx, args),
        "secret-set" => secret_set(ctx, args),
        "secret-get" => secret_get(ctx, args),
        "secret-info-get" => secret_info_get(ctx, args),
        "secret-ids" => secret_ids(ctx, args),
        "secret-grant" => secret_grant(ctx, args),
        "secret-revoke" => secret_revoke(ctx, args),
        "secret-remove" => secret_remove(ctx, args),
        "relation-ids" => relation_ids(ctx, args),
        "relation-list" => relation_list(ctx, args),
        "relation-get" => relation_get(ctx, args),
        "relation-set" => relation_set(ctx, args, stdin),
        "is-leader" => is_leader(ctx, args),
        "config-get" => config_get(ctx, args),
        "juju-log" => juju_log(ctx, args),
        "status-set" => status_set(ctx, args),
        "status-get" => status_get(ctx, args),
        other => Err(JujuError::run(format!("unknown hook command {other:?}"))),
    }
}

/// Secret values given on the command line (as goops does): `key=value` arguments of
/// `secret-add` and `secret-set`, except `#file` paths.
fn argv_values(tool: &str, args: &[String]) -> Vec<(String, String)> {
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
