//! Juju's hook commands as the simulator answers them: each parses its command line with the
//! grammar of `juju-hookcmds` (flags, formats, exit codes and `ERROR` texts; see
//! `docs/juju-reference.md`), then acts on the hook's [`HookContext`]: the same rules the
//! in-process mock uses.

use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine as _;
use juju_hookcmds::args::rotate_name;
use juju_hookcmds::cli::{
    AccessDisplay, ActionGet, ConfigGet, FormatOnly, InfoDisplay, JujuLog, LIST_FORMATS,
    Positional, RelationGet, RelationIds, RelationList, RelationSet, SecretAdd, SecretGet,
    SecretGrant, SecretInfoGet, SecretRemove, SecretRevoke, SecretSet, StateGet, StateSet,
    StatusSet, action_result, check_names, config_json, key_values, log_level, metadata, parse,
    parse_state, required_id, rfc3339, secret_id, upsert_content,
};
use juju_hookcmds::format::{Format, sorted};
use juju_hookcmds::{
    AddOptions, Databag, Grantee, JujuError, Lookup, OwnerKind, ReadMode, RelationUnit, Scope,
    SetOptions,
};
use juju_rules::names::{is_valid_app_name, is_valid_unit_name};

use super::unit_tools;
use crate::model::{HookContext, HookKind, Model, keys_summary};

pub use juju_hookcmds::cli::{TOOLS, shown_args, shown_error};

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

pub(super) fn printed(stdout: String) -> Printed {
    let summary = stdout
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect();
    Printed { stdout, summary }
}

