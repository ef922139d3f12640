//! The hook commands about the unit's place in the deployment, as the simulator answers them:
//! `status-get`, `application-version-set`, `open-port`, `close-port`, `opened-ports`,
//! `network-get`, `storage-get`, `storage-list`, `storage-add` and `goal-state`, each with
//! Juju's grammar, formats and texts (`docs/juju-reference.md`).

use std::collections::BTreeMap;

use juju_hookcmds::cli::{
    FormatArgs, LIST_FORMATS, NetworkGet, NetworkYaml, OpenedPorts, PortChange, Positional,
    StatusGet, StorageGet, parse, storage_directives,
};
use juju_hookcmds::format::Format;
use juju_hookcmds::ports::{PortRange, endpoints_flag};
use juju_hookcmds::{JujuError, StatusInfo};
use serde_json::Value;

use super::tools::{ToolResult, printed, relation_flag, unrecognized, write_output};
use crate::model::HookContext;

/// A status as `status-get` prints it: only `status` unless the data is asked for.
fn details(info: &StatusInfo, include_data: bool) -> BTreeMap<&'static str, Value> {
    let mut map = BTreeMap::from([("status", Value::from(info.status.clone()))]);
    if include_data {
        map.insert("message", info.message.clone().into());
        map.insert(
            "status-data",
            Value::Object(info.data.clone().into_iter().collect()),
        );
    }
    map
}

pub(super) fn status_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StatusGet = parse("status-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    let bare = format == Format::Smart && !cmd.include_data;
    let (stdout, summary) = if cmd.application {
        let status = ctx.application_status()?;
        let summary = status.application.status.clone();
        let stdout = if bare {
            format.render(&summary)?
        } else {
            let mut app: BTreeMap<&str, Value> = details(&status.application, cmd.include_data)
                .into_iter()
                .collect();
            let units: serde_json::Map<String, Value> = status
                .units
                .iter()
                .map(|(u, info)| {
                    let shown = serde_json::to_value(details(info, cmd.include_data));
                    (u.clone(), shown.unwrap_or_default())
                })
                .collect();
            app.insert("units", Value::Object(units));
            format.render(&BTreeMap::from([("application-status", app)]))?
        };
        (stdout, summary)
    } else {
        let status = ctx.unit_status();
        let stdout = if bare {
            format.render(&status.status)?
        } else {
            format.render(&details(&status, cmd.include_data))?
        };
        (stdout, status.status)
    };
    write_output(cmd.output.as_deref(), stdout, summary)
}

pub(super) fn application_version_set(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("application-version-set", args)?;
    let Some(version) = cmd.args.first() else {
        return Err(JujuError::usage("no version specified"));
    };
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    ctx.application_version_set(version);
    Ok(printed(String::new()))
}

/// `open-port` and `close-port`: the range, then each endpoint in turn (an error stops the
/// rest; what went before stays asked for, as in Juju).
pub(super) fn port_change(ctx: &mut HookContext, tool: &str, args: &[String]) -> ToolResult {
    let cmd: PortChange = parse(tool, args)?;
    let Some(arg) = cmd.args.first() else {
        return Err(JujuError::usage("no port or range specified"));
    };
    let range = PortRange::parse(arg).map_err(JujuError::usage)?;
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    for endpoint in endpoints_flag(cmd.endpoints.as_deref()) {
        if tool == "open-port" {
            ctx.open_port(range, &endpoint)?;
        } else {
            ctx.close_port(range, &endpoint)?;
        }
    }
    Ok(printed(String::new()))
}

