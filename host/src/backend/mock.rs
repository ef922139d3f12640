//! [`Backend`] on the in-process model of Juju ([`crate::model`]).
//!
//! Each call is carried out on the hook's [`HookContext`] and recorded, redacted, in the
//! hook-command form an operator would recognise. Refusals come back as Juju's message and
//! exit status and go through the same mapping the production backend applies to a real
//! command's stderr, so a charm sees identical errors on both.

use std::sync::{Arc, Mutex, MutexGuard};

use super::hook_tools::{self, error_from_stderr, level_name, state_name};
use super::{AddOptions, Backend, Grantee, Lookup, ReadMode, SecretInfo, SetOptions};
use crate::bindings::juju::charm::{config, logging, relations, status};
use crate::error::HostError;
use crate::juju::{SecretContent, SecretId};
use crate::model::{Call, HookContext, JujuError, keys_summary};

/// A backend for one hook; the caller keeps a clone of the context to commit it afterwards.
pub struct MockBackend {
    context: Arc<Mutex<HookContext>>,
}

impl MockBackend {
    /// A backend acting on `context`, which the caller commits or drops after the hook.
    pub fn new(context: Arc<Mutex<HookContext>>) -> Self {
        MockBackend { context }
    }

    fn ctx(&self) -> MutexGuard<'_, HookContext> {
        // A panic while holding the lock would be a host bug; the data is still usable.
        self.context.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `op` on the context, records it as `tool args` with its outcome, and maps a
    /// refusal to the typed error the hook command's stderr would give.
    fn call<T>(
        &mut self,
        tool: &str,
        args: String,
        shown: impl Fn(&T) -> String,
        op: impl FnOnce(&mut HookContext) -> Result<T, JujuError>,
    ) -> Result<T, HostError> {
        let mut ctx = self.ctx();
        let result = op(&mut ctx);
        let outcome = match &result {
            Ok(value) => {
                let shown = shown(value);
                if shown.is_empty() {
                    "ok".to_string()
                } else {
                    format!("ok: {shown}")
                }
            }
            Err(e) => format!("error: {}", e.message),
        };
        let unit = ctx.unit.clone();
        ctx.calls.push(Call {
            unit,
            operation: format!("{tool}{}{args}", if args.is_empty() { "" } else { " " }),
            outcome,
        });
        result.map_err(|e| error_from_stderr(tool, e.code, &format!("ERROR {}\n", e.message)))
    }
}

fn nothing<T>(_: &T) -> String {
    String::new()
}

fn redacted(content: &SecretContent) -> String {
    content
        .keys()
        .map(|k| format!("{k}=<redacted>"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn keys(content: &SecretContent) -> String {
    keys_summary(content.keys())
}

fn lookup_argv(lookup: &Lookup) -> Vec<String> {
    let mut args = Vec::new();
    hook_tools::lookup_args(&mut args, lookup);
    args
}

impl Backend for MockBackend {
    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        let mut args = hook_tools::add_flags(options)?;
        args.push(redacted(content));
        self.call(
            "secret-add",
            args.join(" "),
            |id: &String| id.clone(),
            |ctx| ctx.secret_add(content, options),
        )
    }

    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError> {
        let mut args = lookup_argv(lookup);
        if let Some(label) = attach_label {
            args.push(format!("--label={label}"));
        }
        match mode {
            ReadMode::Tracked => {}
            ReadMode::Peek => args.push("--peek".into()),
            ReadMode::Refresh => args.push("--refresh".into()),
        }
        self.call("secret-get", args.join(" "), keys, |ctx| {
            ctx.secret_get(lookup, mode, attach_label)
        })
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        self.call(
            "secret-info-get",
            lookup_argv(lookup).join(" "),
            |info: &SecretInfo| format!("revision {}", info.revision),
            |ctx| ctx.secret_info(lookup),
        )
    }

    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError> {
        let mut args = hook_tools::set_flags(id, options)?;
        if let Some(content) = content {
            args.push(redacted(content));
        }
        self.call("secret-set", args.join(" "), nothing, |ctx| {
            ctx.secret_set(id, content, options)
        })
    }

    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError> {
        let mut args = format!("{id} --relation={relation_id}");
        if let Some(unit) = unit {
            args.push_str(&format!(" --unit={unit}"));
        }
        self.call("secret-grant", args, nothing, |ctx| {
            ctx.secret_grant(id, relation_id, unit)
        })
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        let target = match grantee {
            Grantee::Relation(r) => format!("--relation={r}"),
            Grantee::RelationUnit(ru) => {
                format!("--relation={} --unit={}", ru.relation_id, ru.unit)
            }
            Grantee::Application(app) => format!("--app={app}"),
            Grantee::Unit(unit) => format!("--unit={unit}"),
        };
        self.call("secret-revoke", format!("{id} {target}"), nothing, |ctx| {
            ctx.secret_revoke(id, grantee)
        })
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        let args = match revision {
            Some(r) => format!("{id} --revision={r}"),
            None => id.to_string(),
        };
        self.call("secret-remove", args, nothing, |ctx| {
            ctx.secret_remove(id, revision)
        })
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        self.call(
            "secret-ids",
            String::new(),
            |ids: &Vec<String>| ids.join(", "),
            |ctx| Ok(ctx.secret_ids()),
        )
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.call(
            "is-leader",
            String::new(),
            |b: &bool| b.to_string(),
            |ctx| Ok(ctx.is_leader_now()),
        )
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        self.call(
            "relation-ids",
            endpoint.to_string(),
            |ids: &Vec<u32>| format!("{ids:?}"),
            |ctx| Ok(ctx.relation_ids(endpoint)),
        )
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        self.call(
            "relation-list",
            format!("--relation={relation_id}"),
            |units: &Vec<String>| units.join(", "),
            |ctx| ctx.relation_units(relation_id),
        )
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.call(
            "relation-list",
            format!("--relation={relation_id} --app"),
            |app: &String| app.clone(),
            |ctx| ctx.relation_remote_app(relation_id),
        )
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &relations::Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        let args = match bag {
            relations::Databag::Unit(unit) => format!("--relation={relation_id} - {unit}"),
            relations::Databag::App(app) => format!("--relation={relation_id} --app - {app}"),
        };
        self.call(
            "relation-get",
            args,
            |data: &Vec<(String, String)>| keys_summary(data.iter().map(|(k, _)| k)),
            |ctx| Ok(ctx.relation_get(relation_id, bag)?.into_iter().collect()),
        )
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: relations::Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        let app = if scope == relations::Scope::App {
            " --app"
        } else {
            ""
        };
        let shown: Vec<String> = data.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.call(
            "relation-set",
            format!("--relation={relation_id}{app} {}", shown.join(" ")),
            nothing,
            |ctx| ctx.relation_set(relation_id, scope, data),
        )
    }

    fn config_get(&mut self) -> Result<Vec<(String, config::Value)>, HostError> {
        self.call(
            "config-get",
            String::new(),
            |c: &Vec<(String, config::Value)>| keys_summary(c.iter().map(|(k, _)| k)),
            |ctx| Ok(ctx.config().into_iter().collect()),
        )
    }

    fn log(&mut self, level: logging::Level, message: &str) -> Result<(), HostError> {
        // Log lines are kept, not traced as calls: they are the unit's log already.
        self.ctx().log(level_name(level), message);
        Ok(())
    }

    fn status_set(
        &mut self,
        state: status::State,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        let app = if application { "--application " } else { "" };
        let shown = format!("{app}{} {message:?}", state_name(state));
        self.call("status-set", shown, nothing, |ctx| {
            ctx.status_set(state, message, application)
        })
    }
}
