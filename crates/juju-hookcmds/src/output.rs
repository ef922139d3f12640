//! What the host makes of a hook command's output (`--format=json`). Juju never prints what
//! these refuse, so a refusal means the host cannot trust its environment
//! ([`CommandError::Unusable`]); no message quotes what was printed, which may be a secret.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use juju_rules::{SecretContent, SecretId};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::args::parse_rotate;
use crate::{AccessGrant, CommandError, ConfigValue, Datetime, OwnerKind, SecretInfo};

/// Parses JSON a command printed, naming only the kind of mistake.
pub fn parse_json<T: DeserializeOwned>(tool: &str, stdout: &str) -> Result<T, CommandError> {
    serde_json::from_str(stdout).map_err(|e| {
        CommandError::Unusable(format!(
            "hook command `{tool}` printed output this host cannot parse (line {}, column {}): {}",
            e.line(),
            e.column(),
            // serde's own text may quote the input; describe only the kind of mistake.
            match e.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "not valid JSON",
                serde_json::error::Category::Data => "unexpected JSON shape",
                serde_json::error::Category::Eof => "truncated JSON",
            }
        ))
    })
}

/// `secret-add`'s output: the new id, as Juju printed it.
pub fn parse_secret_add(stdout: &str) -> Result<String, CommandError> {
    let id = stdout.trim_end_matches(['\n', '\r']);
    SecretId::parse(id).map_err(|_| {
        CommandError::Unusable(
            "hook command `secret-add` printed a secret id that is not valid".into(),
        )
    })?;
    Ok(id.to_string())
}

/// `secret-get --format=json`: the content.
pub fn parse_secret_get(stdout: &str) -> Result<SecretContent, CommandError> {
    // A generic message on failure: serde's own text could quote a secret value.
    let map: BTreeMap<String, String> = serde_json::from_str(stdout).map_err(|_| {
        CommandError::Unusable(
            "hook command `secret-get` printed output this host cannot parse: expected a JSON object of strings".into(),
        )
    })?;
    Ok(SecretContent::from_juju(map))
}

fn datetime(t: DateTime<Utc>) -> Datetime {
    Datetime {
        seconds: t.timestamp(),
        nanoseconds: t.timestamp_subsec_nanos(),
    }
}

/// One entry of `secret-info-get --format=json`; `grants` is the older name of `access`.
#[derive(Deserialize)]
struct InfoEntry {
    revision: u32,
    #[serde(default)]
    label: String,
    owner: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    expiry: Option<DateTime<Utc>>,
    #[serde(default)]
    rotates: Option<DateTime<Utc>>,
    #[serde(default, alias = "grants")]
    access: Vec<AccessEntry>,
}

#[derive(Deserialize)]
struct AccessEntry {
    target: String,
    scope: String,
    role: String,
}

/// Parses `secret-info-get --format=json`: a single-entry map keyed by the bare xid.
pub fn parse_secret_info(stdout: &str) -> Result<SecretInfo, CommandError> {
    let tool = "secret-info-get";
    let map: BTreeMap<String, InfoEntry> = parse_json(tool, stdout)?;
    let mut entries = map.into_iter();
    let (Some((xid, entry)), None) = (entries.next(), entries.next()) else {
        return Err(CommandError::Unusable(format!(
            "hook command `{tool}` printed output this host cannot parse: expected exactly one secret"
        )));
    };
    let id = SecretId::parse(&xid).map_err(|_| {
        CommandError::Unusable(format!(
            "hook command `{tool}` printed a secret id that is not valid"
        ))
    })?;
    let owner = match entry.owner.as_str() {
        "application" => OwnerKind::Application,
        "unit" => OwnerKind::Unit,
        "model" => OwnerKind::Model,
        other => {
            return Err(CommandError::Unusable(format!(
                "hook command `{tool}` printed an unknown owner {other:?}"
            )));
        }
    };
    let rotation = match entry.rotation.as_deref() {
        None | Some("") => None,
        Some(name) => Some(parse_rotate(name).ok_or_else(|| {
            CommandError::Unusable(format!(
                "hook command `{tool}` printed an unknown rotation policy {name:?}"
            ))
        })?),
    };
    Ok(SecretInfo {
        id: id.canonical(),
        label: Some(entry.label).filter(|l| !l.is_empty()),
        revision: entry.revision,
        owner,
        description: entry.description.filter(|d| !d.is_empty()),
        expires: entry.expiry.map(datetime),
        rotation,
        next_rotation: entry.rotates.map(datetime),
        access: entry
            .access
            .into_iter()
            .map(|a| AccessGrant {
                target: a.target,
                scope: a.scope,
                role: a.role,
            })
            .collect(),
    })
}

/// Parses `relation-ids --format=json`: `["database:1", ...]`.
pub fn parse_relation_ids(stdout: &str) -> Result<Vec<u32>, CommandError> {
    let tool = "relation-ids";
    let ids: Option<Vec<String>> = parse_json(tool, stdout)?;
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            let n = id.rsplit(':').next().unwrap_or(id);
            n.parse().map_err(|_| {
                CommandError::Unusable(format!(
                    "hook command `{tool}` printed a relation id that is not valid: {id:?}"
                ))
            })
        })
        .collect()
}

/// A `config-get` value as JSON carries it.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonConfigValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// Parses `config-get --format=json`; options without a value are left out.
pub fn parse_config(stdout: &str) -> Result<Vec<(String, ConfigValue)>, CommandError> {
    let map: Option<BTreeMap<String, Option<JsonConfigValue>>> = parse_json("config-get", stdout)?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| {
            let v = match v? {
                JsonConfigValue::Bool(b) => ConfigValue::Boolean(b),
                JsonConfigValue::Int(i) => ConfigValue::Integer(i),
                JsonConfigValue::Float(f) => ConfigValue::Float(f),
                JsonConfigValue::Text(s) => ConfigValue::Text(s),
            };
            Some((k, v))
        })
        .collect())
}

/// Parses `opened-ports --endpoints --format=json`: `["80/tcp (*)", "10-20/udp (a, b)"]`.
pub fn parse_opened_ports(stdout: &str) -> Result<Vec<crate::ports::OpenedPort>, CommandError> {
    let tool = "opened-ports";
    let lines: Option<Vec<String>> = parse_json(tool, stdout)?;
    lines
        .unwrap_or_default()
        .iter()
        .map(|line| {
            crate::ports::OpenedPort::parse_line(line).map_err(|_| {
                CommandError::Unusable(format!(
                    "hook command `{tool}` printed a port range that is not valid: {line:?}"
                ))
            })
        })
        .collect()
}

/// Parses `status-get --application=true --include-data --format=json`, whose units Juju
/// nests inside `application-status`.
pub fn parse_application_status(stdout: &str) -> Result<crate::ApplicationStatus, CommandError> {
    #[derive(Deserialize)]
    struct Wrapped {
        #[serde(rename = "application-status")]
        application_status: crate::ApplicationStatus,
    }
    let wrapped: Wrapped = parse_json("status-get", stdout)?;
    Ok(wrapped.application_status)
}

/// Parses `storage-list --format=json`.
pub fn parse_storage_list(stdout: &str) -> Result<Vec<String>, CommandError> {
    let ids: Option<Vec<String>> = parse_json("storage-list", stdout)?;
    Ok(ids.unwrap_or_default())
}
