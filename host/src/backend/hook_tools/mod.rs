//! [`Backend`] on Juju's hook commands, as the unit agent puts them on `PATH`.
//!
//! Follows the hook commands' grammar to the letter: `--format=json` for every read, flags in
//! `--flag=value` form (a value can never be mistaken for a flag), secret values only in 0600
//! files, and `ERROR <msg>` on stderr mapped to the contract's typed errors by Juju's texts.

mod files;
mod runner;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use files::{ContentFiles, sweep_leftovers};
pub use runner::{Completed, Invocation, ProcessRunner, Runner, Unfinished, wait_bounded};

use super::{AddOptions, Backend, Grantee, Lookup, ReadMode, SecretInfo, SetOptions};
use crate::bindings::juju::charm::secrets::{
    AccessGrant, AddOwner, Expiry, OwnerKind, RotatePolicy,
};
use crate::bindings::juju::charm::types::Datetime;
use crate::bindings::juju::charm::{config, logging, relations, status};
use crate::error::HostError;
use crate::juju::{SecretContent, SecretId};

/// The production backend, for one hook.
pub struct HookToolBackend<R: Runner = ProcessRunner> {
    runner: R,
    /// The configuration, read once: Juju's hook context also reads it once per hook, so
    /// every `config-get` in a hook answers the same and a second one would only cost time.
    config: Option<Vec<(String, config::Value)>>,
}

/// The longest single argument Linux passes to a command (`MAX_ARG_STRLEN`, with its NUL).
const MAX_ARG: usize = (128 << 10) - 1;

impl HookToolBackend<ProcessRunner> {
    /// Runs the hook commands on `PATH`, killing any that takes longer than `command_timeout`.
    pub fn new(command_timeout: Duration) -> Self {
        HookToolBackend::with_runner(ProcessRunner::new(command_timeout))
    }
}

impl<R: Runner> HookToolBackend<R> {
    /// A backend on another runner: tests record invocations instead of running them.
    pub fn with_runner(runner: R) -> Self {
        HookToolBackend {
            runner,
            config: None,
        }
    }

    /// The runner, for tests to inspect what was run.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Runs a command; a non-zero exit becomes the typed error its stderr describes.
    fn call(&mut self, tool: &'static str, args: Vec<String>) -> Result<String, HostError> {
        self.call_with_stdin(tool, args, None)
    }

    fn call_with_stdin(
        &mut self,
        tool: &'static str,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
    ) -> Result<String, HostError> {
        // Linux refuses to start a command with a longer argument: the charm's mistake, told
        // to it as one, rather than a failed spawn that ends the hook.
        if let Some(long) = args.iter().find(|a| a.len() > MAX_ARG) {
            return Err(HostError::InvalidArgument(format!(
                "an argument to `{tool}` of {} bytes is longer than a command line takes ({MAX_ARG} at most)",
                long.len()
            )));
        }
        let done = self.runner.run(&Invocation { tool, args, stdin })?;
        if done.code == 0 {
            Ok(done.stdout)
        } else {
            Err(error_from_stderr(tool, done.code, &done.stderr))
        }
    }

    fn call_json<T: DeserializeOwned>(
        &mut self,
        tool: &'static str,
        args: Vec<String>,
    ) -> Result<T, HostError> {
        let stdout = self.call(tool, args)?;
        parse_json(tool, &stdout)
    }
}

/// Maps a failed hook command to the contract's error, by Juju's message texts (as ops does)
/// and by exit status: 2 is Juju's "bad arguments", 1 a refusal at run time.
pub fn error_from_stderr(tool: &str, code: i32, stderr: &str) -> HostError {
    // Juju's message is the `ERROR ` line; otherwise the last thing the command said. Either
    // way one line, with control characters neutralised, so it is safe to show anywhere.
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("ERROR "))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or_default();
    let msg: String = line.trim().chars().map(crate::runtime::neutral).collect();
    let line = msg.trim();
    if line.is_empty() {
        return HostError::Backend(format!("{tool} exited with status {code}"));
    }
    let msg = line.to_string();
    let lower = line.to_ascii_lowercase();
    if lower.contains("not found") {
        HostError::NotFound(msg)
    } else if lower.contains("permission denied") || lower.contains("access denied") {
        HostError::PermissionDenied(msg)
    } else if lower.contains("not the leader") || lower.contains("only unit leaders") {
        HostError::NotLeader(msg)
    } else if lower.contains("label") && lower.contains("already exists") {
        HostError::LabelConflict(msg)
    } else if lower.contains("too large")
        || lower.starts_with("key ")
        || lower.contains("secret value")
    {
        HostError::InvalidContent(msg)
    } else if code == 2 {
        HostError::InvalidArgument(msg)
    } else {
        HostError::Backend(format!("{tool}: {msg}"))
    }
}

