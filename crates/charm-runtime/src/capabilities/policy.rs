//! Enforcement on every call: a [`Backend`] that asks each capability's checks before passing
//! a call on. A denied call never reaches Juju: the charm gets `denied-by-policy` naming the
//! missing grant, and the host writes an audit warning to juju-log.
//!
//! Wrapping the backend (rather than each host function) means the mock and the production
//! path enforce exactly the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use juju_hookcmds::ports::{OpenedPort, PortRange};
use juju_hookcmds::workload::{
    CommandOutput, CommandRun, FileInfo, Ownership, ServiceAction, ServiceManager, ServiceState,
};
use juju_hookcmds::{
    AddOptions, ApplicationStatus, ConfigValue, Databag, GoalState, Grantee, LogLevel, Lookup,
    NetworkInfo, ReadMode, Scope, SecretInfo, SetOptions, StatusInfo, StorageDetails,
    WorkloadState,
};
use juju_rules::{SecretContent, SecretId};

use super::Manifest;
use super::secrets::SecretOp;
use crate::backend::Backend;
use crate::error::HostError;

/// A backend that only lets through what the manifest grants.
pub struct PolicyBackend {
    manifest: Arc<Manifest>,
    gate: Gate,
    /// Secret ids found readable this hook, by xid.
    readable: BTreeSet<String>,
    /// The action the hook runs, if any.
    action: Option<String>,
    /// Storage instances this hook asked for so far.
    storage_requested: u64,
    /// Connections open now.
    streams: BTreeSet<u32>,
}

/// Connections a charm may have open at once: each holds a socket of the host's.
pub const MAX_STREAMS: usize = 16;

/// What every capability's checks share: the backend behind the policy (for the lookups a
/// check needs), the hook's relations as looked up so far, and the audit of denials.
pub(super) struct Gate {
    pub(super) inner: Box<dyn Backend>,
    /// Relation ids per endpoint, looked up once per hook.
    endpoints: BTreeMap<String, Vec<u32>>,
    /// Each relation's remote application, looked up once per hook.
    remote_apps: BTreeMap<u32, String>,
    /// The relation the hook is about and its endpoint: in relation-broken it is no longer
    /// listed by `relation-ids`, but it is still on its endpoint.
    hook_relation: Option<(u32, String)>,
    /// How often each denial happened in this hook: each is audited once when it first
    /// happens, repeats are counted and summed up at the end of the hook.
    denials: BTreeMap<String, (u64, bool)>,
    /// Bytes of the reasons kept to be named at the end of the hook, at most [`SUMMARY_BYTES`].
    kept: usize,
    /// Denials for reasons not kept once that much was: only counted, so the audit's memory
    /// stays bounded whatever the host-call budget.
    unnamed: u64,
}

/// Distinct denials audited one line each in a hook; any more are named together when the
/// hook ends, so a charm cannot make one `juju-log` call per denial.
const AUDITED_DENIALS: usize = 20;

/// How much of the end-of-hook summary names denials: a charm making thousands of distinct
/// denials gets them counted, and named up to this much text (about eight `juju-log` calls).
const SUMMARY_BYTES: usize = 8 * crate::backend::LOG_PIECE;

impl PolicyBackend {
    /// Enforces `manifest` in front of `inner`.
    pub fn new(manifest: Arc<Manifest>, inner: Box<dyn Backend>) -> Self {
        PolicyBackend {
            manifest,
            gate: Gate {
                inner,
                endpoints: BTreeMap::new(),
                remote_apps: BTreeMap::new(),
                hook_relation: None,
                denials: BTreeMap::new(),
                kept: 0,
                unnamed: 0,
            },
            readable: BTreeSet::new(),
            action: None,
            storage_requested: 0,
            streams: BTreeSet::new(),
        }
    }

    /// Tells the policy what the hook is about: its relation and endpoint, if any (in
    /// relation-broken the relation is no longer listed by `relation-ids`, but it is still on
    /// its endpoint), and the action it runs, if any.
    pub fn for_event(mut self, event: &crate::event::HookEvent) -> Self {
        self.gate.hook_relation = event.relation();
        self.action = event.action().map(String::from);
        self
    }
}

impl Gate {
    /// Refuses: audit line to juju-log (the first time this denial happens in the hook, for
    /// the first few distinct ones; the rest are named at the end of the hook), typed error to
    /// the charm.
    pub(super) fn deny<T>(&mut self, what: String) -> Result<T, HostError> {
        // What a charm chose (labels, names) is bounded when it is checked; this bounds the
        // rest, so the audit keeps and prints little whatever the charm asks.
        let what = crate::engine::one_line(&what);
        if let Some((count, _)) = self.denials.get_mut(&what) {
            *count += 1;
        } else if self.denials.len() < AUDITED_DENIALS {
            self.denials.insert(what.clone(), (1, true));
            let _ = self
                .inner
                .host_log(LogLevel::Warning, &format!("capability denied: {what}"));
        } else if self.kept + what.len() < SUMMARY_BYTES {
            self.kept += what.len() + 1;
            self.denials.insert(what.clone(), (1, false));
        } else {
            self.unnamed += 1;
        }
        Err(HostError::DeniedByPolicy(what))
    }

