//! [`Backend`] on the in-process model of Juju (`juju-model`): the mock.
//!
//! Each call is carried out on the hook's [`HookContext`] and recorded, redacted, with the
//! arguments production would run (`juju-hookcmds`' builders, less the output format).
//! Refusals come back as Juju's message and exit status and go through the same mapping the
//! production backend applies to a real command's stderr, so a charm sees identical errors on
//! both.

use std::sync::{Arc, Mutex, MutexGuard};

use charm_runtime::HostError;
use charm_runtime::backend::Backend;
use juju_hookcmds::args::{self, level_name, shown};
use juju_hookcmds::cli::{result_key, storage_directives};
use juju_hookcmds::ports::{OpenedPort, PortRange, endpoints_flag};
use juju_hookcmds::workload::{
    CommandOutput, CommandRun, FileInfo, FileKind, Ownership, ServiceAction, ServiceManager,
    ServiceState, service_argv,
};
use juju_hookcmds::{
    AddOptions, ApplicationStatus, ConfigValue, Databag, GoalState, Grantee, JujuError, LogLevel,
    Lookup, NetworkInfo, ReadMode, Scope, SecretInfo, SetOptions, StatusInfo, StorageDetails,
    WorkloadState,
};
use juju_model::{Call, HookContext, Machine, MachineError, keys_summary};
use juju_rules::{SecretContent, SecretId};

/// A backend for one hook; the caller keeps a clone of the context to commit it afterwards.
pub struct MockBackend {
    context: Arc<Mutex<HookContext>>,
    /// Open connections: the machine's record of each, and what is left to read.
    streams: std::collections::BTreeMap<u32, (usize, Vec<u8>)>,
    next_stream: u32,
}

impl MockBackend {
    /// A backend acting on `context`, which the caller commits or drops after the hook.
    pub fn new(context: Arc<Mutex<HookContext>>) -> Self {
        MockBackend {
            context,
            streams: Default::default(),
            next_stream: 0,
        }
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
        let outcome = result.as_ref().map(&shown).map_err(|e| e.message.clone());
        let operation = format!("{tool}{}{args}", if args.is_empty() { "" } else { " " });
        record(&mut ctx, operation, outcome);
        result.map_err(|e| e.to_command_error(tool).into())
    }
}

impl MockBackend {
    /// Runs `op` on the unit's machine and records it as `operation` with its outcome
    /// (`operation` and `shown` name paths, modes and sizes, never content).
    fn on_machine<T>(
        &mut self,
        operation: String,
        shown: impl Fn(&T) -> String,
        op: impl FnOnce(&mut Machine) -> Result<T, MachineError>,
    ) -> Result<T, HostError> {
        let mut ctx = self.ctx();
        let result = op(ctx.machine());
        let outcome = result.as_ref().map(&shown).map_err(ToString::to_string);
        record(&mut ctx, operation, outcome);
        result.map_err(|e| match e {
            MachineError::NotFound(m) => HostError::NotFound(m),
            MachineError::Invalid(m) => HostError::InvalidArgument(m),
            MachineError::Failed(m) => HostError::Backend(m),
        })
    }
}

/// Records a call in the hook's trace: `ok`, `ok: <what came back>` or `error: <why>`.
fn record(ctx: &mut HookContext, operation: String, outcome: Result<String, String>) {
    let outcome = match outcome {
        Ok(shown) if shown.is_empty() => "ok".to_string(),
        Ok(shown) => format!("ok: {shown}"),
        Err(why) => format!("error: {why}"),
    };
    let unit = ctx.unit.clone();
    ctx.calls.push(Call {
        unit,
        operation,
        outcome,
    });
}