fn parse_json<T: DeserializeOwned>(tool: &str, stdout: &str) -> Result<T, HostError> {
    serde_json::from_str(stdout).map_err(|e| {
        HostError::Fatal(format!(
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

/// A rotate policy as Juju's `--rotate` spells it.
pub fn rotate_name(policy: RotatePolicy) -> &'static str {
    match policy {
        RotatePolicy::Never => "never",
        RotatePolicy::Hourly => "hourly",
        RotatePolicy::Daily => "daily",
        RotatePolicy::Weekly => "weekly",
        RotatePolicy::Monthly => "monthly",
        RotatePolicy::Quarterly => "quarterly",
        RotatePolicy::Yearly => "yearly",
    }
}

pub(crate) fn parse_rotate(name: &str) -> Option<RotatePolicy> {
    Some(match name {
        "never" => RotatePolicy::Never,
        "hourly" => RotatePolicy::Hourly,
        "daily" => RotatePolicy::Daily,
        "weekly" => RotatePolicy::Weekly,
        "monthly" => RotatePolicy::Monthly,
        "quarterly" => RotatePolicy::Quarterly,
        "yearly" => RotatePolicy::Yearly,
        _ => return None,
    })
}

/// A log level as `juju-log --log-level` spells it.
pub fn level_name(level: logging::Level) -> &'static str {
    match level {
        logging::Level::Trace => "TRACE",
        logging::Level::Debug => "DEBUG",
        logging::Level::Info => "INFO",
        logging::Level::Warning => "WARNING",
        logging::Level::Error => "ERROR",
    }
}

/// A workload status as `status-set` spells it.
pub fn state_name(state: status::State) -> &'static str {
    match state {
        status::State::Active => "active",
        status::State::Blocked => "blocked",
        status::State::Maintenance => "maintenance",
        status::State::Waiting => "waiting",
    }
}

/// The `--expire` value: RFC 3339 UTC (`...Z`) for a moment, a Go duration for a delay.
pub fn expire_arg(expiry: &Expiry) -> Result<String, HostError> {
    match expiry {
        Expiry::At(at) => {
            let t =
                DateTime::<Utc>::from_timestamp(at.seconds, at.nanoseconds).ok_or_else(|| {
                    HostError::InvalidArgument(format!("expire time {} not valid", at.seconds))
                })?;
            Ok(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        Expiry::AfterSeconds(0) => Err(HostError::InvalidArgument(
            "negative expire duration \"0s\" not valid".into(),
        )),
        Expiry::AfterSeconds(s) => Ok(format!("{s}s")),
    }
}

fn datetime(t: DateTime<Utc>) -> Datetime {
    Datetime {
        seconds: t.timestamp(),
        nanoseconds: t.timestamp_subsec_nanos(),
    }
}

/// The metadata flags of `secret-add` and `secret-set`, appended to `args`.
fn metadata_args(
    args: &mut Vec<String>,
    label: &Option<String>,
    description: &Option<String>,
    expire: &Option<Expiry>,
    rotate: &Option<RotatePolicy>,
) -> Result<(), HostError> {
    if let Some(label) = label {
        args.push(format!("--label={label}"));
    }
    if let Some(description) = description {
        args.push(format!("--description={description}"));
    }
    if let Some(expire) = expire {
        args.push(format!("--expire={}", expire_arg(expire)?));
    }
    if let Some(rotate) = rotate {
        args.push(format!("--rotate={}", rotate_name(*rotate)));
    }
    Ok(())
}

/// `secret-add`'s flags, before its content arguments (shared with the mock's trace).
pub(crate) fn add_flags(options: &AddOptions) -> Result<Vec<String>, HostError> {
    let owner = match options.owner {
        AddOwner::Application => "application",
        AddOwner::Unit => "unit",
    };
    let mut args = vec![format!("--owner={owner}")];
    metadata_args(
        &mut args,
        &options.label,
        &options.description,
        &options.expire,
        &options.rotate,
    )?;
    Ok(args)
}

/// `secret-set`'s id and flags, before its content arguments (shared with the mock's trace).
pub(crate) fn set_flags(id: &SecretId, options: &SetOptions) -> Result<Vec<String>, HostError> {
    let mut args = vec![id.as_str().to_string()];
    metadata_args(
        &mut args,
        &options.label,
        &options.description,
        &options.expire,
        &options.rotate,
    )?;
    Ok(args)
}

/// The id argument or `--label=` flag naming a secret, appended to `args`.
pub(crate) fn lookup_args(args: &mut Vec<String>, lookup: &Lookup) {
    match lookup {
        Lookup::Id(id) => args.push(id.as_str().to_string()),
        Lookup::Label(label) => args.push(format!("--label={label}")),
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
pub fn parse_secret_info(stdout: &str) -> Result<SecretInfo, HostError> {
    let tool = "secret-info-get";
    let map: BTreeMap<String, InfoEntry> = parse_json(tool, stdout)?;
    let mut entries = map.into_iter();
    let (Some((xid, entry)), None) = (entries.next(), entries.next()) else {
        return Err(HostError::Fatal(format!(
            "hook command `{tool}` printed output this host cannot parse: expected exactly one secret"
        )));
    };
    let id = SecretId::parse(&xid).map_err(|_| {
        HostError::Fatal(format!(
            "hook command `{tool}` printed a secret id that is not valid"
        ))
    })?;
    let owner = match entry.owner.as_str() {
        "application" => OwnerKind::Application,
        "unit" => OwnerKind::Unit,
        "model" => OwnerKind::Model,
        other => {
            return Err(HostError::Fatal(format!(
                "hook command `{tool}` printed an unknown owner {other:?}"
            )));
        }
    };
    let rotation = match entry.rotation.as_deref() {
        None | Some("") => None,
        Some(name) => Some(parse_rotate(name).ok_or_else(|| {
            HostError::Fatal(format!(
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
pub fn parse_relation_ids(stdout: &str) -> Result<Vec<u32>, HostError> {
    let tool = "relation-ids";
    let ids: Option<Vec<String>> = parse_json(tool, stdout)?;
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            let n = id.rsplit(':').next().unwrap_or(id);
            n.parse().map_err(|_| {
                HostError::Fatal(format!(
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

fn relation_arg(relation_id: u32) -> String {
    format!("--relation={relation_id}")
}

impl<R: Runner> Backend for HookToolBackend<R> {
    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.runner.set_deadline(deadline);
    }

    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        let files = ContentFiles::write(content)?;
        let mut args = add_flags(options)?;
        args.extend(files.args().iter().cloned());
        let stdout = self.call("secret-add", args)?;
        drop(files);
        let id = stdout.trim_end_matches(['\n', '\r']);
        SecretId::parse(id).map_err(|_| {
            HostError::Fatal(
                "hook command `secret-add` printed a secret id that is not valid".into(),
            )
        })?;
        Ok(id.to_string())
    }

    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError> {
        let mut args = vec!["--format=json".to_string()];
        lookup_args(&mut args, lookup);
        if let Some(label) = attach_label {
            args.push(format!("--label={label}"));
        }
        match mode {
            ReadMode::Tracked => {}
            ReadMode::Peek => args.push("--peek".into()),
            ReadMode::Refresh => args.push("--refresh".into()),
        }
        let stdout = self.call("secret-get", args)?;
        // A generic message on failure: serde's own text could quote a secret value.
        let map: BTreeMap<String, String> = serde_json::from_str(&stdout).map_err(|_| {
            HostError::Fatal(
                "hook command `secret-get` printed output this host cannot parse: expected a JSON object of strings".into(),
            )
        })?;
        Ok(SecretContent::from_juju(map))
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        let mut args = vec!["--format=json".to_string()];
        lookup_args(&mut args, lookup);
        let stdout = self.call("secret-info-get", args)?;
        parse_secret_info(&stdout)
    }

    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError> {
        let files = content.map(ContentFiles::write).transpose()?;
        let mut args = set_flags(id, options)?;
        if let Some(files) = &files {
            args.extend(files.args().iter().cloned());
        }
        self.call("secret-set", args)?;
        Ok(())
    }

    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError> {
        let mut args = vec![id.as_str().to_string(), relation_arg(relation_id)];
        if let Some(unit) = unit {
            args.push(format!("--unit={unit}"));
        }
        self.call("secret-grant", args)?;
        Ok(())
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        let mut args = vec![id.as_str().to_string()];
        match grantee {
            Grantee::Relation(relation_id) => args.push(relation_arg(*relation_id)),
            Grantee::RelationUnit(ru) => {
                args.push(relation_arg(ru.relation_id));
                args.push(format!("--unit={}", ru.unit));
            }
            Grantee::Application(app) => args.push(format!("--app={app}")),
            Grantee::Unit(unit) => args.push(format!("--unit={unit}")),
        }
        self.call("secret-revoke", args)?;
        Ok(())
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        let mut args = vec![id.as_str().to_string()];
        if let Some(revision) = revision {
            args.push(format!("--revision={revision}"));
        }
        self.call("secret-remove", args)?;
        Ok(())
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        let ids: Option<Vec<String>> =
            self.call_json("secret-ids", vec!["--format=json".into()])?;
        Ok(ids.unwrap_or_default())
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.call_json("is-leader", vec!["--format=json".into()])
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        let stdout = self.call(
            "relation-ids",
            vec!["--format=json".into(), endpoint.to_string()],
        )?;
        parse_relation_ids(&stdout)
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        let units: Option<Vec<String>> = self.call_json(
            "relation-list",
            vec!["--format=json".into(), relation_arg(relation_id)],
        )?;
        Ok(units.unwrap_or_default())
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.call_json(
            "relation-list",
            vec![
                "--format=json".into(),
                relation_arg(relation_id),
                "--app".into(),
            ],
        )
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &relations::Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        let mut args = vec!["--format=json".into(), relation_arg(relation_id)];
        let owner = match bag {
            relations::Databag::Unit(unit) => unit,
            relations::Databag::App(app) => {
                args.push("--app".into());
                app
            }
        };
        args.push("-".into());
        args.push(owner.clone());
        let data: Option<BTreeMap<String, String>> = self.call_json("relation-get", args)?;
        Ok(data.unwrap_or_default().into_iter().collect())
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: relations::Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        let mut args = vec![relation_arg(relation_id)];
        if scope == relations::Scope::App {
            args.push("--app".into());
        }
        args.push("--file=-".into());
        let map: BTreeMap<&str, &str> =
            data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let yaml = serde_json::to_vec(&map)
            .map_err(|e| HostError::Fatal(format!("cannot encode relation data: {e}")))?;
        self.call_with_stdin("relation-set", args, Some(yaml))?;
        Ok(())
    }

    fn config_get(&mut self) -> Result<Vec<(String, config::Value)>, HostError> {
        if let Some(config) = &self.config {
            return Ok(config.clone());
        }
        let map: Option<BTreeMap<String, Option<JsonConfigValue>>> =
            self.call_json("config-get", vec!["--format=json".into()])?;
        let config: Vec<_> = map
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| {
                let v = match v? {
                    JsonConfigValue::Bool(b) => config::Value::Boolean(b),
                    JsonConfigValue::Int(i) => config::Value::Integer(i),
                    JsonConfigValue::Float(f) => config::Value::Float(f),
                    JsonConfigValue::Text(s) => config::Value::Text(s),
                };
                Some((k, v))
            })
            .collect();
        self.config = Some(config.clone());
        Ok(config)
    }

    fn log(&mut self, level: logging::Level, message: &str) -> Result<(), HostError> {
        let level = match level {
            logging::Level::Trace => "TRACE",
            logging::Level::Debug => "DEBUG",
            logging::Level::Info => "INFO",
            logging::Level::Warning => "WARNING",
            logging::Level::Error => "ERROR",
        };
        // One argument may hold 128 KiB at most (Linux): a longer message goes in numbered
        // pieces rather than failing the hook.
        let pieces = crate::backend::pieces(message, crate::backend::LOG_PIECE);
        let total = pieces.len();
        for (n, piece) in pieces.into_iter().enumerate() {
            let piece = if total == 1 {
                piece.to_string()
            } else {
                format!("({} of {total}) {piece}", n + 1)
            };
            self.call(
                "juju-log",
                vec![format!("--log-level={level}"), "--".into(), piece],
            )?;
        }
        Ok(())
    }

    fn status_set(
        &mut self,
        state: status::State,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        let state = state_name(state);
        let mut args = Vec::new();
        if application {
            args.push("--application".into());
        }
        args.extend(["--".into(), state.to_string(), message.to_string()]);
        self.call("status-set", args)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