    /// The relation ids on `endpoint` (cached for the hook).
    pub(super) fn ids_on(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        if let Some(ids) = self.endpoints.get(endpoint) {
            return Ok(ids.clone());
        }
        let ids = self.inner.relation_ids(endpoint)?;
        self.endpoints.insert(endpoint.to_string(), ids.clone());
        Ok(ids)
    }

    /// Whether the relation is on one of `endpoints`.
    pub(super) fn relation_on(
        &mut self,
        relation_id: u32,
        endpoints: &BTreeSet<String>,
    ) -> Result<bool, HostError> {
        if let Some((id, endpoint)) = &self.hook_relation
            && *id == relation_id
        {
            return Ok(endpoints.contains(endpoint));
        }
        for endpoint in endpoints {
            if self.ids_on(endpoint)?.contains(&relation_id) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The relation's remote application (cached for the hook).
    pub(super) fn remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        if let Some(remote) = self.remote_apps.get(&relation_id) {
            return Ok(remote.clone());
        }
        let remote = self.inner.relation_remote_app(relation_id)?;
        self.remote_apps.insert(relation_id, remote.clone());
        Ok(remote)
    }

    /// Names the repeated and the unnamed denials of the hook, in as few lines as it can.
    fn finish(&mut self) {
        let denials = std::mem::take(&mut self.denials);
        let unnamed = std::mem::take(&mut self.unnamed);
        self.kept = 0;
        let mut rest = String::new();
        let mut others = (0, unnamed);
        for (what, (count, audited)) in &denials {
            if !audited {
                others.0 += 1;
                others.1 += count;
                let times = if *count > 1 {
                    format!(" ({count} times)")
                } else {
                    String::new()
                };
                rest.push_str(&format!("{what}{times}\n"));
            } else if *count > 1 {
                let _ = self.inner.host_log(
                    LogLevel::Warning,
                    &format!("capability denied {count} times in this hook: {what}"),
                );
            }
        }
        if unnamed > 0 {
            rest.push_str(&format!(
                "and {unnamed} more denials, not named: more than the summary holds\n"
            ));
        }
        if others.1 > 0 {
            // Denials are named in as few juju-log calls as the text allows.
            let reasons = if unnamed > 0 {
                format!("more than {}", others.0)
            } else {
                others.0.to_string()
            };
            let list = crate::backend::pieces(rest.trim_end(), crate::backend::LOG_PIECE);
            let total = list.len();
            for (n, piece) in list.iter().enumerate() {
                let _ = self.inner.host_log(
                    LogLevel::Warning,
                    &format!(
                        "capability denied {} more times in this hook, for {} other reasons ({} of {total}): {}",
                        others.1,
                        reasons,
                        n + 1,
                        piece.trim_end().replace('\n', "; ")
                    ),
                );
            }
        }
    }
}

impl Backend for PolicyBackend {
    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        self.manifest.secrets.check_add(&mut self.gate, options)?;
        let id = self.gate.inner.secret_add(content, options)?;
        if let Ok(parsed) = SecretId::parse(&id) {
            self.readable.insert(parsed.xid().to_string());
        }
        Ok(id)
    }

    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError> {
        self.manifest.secrets.check_get(
            &mut self.gate,
            &mut self.readable,
            lookup,
            mode,
            attach_label,
        )?;
        self.gate.inner.secret_get(lookup, mode, attach_label)
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        self.manifest.secrets.check_info(&mut self.gate, lookup)?;
        self.gate.inner.secret_info(lookup)
    }

    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError> {
        self.manifest.secrets.check_set(&mut self.gate, options)?;
        self.gate.inner.secret_set(id, content, options)
    }

    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError> {
        self.manifest
            .secrets
            .require(&mut self.gate, SecretOp::Grant)?;
        self.manifest
            .relations
            .check_grant(&mut self.gate, relation_id)?;
        self.gate.inner.secret_grant(id, relation_id, unit)
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        self.manifest
            .secrets
            .require(&mut self.gate, SecretOp::Revoke)?;
        self.manifest
            .relations
            .check_revoke(&mut self.gate, grantee)?;
        self.gate.inner.secret_revoke(id, grantee)
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        self.manifest
            .secrets
            .require(&mut self.gate, SecretOp::Remove)?;
        self.gate.inner.secret_remove(id, revision)
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        self.manifest
            .secrets
            .require(&mut self.gate, SecretOp::List)?;
        self.gate.inner.secret_ids()
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.manifest.leadership.check(&mut self.gate)?;
        self.gate.inner.is_leader()
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        self.manifest
            .relations
            .check_endpoint(&mut self.gate, endpoint)?;
        self.gate.ids_on(endpoint)
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        self.manifest
            .relations
            .check_read(&mut self.gate, relation_id)?;
        self.gate.inner.relation_units(relation_id)
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.manifest
            .relations
            .check_read(&mut self.gate, relation_id)?;
        self.gate.inner.relation_remote_app(relation_id)
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        self.manifest
            .relations
            .check_read(&mut self.gate, relation_id)?;
        self.gate.inner.relation_get(relation_id, bag)
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        self.manifest
            .relations
            .check_write(&mut self.gate, relation_id)?;
        self.gate.inner.relation_set(relation_id, scope, data)
    }