pub(super) fn opened_ports(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: OpenedPorts = parse("opened-ports", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    if !cmd.args.is_empty() {
        return Err(unrecognized(&cmd.args));
    }
    let lines: Vec<String> = ctx
        .opened_ports()
        .iter()
        .map(|p| {
            if cmd.endpoints {
                p.line()
            } else {
                p.range.to_string()
            }
        })
        .collect();
    let stdout = format.render(&lines)?;
    write_output(cmd.output.as_deref(), stdout, lines.join(", "))
}

pub(super) fn network_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: NetworkGet = parse("network-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    relation_flag(ctx, cmd.relation.as_deref())?;
    let binding = match cmd.args.first() {
        None => return Err(JujuError::usage("no arguments specified")),
        Some(b) if b.is_empty() => return Err(JujuError::usage("no binding name specified")),
        Some(b) => b.clone(),
    };
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    let info = ctx.network_get(&binding)?;
    let first_address = info
        .bind_addresses
        .first()
        .and_then(|b| b.addresses.first())
        .map(|a| a.value.clone());
    let no_address = || {
        JujuError::run(format!(
            "no addresses attached to space for binding {binding:?}"
        ))
    };
    let mut asked: Vec<(&str, Value)> = Vec::new();
    if cmd.bind_address {
        asked.push((
            "bind-address",
            first_address.clone().ok_or_else(no_address)?.into(),
        ));
    }
    if cmd.ingress_address {
        let ingress = info
            .ingress_addresses
            .first()
            .cloned()
            .or(first_address.clone());
        asked.push(("ingress-address", ingress.ok_or_else(no_address)?.into()));
    }
    if cmd.egress_subnets {
        asked.push(("egress-subnets", info.egress_subnets.clone().into()));
    }
    let stdout = if cmd.primary_address {
        if !asked.is_empty() {
            return Err(JujuError::run(
                "--primary-address must be the only flag specified",
            ));
        }
        format.render(&first_address.ok_or_else(no_address)?)?
    } else {
        match asked.len() {
            0 if format == Format::Json => format.render(&info)?,
            0 => format.render(&NetworkYaml::of(&info))?,
            1 => format.render(&asked[0].1)?,
            _ => format.render(&asked.into_iter().collect::<BTreeMap<_, _>>())?,
        }
    };
    write_output(cmd.output.as_deref(), stdout, binding)
}

pub(super) fn storage_get(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: StorageGet = parse("storage-get", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    // `-s` is checked as the flag is parsed, before the other arguments.
    let details = match &cmd.id {
        Some(id) => Some((id.clone(), ctx.storage_get(id)?)),
        None => match ctx.hook_storage().map(String::from) {
            Some(id) => Some((id.clone(), ctx.storage_get(&id)?)),
            None => None,
        },
    };
    let Some((id, details)) = details else {
        return Err(JujuError::usage("no storage instance specified"));
    };
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    let stdout = match cmd.args.first().map(String::as_str) {
        None | Some("") => format.render(&details)?,
        Some("kind") => format.render(&details.kind)?,
        Some("location") => format.render(&details.location)?,
        Some(other) => {
            return Err(JujuError::run(format!(
                "invalid storage attribute {other:?}"
            )));
        }
    };
    write_output(cmd.output.as_deref(), stdout, id)
}

pub(super) fn storage_list(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: FormatArgs = parse("storage-list", args)?;
    let format = Format::choose(cmd.format.as_deref(), Format::Smart, LIST_FORMATS)?;
    if cmd.args.len() > 1 {
        return Err(unrecognized(&cmd.args[1..]));
    }
    // An empty name is no name: every instance is listed.
    let name = cmd
        .args
        .first()
        .map(String::as_str)
        .filter(|n| !n.is_empty());
    let ids = ctx.storage_list(name);
    let stdout = format.render(&ids)?;
    write_output(cmd.output.as_deref(), stdout, ids.join(", "))
}

pub(super) fn storage_add(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: Positional = parse("storage-add", args)?;
    let directives = storage_directives(&cmd.args)?;
    ctx.storage_add(&directives);
    Ok(printed(String::new()))
}

pub(super) fn goal_state(ctx: &mut HookContext, args: &[String]) -> ToolResult {
    let cmd: FormatArgs = parse("goal-state", args)?;
    let format = Format::choose(
        cmd.format.as_deref(),
        Format::Yaml,
        &[Format::Yaml, Format::Json],
    )?;
    if !cmd.args.is_empty() {
        return Err(unrecognized(&cmd.args));
    }
    let goal = ctx.goal_state();
    let summary = format!(
        "{} units, {} endpoints",
        goal.units.len(),
        goal.relations.len()
    );
    write_output(cmd.output.as_deref(), format.render(&goal)?, summary)
}