fn owned(mode: u32, owner: &Ownership) -> String {
    format!("mode {mode:04o} {}:{}", owner.owner(), owner.group())
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

impl Backend for MockBackend {
    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        let mut args = args::secret_add(options)?;
        args.push(redacted(content));
        self.call(
            "secret-add",
            shown(&args),
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
        let args = shown(&args::secret_get(lookup, mode, attach_label));
        self.call("secret-get", args, keys, |ctx| {
            ctx.secret_get(lookup, mode, attach_label)
        })
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        self.call(
            "secret-info-get",
            shown(&args::secret_info_get(lookup)),
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
        let mut args = args::secret_set(id, options)?;
        if let Some(content) = content {
            args.push(redacted(content));
        }
        self.call("secret-set", shown(&args), nothing, |ctx| {
            ctx.secret_set(id, content, options)
        })
    }

    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError> {
        let args = shown(&args::secret_grant(id, relation_id, unit));
        self.call("secret-grant", args, nothing, |ctx| {
            ctx.secret_grant(id, relation_id, unit)
        })
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        let args = shown(&args::secret_revoke(id, grantee));
        self.call("secret-revoke", args, nothing, |ctx| {
            ctx.secret_revoke(id, grantee)
        })
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        let args = shown(&args::secret_remove(id, revision));
        self.call("secret-remove", args, nothing, |ctx| {
            ctx.secret_remove(id, revision)
        })
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        self.call(
            "secret-ids",
            shown(&args::json_only()),
            |ids: &Vec<String>| ids.join(", "),
            |ctx| Ok(ctx.secret_ids()),
        )
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.call(
            "is-leader",
            shown(&args::json_only()),
            |b: &bool| b.to_string(),
            |ctx| Ok(ctx.is_leader_now()),
        )
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        self.call(
            "relation-ids",
            shown(&args::relation_ids(endpoint)),
            |ids: &Vec<u32>| format!("{ids:?}"),
            |ctx| Ok(ctx.relation_ids(endpoint)),
        )
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        self.call(
            "relation-list",
            shown(&args::relation_list(relation_id, false)),
            |units: &Vec<String>| units.join(", "),
            |ctx| ctx.relation_units(relation_id),
        )
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.call(
            "relation-list",
            shown(&args::relation_list(relation_id, true)),
            |app: &String| app.clone(),
            |ctx| ctx.relation_remote_app(relation_id),
        )
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        self.call(
            "relation-get",
            shown(&args::relation_get(relation_id, bag)),
            |data: &Vec<(String, String)>| keys_summary(data.iter().map(|(k, _)| k)),
            |ctx| Ok(ctx.relation_get(relation_id, bag)?.into_iter().collect()),
        )
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        // The data goes on stdin in production; the trace shows it after the arguments.
        let data_shown: Vec<String> = data.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.call(
            "relation-set",
            format!(
                "{} (stdin: {})",
                shown(&args::relation_set(relation_id, scope)),
                data_shown.join(" ")
            ),
            nothing,
            |ctx| ctx.relation_set(relation_id, scope, data),
        )
    }

    fn config_get(&mut self) -> Result<Vec<(String, ConfigValue)>, HostError> {
        self.call(
            "config-get",
            shown(&args::json_only()),
            |c: &Vec<(String, ConfigValue)>| keys_summary(c.iter().map(|(k, _)| k)),
            |ctx| Ok(ctx.config().into_iter().collect()),
        )
    }

    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        // Log lines are kept, not traced as calls: they are the unit's log already.
        self.ctx().log(level_name(level), message);
        Ok(())
    }

    fn status_set(
        &mut self,
        state: WorkloadState,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        let shown = shown(&args::status_set(state, message, application));
        self.call("status-set", shown, nothing, |ctx| {
            ctx.status_set(state, message, application)
        })
    }

    fn action_params(&mut self) -> Result<serde_json::Value, HostError> {
        let shown = shown(&args::action_get());
        let params = self.call(
            "action-get",
            shown,
            |p: &serde_json::Map<String, serde_json::Value>| keys_summary(p.keys()),
            |ctx| ctx.action_params(),
        )?;
        Ok(serde_json::Value::Object(params))
    }

    fn action_set(&mut self, results: &[(String, String)]) -> Result<(), HostError> {
        let shown = shown(&args::action_set(results));
        self.call("action-set", shown, nothing, |ctx| {
            results
                .iter()
                .try_for_each(|(key, value)| ctx.action_set(&result_key(key)?, value))
        })
    }

    fn action_log(&mut self, message: &str) -> Result<(), HostError> {
        let shown = shown(&args::action_message(message));
        self.call("action-log", shown, nothing, |ctx| ctx.action_log(message))
    }

    fn action_fail(&mut self, message: &str) -> Result<(), HostError> {
        let shown = shown(&args::action_message(message));
        self.call("action-fail", shown, nothing, |ctx| {
            ctx.action_fail(message)
        })
    }

    fn state_get(&mut self, key: Option<&str>) -> Result<Vec<(String, String)>, HostError> {
        let shown = shown(&args::state_get(key));
        let found = self.call(
            "state-get",
            shown,
            |s: &std::collections::BTreeMap<String, String>| keys_summary(s.keys()),
            |ctx| Ok(ctx.state_get(key)),
        )?;
        Ok(found.into_iter().collect())
    }

    fn state_set(&mut self, values: &[(String, String)]) -> Result<(), HostError> {
        let shown = format!(
            "{} (stdin: {})",
            shown(&args::state_set()),
            keys_summary(values.iter().map(|(k, _)| k))
        );
        let map = values.iter().cloned().collect();
        self.call("state-set", shown, nothing, |ctx| ctx.state_set(&map))
    }

    fn state_delete(&mut self, key: &str) -> Result<(), HostError> {
        let shown = shown(&args::state_delete(key));
        self.call("state-delete", shown, nothing, |ctx| {
            ctx.state_delete(key);
            Ok(())
        })
    }

    fn status_get(&mut self) -> Result<StatusInfo, HostError> {
        let shown = shown(&args::status_get(false));
        self.call(
            "status-get",
            shown,
            |s: &StatusInfo| s.status.clone(),
            |ctx| Ok(ctx.unit_status()),
        )
    }

    fn application_status(&mut self) -> Result<ApplicationStatus, HostError> {
        let shown = shown(&args::status_get(true));
        self.call(
            "status-get",
            shown,
            |s: &ApplicationStatus| s.application.status.clone(),
            |ctx| ctx.application_status(),
        )
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), HostError> {
        let shown = shown(&args::application_version_set(version));
        self.call("application-version-set", shown, nothing, |ctx| {
            ctx.application_version_set(version);
            Ok(())
        })
    }

    fn open_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        let shown = shown(&args::port_change(range, endpoints));
        self.call("open-port", shown, nothing, |ctx| {
            endpoints_flag(Some(&endpoints.join(",")))
                .iter()
                .try_for_each(|e| ctx.open_port(*range, e))
        })
    }

    fn close_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        let shown = shown(&args::port_change(range, endpoints));
        self.call("close-port", shown, nothing, |ctx| {
            endpoints_flag(Some(&endpoints.join(",")))
                .iter()
                .try_for_each(|e| ctx.close_port(*range, e))
        })
    }

    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, HostError> {
        let shown = shown(&args::opened_ports());
        self.call(
            "opened-ports",
            shown,
            |ports: &Vec<OpenedPort>| {
                let lines: Vec<String> = ports.iter().map(OpenedPort::line).collect();
                lines.join(", ")
            },
            |ctx| Ok(ctx.opened_ports()),
        )
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, HostError> {
        let shown = shown(&args::network_get(binding, relation_id));
        self.call("network-get", shown, nothing, |ctx| {
            // `-r` names a relation of the unit's, as the flag checks it.
            if let Some(id) = relation_id {
                ctx.relation_remote_app(id)?;
            }
            ctx.network_get(binding)
        })
    }

    fn storage_list(&mut self, name: &str) -> Result<Vec<String>, HostError> {
        let shown = shown(&args::storage_list(name));
        self.call(
            "storage-list",
            shown,
            |ids: &Vec<String>| ids.join(", "),
            |ctx| Ok(ctx.storage_list(Some(name))),
        )
    }

    fn storage_get(&mut self, id: &str) -> Result<StorageDetails, HostError> {
        let shown = shown(&args::storage_get(id));
        self.call("storage-get", shown, nothing, |ctx| ctx.storage_get(id))
    }

    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), HostError> {
        let argv = args::storage_add(name, count);
        let shown = shown(&argv);
        self.call("storage-add", shown, nothing, |ctx| {
            // The command's own grammar, as Juju's tool checks it before recording.
            let directives = storage_directives(&argv[1..])?;
            ctx.storage_add(&directives);
            Ok(())
        })
    }

    fn goal_state(&mut self) -> Result<GoalState, HostError> {
        let shown = shown(&args::goal_state());
        self.call(
            "goal-state",
            shown,
            |g: &GoalState| format!("{} units", g.units.len()),
            |ctx| Ok(ctx.goal_state()),
        )
    }

    fn file_read(&mut self, path: &str, max: usize) -> Result<Vec<u8>, HostError> {
        self.on_machine(
            format!("file read {path}"),
            |c: &Vec<u8>| format!("{} bytes", c.len()),
            |m| m.read(path, max),
        )
    }

    fn file_write(
        &mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        owner: &Ownership,
    ) -> Result<(), HostError> {
        let operation = format!(
            "file write {path} {} <{} bytes redacted>",
            owned(mode, owner),
            content.len()
        );
        self.on_machine(operation, nothing, |m| m.write(path, content, mode, owner))
    }

    fn file_remove(&mut self, path: &str) -> Result<bool, HostError> {
        self.on_machine(
            format!("file remove {path}"),
            |removed: &bool| if *removed { "removed" } else { "absent" }.into(),
            |m| m.remove(path),
        )
    }

    fn file_list(&mut self, path: &str) -> Result<Vec<String>, HostError> {
        self.on_machine(
            format!("file list {path}"),
            |names: &Vec<String>| format!("{} names", names.len()),
            |m| m.list(path),
        )
    }

    fn file_make_dir(
        &mut self,
        path: &str,
        mode: u32,
        owner: &Ownership,
    ) -> Result<bool, HostError> {
        self.on_machine(
            format!("file make-dir {path} {}", owned(mode, owner)),
            |made: &bool| if *made { "made" } else { "exists" }.into(),
            |m| m.make_dir(path, mode, owner),
        )
    }

    fn file_stat(&mut self, path: &str) -> Result<Option<FileInfo>, HostError> {
        self.on_machine(
            format!("file stat {path}"),
            |info: &Option<FileInfo>| match info {
                None => "absent".into(),
                Some(i) => format!(
                    "{} {:04o} {}:{}",
                    if i.kind == FileKind::Directory {
                        "directory"
                    } else {
                        "file"
                    },
                    i.mode,
                    i.owner,
                    i.group
                ),
            },
            |m| m.stat(path),
        )
    }

    fn command_run(&mut self, run: &CommandRun) -> Result<CommandOutput, HostError> {
        let stdin = run
            .stdin
            .as_ref()
            .map(|s| format!(" <stdin: {} bytes redacted>", s.len()))
            .unwrap_or_default();
        let operation = format!("run {} {}{stdin}", run.program, run.args.join(" "));
        self.on_machine(
            operation,
            |o: &CommandOutput| format!("exit {}", o.exit_code.unwrap_or(-1)),
            |m| m.run(run),
        )
    }

    fn service_act(
        &mut self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError> {
        let argv = service_argv(manager, action, name).join(" ");
        self.on_machine(argv, nothing, |m| m.service_act(manager, name, action))
    }

    fn service_query(
        &mut self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, HostError> {
        let argv = service_argv(manager, ServiceAction::Query, name).join(" ");
        self.on_machine(
            argv,
            |s: &ServiceState| format!("{} {}", s.active, s.enabled),
            |m| m.service_query(manager, name),
        )
    }

    fn tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        granted: &charm_runtime::capabilities::Granted,
    ) -> Result<u32, HostError> {
        let addrs = self.on_machine(format!("resolve {host}"), nothing, |m| m.resolve(host))?;
        if let Some(why) = addrs.iter().find_map(|a| granted.refuses(*a)) {
            return Err(HostError::DeniedByPolicy(format!(
                "connecting to {host}:{port}: {why}"
            )));
        }
        let (index, answer) = self.on_machine(format!("connect {host}:{port}"), nothing, |m| {
            m.connect(host, port)
        })?;
        self.next_stream += 1;
        self.streams
            .insert(self.next_stream, (index, answer.into_bytes()));
        Ok(self.next_stream)
    }

    fn tcp_read(&mut self, stream: u32, max: usize) -> Result<Vec<u8>, HostError> {
        let Some((_, left)) = self.streams.get_mut(&stream) else {
            return Err(HostError::InvalidArgument(
                "the connection is closed".into(),
            ));
        };
        let n = left.len().min(max);
        Ok(left.drain(..n).collect())
    }

    fn tcp_write(&mut self, stream: u32, data: &[u8]) -> Result<(), HostError> {
        let Some((index, _)) = self.streams.get(&stream).cloned() else {
            return Err(HostError::InvalidArgument(
                "the connection is closed".into(),
            ));
        };
        if let Some(c) = self.ctx().machine().connections.get_mut(index) {
            c.sent += data.len();
        }
        Ok(())
    }

    fn tcp_shutdown(&mut self, stream: u32) -> Result<(), HostError> {
        if self.streams.contains_key(&stream) {
            Ok(())
        } else {
            Err(HostError::InvalidArgument(
                "the connection is closed".into(),
            ))
        }
    }

    fn tcp_close(&mut self, stream: u32) {
        self.streams.remove(&stream);
    }
}