    fn config_get(&mut self) -> Result<Vec<(String, ConfigValue)>, HostError> {
        self.manifest.config.check(&mut self.gate)?;
        self.gate.inner.config_get()
    }

    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        self.manifest.logging.check(&mut self.gate)?;
        self.gate.inner.log(level, message)
    }

    fn host_log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        self.gate.inner.host_log(level, message)
    }

    fn status_set(
        &mut self,
        state: WorkloadState,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        self.manifest.status.check(&mut self.gate)?;
        self.gate.inner.status_set(state, message, application)
    }

    fn action_params(&mut self) -> Result<serde_json::Value, HostError> {
        let running = self.action.as_deref();
        self.manifest.actions.check(&mut self.gate, running)?;
        self.gate.inner.action_params()
    }

    fn action_set(&mut self, results: &[(String, String)]) -> Result<(), HostError> {
        let running = self.action.as_deref();
        self.manifest.actions.check(&mut self.gate, running)?;
        self.gate.inner.action_set(results)
    }

    fn action_log(&mut self, message: &str) -> Result<(), HostError> {
        let running = self.action.as_deref();
        self.manifest.actions.check(&mut self.gate, running)?;
        self.gate.inner.action_log(message)
    }

    fn action_fail(&mut self, message: &str) -> Result<(), HostError> {
        let running = self.action.as_deref();
        self.manifest.actions.check(&mut self.gate, running)?;
        self.gate.inner.action_fail(message)
    }

    fn state_get(&mut self, key: Option<&str>) -> Result<Vec<(String, String)>, HostError> {
        self.manifest.state.check(&mut self.gate)?;
        self.gate.inner.state_get(key)
    }

    fn state_set(&mut self, values: &[(String, String)]) -> Result<(), HostError> {
        self.manifest.state.check(&mut self.gate)?;
        self.gate.inner.state_set(values)
    }

    fn state_delete(&mut self, key: &str) -> Result<(), HostError> {
        self.manifest.state.check(&mut self.gate)?;
        self.gate.inner.state_delete(key)
    }

    fn status_get(&mut self) -> Result<StatusInfo, HostError> {
        self.manifest.status.check(&mut self.gate)?;
        self.gate.inner.status_get()
    }

    fn application_status(&mut self) -> Result<ApplicationStatus, HostError> {
        self.manifest.status.check(&mut self.gate)?;
        self.gate.inner.application_status()
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), HostError> {
        self.manifest.application_version.check(&mut self.gate)?;
        self.gate.inner.application_version_set(version)
    }

    fn open_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        self.manifest.ports.check_open(&mut self.gate, range)?;
        self.gate.inner.open_port(range, endpoints)
    }

    fn close_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        self.manifest.ports.check_close(&mut self.gate, range)?;
        self.gate.inner.close_port(range, endpoints)
    }

    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, HostError> {
        self.manifest.ports.check_list(&mut self.gate)?;
        self.gate.inner.opened_ports()
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, HostError> {
        self.manifest.bindings.check(&mut self.gate, binding)?;
        if let Some(id) = relation_id {
            // Asking as seen from a relation tells whether it exists: a read of it.
            self.manifest.relations.check_read(&mut self.gate, id)?;
        }
        self.gate.inner.network_get(binding, relation_id)
    }

    fn storage_list(&mut self, name: &str) -> Result<Vec<String>, HostError> {
        self.manifest.storage.check(&mut self.gate, name)?;
        self.gate.inner.storage_list(name)
    }

    fn storage_get(&mut self, id: &str) -> Result<StorageDetails, HostError> {
        let name = juju_hookcmds::cli::storage_name(id);
        self.manifest.storage.check(&mut self.gate, name)?;
        self.gate.inner.storage_get(id)
    }

    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), HostError> {
        self.manifest.storage.check(&mut self.gate, name)?;
        super::Storage::check_total(&mut self.storage_requested, count)?;
        self.gate.inner.storage_add(name, count)
    }

    fn goal_state(&mut self) -> Result<GoalState, HostError> {
        self.manifest.goal_state.check(&mut self.gate)?;
        self.gate.inner.goal_state()
    }

    fn file_read(&mut self, path: &str, max: usize) -> Result<Vec<u8>, HostError> {
        self.manifest
            .files
            .check(&mut self.gate, "reading", path, super::files::Use::Read)?;
        self.gate.inner.file_read(path, max)
    }

    fn file_write(
        &mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        owner: &Ownership,
    ) -> Result<(), HostError> {
        self.manifest.files.check(
            &mut self.gate,
            "writing",
            path,
            super::files::Use::Write(mode, owner),
        )?;
        self.gate.inner.file_write(path, content, mode, owner)
    }

    fn file_remove(&mut self, path: &str) -> Result<bool, HostError> {
        self.manifest
            .files
            .check(&mut self.gate, "removing", path, super::files::Use::Remove)?;
        self.gate.inner.file_remove(path)
    }

    fn file_list(&mut self, path: &str) -> Result<Vec<String>, HostError> {
        self.manifest
            .files
            .check(&mut self.gate, "listing", path, super::files::Use::Read)?;
        self.gate.inner.file_list(path)
    }

    fn file_make_dir(
        &mut self,
        path: &str,
        mode: u32,
        owner: &Ownership,
    ) -> Result<bool, HostError> {
        self.manifest.files.check(
            &mut self.gate,
            "making directory",
            path,
            super::files::Use::Write(mode, owner),
        )?;
        self.gate.inner.file_make_dir(path, mode, owner)
    }

    fn file_stat(&mut self, path: &str) -> Result<Option<FileInfo>, HostError> {
        self.manifest
            .files
            .check(&mut self.gate, "stat", path, super::files::Use::Read)?;
        self.gate.inner.file_stat(path)
    }

    /// Only the program, arguments and stdin are the charm's: the rest is the grant's.
    fn command_run(&mut self, run: &CommandRun) -> Result<CommandOutput, HostError> {
        let grant = self
            .manifest
            .commands
            .check(&mut self.gate, &run.program, &run.args)?;
        let mut env: Vec<(String, String)> = grant
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !grant.env.contains_key("PATH") {
            env.push(("PATH".into(), super::commands::PATH.into()));
        }
        let granted = CommandRun {
            program: run.program.clone(),
            args: run.args.clone(),
            stdin: run.stdin.clone(),
            user: grant.user.clone(),
            env,
            cwd: grant.cwd.clone(),
            timeout: grant.timeout,
            output: grant.output,
        };
        // Judged again as the program resolves now: it may have been replaced since the
        // manifest was read.
        if !grant.dangerous
            && let Some(why) = grant.dangers().first()
        {
            return self
                .gate
                .deny(format!("running {:?}: it {why}", run.program));
        }
        self.gate.inner.command_run(&granted)
    }

    fn service_act(
        &mut self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError> {
        self.manifest
            .services
            .check(&mut self.gate, manager, name, action)?;
        self.gate.inner.service_act(manager, name, action)
    }

    fn service_query(
        &mut self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, HostError> {
        self.manifest
            .services
            .check(&mut self.gate, manager, name, ServiceAction::Query)?;
        self.gate.inner.service_query(manager, name)
    }

    /// The grants found here replace whatever the caller passed: only they decide.
    fn tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        _caller: &super::Granted,
    ) -> Result<u32, HostError> {
        let granted = self.manifest.network.check(&mut self.gate, host, port)?;
        if self.streams.len() >= MAX_STREAMS {
            return Err(HostError::InvalidArgument(format!(
                "{MAX_STREAMS} connections are open already: close one first"
            )));
        }
        match self.gate.inner.tcp_connect(host, port, &granted) {
            Ok(stream) => {
                self.streams.insert(stream);
                Ok(stream)
            }
            Err(HostError::DeniedByPolicy(why)) => self.gate.deny(why),
            Err(e) => Err(e),
        }
    }

    fn tcp_read(&mut self, stream: u32, max: usize) -> Result<Vec<u8>, HostError> {
        self.gate.inner.tcp_read(stream, max)
    }

    fn tcp_write(&mut self, stream: u32, data: &[u8]) -> Result<(), HostError> {
        self.gate.inner.tcp_write(stream, data)
    }

    fn tcp_shutdown(&mut self, stream: u32) -> Result<(), HostError> {
        self.gate.inner.tcp_shutdown(stream)
    }

    fn tcp_close(&mut self, stream: u32) {
        self.streams.remove(&stream);
        self.gate.inner.tcp_close(stream);
    }

    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.gate.inner.set_deadline(deadline);
    }

    fn finish_hook(&mut self) {
        self.gate.finish();
        self.gate.inner.finish_hook();
    }
}