/// The `-r/--relation` value: `<id>` or `<endpoint>:<id>` (only the part after the last `:`
/// counts), resolved to a relation of this unit's application.
pub(super) fn relation_flag(
    ctx: &HookContext,
    raw: Option<&str>,
) -> Result<Option<u32>, JujuError> {
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
pub(super) fn write_output(output: Option<&str>, stdout: String, summary: String) -> ToolResult {
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
        rotation: info.rotation.map(rotate_name),
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

fn secret_grant(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretGrant = parse("secret-grant", args)?;
    let id = required_id(cmd.id.as_deref())?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    check_names(cmd.unit.as_deref(), None)?;
    ctx.secret_grant(&id, relation, cmd.unit.as_deref())?;
    Ok(Printed::default())
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

fn secret_remove(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: SecretRemove = parse("secret-remove", args)?;
    let id = required_id(cmd.id.as_deref())?;
    // Juju: 0 or a negative revision removes the whole secret.
    let revision = u32::try_from(cmd.revision).ok().filter(|r| *r > 0);
    ctx.secret_remove(&id, revision)?;
    Ok(Printed::default())
}

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

fn relation_set(ctx: &mut HookContext, args: &[String], stdin: &mut dyn Read) -> ToolResult {
    let cmd: RelationSet = parse("relation-set", args)?;
    let relation = required_relation(ctx, cmd.relation.as_deref())?;
    let mut data = match &cmd.file {
        Some(file) => settings_file(file, stdin)?,
        None => BTreeMap::new(),
    };
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

fn juju_log(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: JujuLog = parse("juju-log", args)?;
    if cmd.message.is_empty() {
        return Err(JujuError::usage("no message specified"));
    }
    let level = log_level(&cmd);
    ctx.log(&level, &cmd.message.join(" "));
    Ok(Printed::default())
}

fn status_set(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StatusSet = parse("status-set", args)?;
    let status = cmd
        .status
        .ok_or_else(|| JujuError::usage("invalid args, require <status> [message] [data]"))?;
    let state = parse_state(&status)?;
    ctx.status_set(state, &cmd.message.join(" "), cmd.application)?;
    Ok(Printed::default())
}

// ---- actions and unit state --------------------------------------------------------------------

/// Reads `--file`'s settings: a YAML map, from stdin when the path is `-`.
fn settings_file(file: &str, stdin: &mut dyn Read) -> Result<BTreeMap<String, String>, JujuError> {
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
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let parsed: BTreeMap<String, Option<String>> = juju_hookcmds::yaml::from_str(&text)
        .map_err(|e| JujuError::usage(format!("cannot parse settings: {e}")))?;
    Ok(parsed
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// More positional arguments than a command takes: Juju's `unrecognized args`.
pub(super) fn unrecognized(extra: &[String]) -> JujuError {
    let quoted: Vec<String> = extra.iter().map(|a| format!("{a:?}")).collect();
    JujuError::usage(format!("unrecognized args: [{}]", quoted.join(" ")))
}

fn action_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: ActionGet = parse("action-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    if cmd.key.len() > 1 {
        return Err(unrecognized(&cmd.key[1..]));
    }
    let params = sorted(serde_json::Value::Object(ctx.action_params()?));
    let stdout = match cmd.key.first() {
        None => format.render(&params)?,
        Some(path) => {
            // A missing key (or a path through a value that is not a map) is no error.
            let value = path
                .split('.')
                .try_fold(&params, |v, key| v.get(key))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            format.render(&value)?
        }
    };
    write_output(cmd.output.as_deref(), stdout, "params".into())
}

fn action_set(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("action-set", args)?;
    let results = cmd
        .args
        .iter()
        .map(|a| action_result(a))
        .collect::<Result<Vec<_>, _>>()?;
    for (path, value) in &results {
        ctx.action_set(path, value)?;
    }
    Ok(Printed::default())
}

fn action_log(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("action-log", args)?;
    if cmd.args.is_empty() {
        return Err(JujuError::usage("no message specified"));
    }
    ctx.action_log(&cmd.args.join(" "))?;
    Ok(Printed::default())
}

fn action_fail(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("action-fail", args)?;
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    let message = cmd.args.first().map_or(
        "action failed without reason given, check action for errors",
        String::as_str,
    );
    ctx.action_fail(message)?;
    Ok(Printed::default())
}

fn state_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StateGet = parse("state-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    if cmd.key.len() > 1 {
        return Err(unrecognized(&cmd.key[1..]));
    }
    let (stdout, summary) = match cmd.key.first().filter(|k| *k != "-") {
        None => {
            let all = ctx.state_get(None);
            let summary = keys_summary(all.keys());
            // Juju's empty state is a nil map: `{}` as YAML, `null` as JSON.
            let stdout = if all.is_empty() && format != Format::Json {
                "{}
"
                .to_string()
            } else if all.is_empty() {
                "null
"
                .to_string()
            } else {
                format.render(&all)?
            };
            (stdout, summary)
        }
        Some(key) => match ctx.state_get(Some(key)).remove(key) {
            Some(value) => (format.render(&value)?, keys_summary([key].iter())),
            None if cmd.strict => return Err(JujuError::run(format!("{key:?} not found"))),
            None => {
                let empty = if format == Format::Smart {
                    String::new()
                } else {
                    format.render(&"")?
                };
                (empty, "no such key".into())
            }
        },
    };
    write_output(cmd.output.as_deref(), stdout, summary)
}

fn state_set(ctx: &mut HookContext, args: &[String], stdin: &mut dyn Read) -> ToolResult {
    let cmd: StateSet = parse("state-set", args)?;
    // Arguments are checked before anything is read; they override the file's pairs.
    let given = key_values(&cmd.settings)?;
    let mut values = match &cmd.file {
        Some(file) => settings_file(file, stdin)?,
        None => BTreeMap::new(),
    };
    values.extend(given);
    ctx.state_set(&values)?;
    Ok(Printed::default())
}

fn state_delete(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("state-delete", args)?;
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    if let Some(key) = cmd.args.first() {
        ctx.state_delete(key);
    }
    Ok(Printed::default())
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
        "status-get" => unit_tools::status_get(ctx, args),
        "application-version-set" => unit_tools::application_version_set(ctx, args),
        "open-port" | "close-port" => unit_tools::port_change(ctx, tool, args),
        "opened-ports" => unit_tools::opened_ports(ctx, args),
        "network-get" => unit_tools::network_get(ctx, args),
        "storage-get" => unit_tools::storage_get(ctx, args),
        "storage-list" => unit_tools::storage_list(ctx, args),
        "storage-add" => unit_tools::storage_add(ctx, args),
        "goal-state" => unit_tools::goal_state(ctx, args),
        "action-get" => action_get(ctx, args),
        "action-set" => action_set(ctx, args),
        "action-log" => action_log(ctx, args),
        "action-fail" => action_fail(ctx, args),
        "state-get" => state_get(ctx, args),
        "state-set" => state_set(ctx, args, stdin),
        "state-delete" => state_delete(ctx, args),
        other => Err(JujuError::run(format!("unknown hook command {other:?}"))),
    }
}
