//! The command lines the host runs, one builder per hook command. Flags are always in
//! `--flag=value` form (a value can never be mistaken for a flag), reads ask for
//! `--format=json`, and no secret value is ever an argument: content travels in files.
//! The mock's trace shows the same arguments, so what a scenario prints is what production
//! would run.

use chrono::{DateTime, Utc};
use juju_rules::SecretId;

use crate::{
    AddOptions, AddOwner, CommandError, Databag, Expiry, Grantee, LogLevel, Lookup, ReadMode,
    RotatePolicy, Scope, WorkloadState,
};

/// What every read asks for: the one output the host parses.
pub const JSON: &str = "--format=json";

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

/// A rotate policy from Juju's spelling (`--rotate`, `secret-info-get`'s `rotation`).
pub fn parse_rotate(name: &str) -> Option<RotatePolicy> {
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
pub fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "TRACE",
        LogLevel::Debug => "DEBUG",
        LogLevel::Info => "INFO",
        LogLevel::Warning => "WARNING",
        LogLevel::Error => "ERROR",
    }
}

/// A workload status as `status-set` spells it.
pub fn state_name(state: WorkloadState) -> &'static str {
    match state {
        WorkloadState::Active => "active",
        WorkloadState::Blocked => "blocked",
        WorkloadState::Maintenance => "maintenance",
        WorkloadState::Waiting => "waiting",
    }
}

/// The `--expire` value: RFC 3339 UTC (`...Z`) for a moment, a Go duration for a delay.
pub fn expire_arg(expiry: &Expiry) -> Result<String, CommandError> {
    match expiry {
        Expiry::At(at) => {
            let t =
                DateTime::<Utc>::from_timestamp(at.seconds, at.nanoseconds).ok_or_else(|| {
                    CommandError::InvalidArgument(format!("expire time {} not valid", at.seconds))
                })?;
            Ok(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        Expiry::AfterSeconds(0) => Err(CommandError::InvalidArgument(
            "negative expire duration \"0s\" not valid".into(),
        )),
        Expiry::AfterSeconds(s) => Ok(format!("{s}s")),
    }
}

/// The metadata flags of `secret-add` and `secret-set`, appended to `args`.
fn metadata_args(
    args: &mut Vec<String>,
    label: &Option<String>,
    description: &Option<String>,
    expire: &Option<Expiry>,
    rotate: &Option<RotatePolicy>,
) -> Result<(), CommandError> {
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

/// `secret-add`'s flags, before its content arguments.
pub fn secret_add(options: &AddOptions) -> Result<Vec<String>, CommandError> {
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

/// `secret-set`'s id and flags, before its content arguments.
pub fn secret_set(id: &SecretId, options: &crate::SetOptions) -> Result<Vec<String>, CommandError> {
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
fn lookup_args(args: &mut Vec<String>, lookup: &Lookup) {
    match lookup {
        Lookup::Id(id) => args.push(id.as_str().to_string()),
        Lookup::Label(label) => args.push(format!("--label={label}")),
    }
}

/// `secret-get`: the whole content, as JSON.
pub fn secret_get(lookup: &Lookup, mode: ReadMode, attach_label: Option<&str>) -> Vec<String> {
    let mut args = vec![JSON.to_string()];
    lookup_args(&mut args, lookup);
    if let Some(label) = attach_label {
        args.push(format!("--label={label}"));
    }
    match mode {
        ReadMode::Tracked => {}
        ReadMode::Peek => args.push("--peek".into()),
        ReadMode::Refresh => args.push("--refresh".into()),
    }
    args
}

/// `secret-info-get`.
pub fn secret_info_get(lookup: &Lookup) -> Vec<String> {
    let mut args = vec![JSON.to_string()];
    lookup_args(&mut args, lookup);
    args
}

/// `-r`/`--relation` with a relation id.
fn relation_arg(relation_id: u32) -> String {
    format!("--relation={relation_id}")
}

/// `secret-grant`.
pub fn secret_grant(id: &SecretId, relation_id: u32, unit: Option<&str>) -> Vec<String> {
    let mut args = vec![id.as_str().to_string(), relation_arg(relation_id)];
    if let Some(unit) = unit {
        args.push(format!("--unit={unit}"));
    }
    args
}

/// `secret-revoke`.
pub fn secret_revoke(id: &SecretId, grantee: &Grantee) -> Vec<String> {
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
    args
}

/// `secret-remove`; no revision removes them all.
pub fn secret_remove(id: &SecretId, revision: Option<u32>) -> Vec<String> {
    let mut args = vec![id.as_str().to_string()];
    if let Some(revision) = revision {
        args.push(format!("--revision={revision}"));
    }
    args
}

/// `secret-ids`, `is-leader`, `config-get`: nothing but the format.
pub fn json_only() -> Vec<String> {
    vec![JSON.to_string()]
}

/// `relation-ids <endpoint>`.
pub fn relation_ids(endpoint: &str) -> Vec<String> {
    vec![JSON.to_string(), endpoint.to_string()]
}

/// `relation-list -r <id>`, with `--app` for the remote application instead of its units.
pub fn relation_list(relation_id: u32, app: bool) -> Vec<String> {
    let mut args = vec![JSON.to_string(), relation_arg(relation_id)];
    if app {
        args.push("--app".into());
    }
    args
}

/// `relation-get -r <id> [--app] - <unit-or-app>`: the whole databag.
pub fn relation_get(relation_id: u32, bag: &Databag) -> Vec<String> {
    let mut args = vec![JSON.to_string(), relation_arg(relation_id)];
    let owner = match bag {
        Databag::Unit(unit) => unit,
        Databag::App(app) => {
            args.push("--app".into());
            app
        }
    };
    args.push("-".into());
    args.push(owner.clone());
    args
}

/// `relation-set -r <id> [--app] --file=-`: the data goes on stdin
/// ([`settings_input`]), where no value can be taken for a flag.
pub fn relation_set(relation_id: u32, scope: Scope) -> Vec<String> {
    let mut args = vec![relation_arg(relation_id)];
    if scope == Scope::App {
        args.push("--app".into());
    }
    args.push("--file=-".into());
    args
}

/// The `--file=-` input of `relation-set` and `state-set`: a map (JSON is YAML). For
/// `relation-set` an empty value deletes the key.
pub fn settings_input(data: &[(String, String)]) -> Vec<u8> {
    let map: std::collections::BTreeMap<&str, &str> =
        data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    serde_json::to_vec(&map).expect("a map of strings serialises")
}

/// `juju-log --log-level=<level> -- <message>`.
pub fn juju_log(level: LogLevel, message: &str) -> Vec<String> {
    vec![
        format!("--log-level={}", level_name(level)),
        "--".into(),
        message.to_string(),
    ]
}

/// `status-set [--application] -- <state> <message>`.
pub fn status_set(state: WorkloadState, message: &str, application: bool) -> Vec<String> {
    let mut args = Vec::new();
    if application {
        args.push("--application".into());
    }
    args.extend([
        "--".into(),
        state_name(state).to_string(),
        message.to_string(),
    ]);
    args
}

/// `action-get --format=json`: every parameter.
pub fn action_get() -> Vec<String> {
    json_only()
}

/// `action-set <key>=<value>...`: keys already checked (they start with a letter or digit,
/// so none is taken for a flag). Juju takes results only on the command line.
pub fn action_set(results: &[(String, String)]) -> Vec<String> {
    results.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// `action-log -- <message>` and `action-fail -- <message>`: after `--`, a message is never
/// taken for a flag.
pub fn action_message(message: &str) -> Vec<String> {
    vec!["--".into(), message.to_string()]
}

/// `state-get --format=json`: every key; with `key`, `--strict -- <key>` (a missing key is an
/// error rather than an empty value).
pub fn state_get(key: Option<&str>) -> Vec<String> {
    let mut args = json_only();
    if let Some(key) = key {
        args.extend(["--strict".into(), "--".into(), key.to_string()]);
    }
    args
}

/// `state-set --file=-`: the values go on stdin ([`settings_input`]), never on the
/// command line, since unit state may hold secrets.
pub fn state_set() -> Vec<String> {
    vec!["--file=-".into()]
}

/// `state-delete -- <key>`.
pub fn state_delete(key: &str) -> Vec<String> {
    vec!["--".into(), key.to_string()]
}

/// `open-port`/`close-port [--endpoints a,b] <range>`: endpoint names are already checked
/// (no `,`), a range never starts with `-`.
pub fn port_change(range: &crate::ports::PortRange, endpoints: &[String]) -> Vec<String> {
    let mut args = Vec::new();
    if !endpoints.is_empty() {
        args.push(format!("--endpoints={}", endpoints.join(",")));
    }
    args.push(range.to_string());
    args
}

/// `opened-ports --endpoints --format=json`.
pub fn opened_ports() -> Vec<String> {
    let mut args = vec!["--endpoints".into()];
    args.extend(json_only());
    args
}

/// `network-get --format=json [-r <id>] -- <binding>`.
pub fn network_get(binding: &str, relation_id: Option<u32>) -> Vec<String> {
    let mut args = json_only();
    if let Some(id) = relation_id {
        args.push(relation_arg(id));
    }
    args.extend(["--".into(), binding.to_string()]);
    args
}

/// `status-get --include-data --format=json --application=<bool>`.
pub fn status_get(application: bool) -> Vec<String> {
    let mut args = vec!["--include-data".to_string()];
    args.extend(json_only());
    args.push(format!("--application={application}"));
    args
}

/// `application-version-set -- <version>`.
pub fn application_version_set(version: &str) -> Vec<String> {
    vec!["--".into(), version.to_string()]
}

/// `storage-get --format=json -s <id>`.
pub fn storage_get(id: &str) -> Vec<String> {
    let mut args = json_only();
    args.extend(["-s".into(), id.to_string()]);
    args
}

/// `storage-list --format=json -- <name>`.
pub fn storage_list(name: &str) -> Vec<String> {
    let mut args = json_only();
    args.extend(["--".into(), name.to_string()]);
    args
}

/// `storage-add -- <name>=<count>`.
pub fn storage_add(name: &str, count: u32) -> Vec<String> {
    vec!["--".into(), format!("{name}={count}")]
}

/// `goal-state --format=json`.
pub fn goal_state() -> Vec<String> {
    json_only()
}

/// Arguments as a trace shows them: without the output format, which only the host's parser
/// cares about.
pub fn shown(args: &[String]) -> String {
    args.iter()
        .filter(|a| *a != JSON)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}
