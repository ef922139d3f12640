//! [`Backend`] on Juju's hook commands, as the unit agent puts them on `PATH`.
//!
//! The command lines and the parsing of their output are `juju-hookcmds`' (the grammar exists
//! once); this module runs them: bounded in time, secret values only in 0600 files, and a
//! failure's `ERROR <msg>` mapped to the contract's typed errors by Juju's texts.

mod files;
mod runner;

use std::time::Duration;

use juju_hookcmds::output::{
    parse_application_status, parse_config, parse_json, parse_opened_ports, parse_relation_ids,
    parse_secret_add, parse_secret_get, parse_secret_info, parse_storage_list,
};
use juju_hookcmds::ports::{OpenedPort, PortRange};
use juju_hookcmds::workload::{
    CommandOutput, CommandRun, FileInfo, Ownership, ServiceAction, ServiceManager, ServiceState,
};
use juju_hookcmds::{
    AddOptions, ApplicationStatus, CommandError, ConfigValue, Databag, GoalState, Grantee,
    LogLevel, Lookup, NetworkInfo, ReadMode, Scope, SecretInfo, SetOptions, StatusInfo,
    StorageDetails, WorkloadState, args,
};
use juju_rules::{SecretContent, SecretId};
use serde::de::DeserializeOwned;

pub use files::{ContentFiles, sweep_leftovers};
pub use runner::{Completed, Invocation, ProcessRunner, Runner};

use super::Backend;
use crate::error::HostError;

/// The production backend, for one hook.
pub struct HookToolBackend<R: Runner = ProcessRunner> {
    runner: R,
    /// The unit's machine, for the workload's files, programs, services and connections.
    machine: crate::machine::Machine,
    /// The configuration, read once: Juju's hook context also reads it once per hook, so
    /// every `config-get` in a hook answers the same and a second one would only cost time.
    config: Option<Vec<(String, ConfigValue)>>,
}

/// The longest single argument Linux passes to a command (`MAX_ARG_STRLEN`, with its NUL).
const MAX_ARG: usize = (128 << 10) - 1;

/// What the arguments of one command may take together: half of Linux's usual `ARG_MAX`
/// (2 MiB with an 8 MiB stack), leaving the rest to the environment Juju gives the hook.
const MAX_ARGS: usize = 1 << 20;

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
            machine: crate::machine::Machine::default(),
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
        // Nor one whose arguments together pass what it holds with Juju's environment (many
        // action results, say): each costs its bytes, its NUL and a pointer.
        let total: usize = args.iter().map(|a| a.len() + 1 + 8).sum();
        if total > MAX_ARGS {
            return Err(HostError::InvalidArgument(format!(
                "the arguments to `{tool}` take {total} bytes, more than a command line takes ({MAX_ARGS} at most)"
            )));
        }
        let done = self.runner.run(&Invocation { tool, args, stdin })?;
        if done.code == 0 {
            Ok(done.stdout)
        } else {
            Err(CommandError::from_stderr(tool, done.code, &done.stderr).into())
        }
    }

    fn call_json<T: DeserializeOwned>(
        &mut self,
        tool: &'static str,
        args: Vec<String>,
    ) -> Result<T, HostError> {
        let stdout = self.call(tool, args)?;
        Ok(parse_json(tool, &stdout)?)
    }
}

impl<R: Runner> Backend for HookToolBackend<R> {
    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.runner.set_deadline(deadline);
        self.machine.deadline = deadline;
    }

    fn file_read(&mut self, path: &str, max: usize) -> Result<Vec<u8>, HostError> {
        crate::machine::files::read(path, max)
    }

    fn file_write(
        &mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        owner: &Ownership,
    ) -> Result<(), HostError> {
        crate::machine::files::write(path, content, mode, owner)
    }

    fn file_remove(&mut self, path: &str) -> Result<bool, HostError> {
        crate::machine::files::remove(path)
    }

    fn file_list(&mut self, path: &str) -> Result<Vec<String>, HostError> {
        crate::machine::files::list(path)
    }

    fn file_make_dir(
        &mut self,
        path: &str,
        mode: u32,
        owner: &Ownership,
    ) -> Result<bool, HostError> {
        crate::machine::files::make_dir(path, mode, owner)
    }

    fn file_stat(&mut self, path: &str) -> Result<Option<FileInfo>, HostError> {
        crate::machine::files::stat(path)
    }

    fn command_run(&mut self, run: &CommandRun) -> Result<CommandOutput, HostError> {
        self.machine.run(run)
    }

    fn service_act(
        &mut self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError> {
        self.machine.service_act(manager, name, action)
    }

    fn service_query(
        &mut self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, HostError> {
        self.machine.service_query(manager, name)
    }

    fn tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        granted: &crate::capabilities::Granted,
    ) -> Result<u32, HostError> {
        let deadline = self.machine.deadline;
        self.machine.streams.connect(host, port, granted, deadline)
    }

    fn tcp_read(&mut self, stream: u32, max: usize) -> Result<Vec<u8>, HostError> {
        let deadline = self.machine.deadline;
        self.machine.streams.read(stream, max, deadline)
    }

    fn tcp_write(&mut self, stream: u32, data: &[u8]) -> Result<(), HostError> {
        let deadline = self.machine.deadline;
        self.machine.streams.write(stream, data, deadline)
    }

    fn tcp_shutdown(&mut self, stream: u32) -> Result<(), HostError> {
        self.machine.streams.shutdown(stream)
    }

    fn tcp_close(&mut self, stream: u32) {
        self.machine.streams.close(stream);
    }

    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        let files = ContentFiles::write(content)?;
        let mut args = args::secret_add(options)?;
        args.extend(files.args().iter().cloned());
        let stdout = self.call("secret-add", args)?;
        drop(files);
        Ok(parse_secret_add(&stdout)?)
    }

    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError> {
        let stdout = self.call("secret-get", args::secret_get(lookup, mode, attach_label))?;
        Ok(parse_secret_get(&stdout)?)
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        let stdout = self.call("secret-info-get", args::secret_info_get(lookup))?;
        Ok(parse_secret_info(&stdout)?)
    }

    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError> {
        let files = content.map(ContentFiles::write).transpose()?;
        let mut args = args::secret_set(id, options)?;
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
        self.call("secret-grant", args::secret_grant(id, relation_id, unit))?;
        Ok(())
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        self.call("secret-revoke", args::secret_revoke(id, grantee))?;
        Ok(())
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        self.call("secret-remove", args::secret_remove(id, revision))?;
        Ok(())
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        let ids: Option<Vec<String>> = self.call_json("secret-ids", args::json_only())?;
        Ok(ids.unwrap_or_default())
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.call_json("is-leader", args::json_only())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        let stdout = self.call("relation-ids", args::relation_ids(endpoint))?;
        Ok(parse_relation_ids(&stdout)?)
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        let units: Option<Vec<String>> =
            self.call_json("relation-list", args::relation_list(relation_id, false))?;
        Ok(units.unwrap_or_default())
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.call_json("relation-list", args::relation_list(relation_id, true))
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        let data: Option<std::collections::BTreeMap<String, String>> =
            self.call_json("relation-get", args::relation_get(relation_id, bag))?;
        Ok(data.unwrap_or_default().into_iter().collect())
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        self.call_with_stdin(
            "relation-set",
            args::relation_set(relation_id, scope),
            Some(args::settings_input(data)),
        )?;
        Ok(())
    }

    fn config_get(&mut self) -> Result<Vec<(String, ConfigValue)>, HostError> {
        if let Some(config) = &self.config {
            return Ok(config.clone());
        }
        let stdout = self.call("config-get", args::json_only())?;
        let config = parse_config(&stdout)?;
        self.config = Some(config.clone());
        Ok(config)
    }

    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
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
            self.call("juju-log", args::juju_log(level, &piece))?;
        }
        Ok(())
    }

    fn status_set(
        &mut self,
        state: WorkloadState,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        self.call("status-set", args::status_set(state, message, application))?;
        Ok(())
    }

    fn action_params(&mut self) -> Result<serde_json::Value, HostError> {
        let params: Option<serde_json::Value> = self.call_json("action-get", args::action_get())?;
        Ok(params.unwrap_or_else(|| serde_json::json!({})))
    }

    fn action_set(&mut self, results: &[(String, String)]) -> Result<(), HostError> {
        if !results.is_empty() {
            self.call("action-set", args::action_set(results))?;
        }
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), HostError> {
        self.call("action-log", args::action_message(message))?;
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), HostError> {
        self.call("action-fail", args::action_message(message))?;
        Ok(())
    }

    fn state_get(&mut self, key: Option<&str>) -> Result<Vec<(String, String)>, HostError> {
        match key {
            // `state-get -` prints every key: the key `-` is found among them.
            Some("-") => Ok(self
                .state_get(None)?
                .into_iter()
                .filter(|(k, _)| k == "-")
                .collect()),
            None => {
                let all: Option<std::collections::BTreeMap<String, String>> =
                    self.call_json("state-get", args::state_get(None))?;
                Ok(all.unwrap_or_default().into_iter().collect())
            }
            Some(key) => match self.call_json::<String>("state-get", args::state_get(Some(key))) {
                Ok(value) => Ok(vec![(key.to_string(), value)]),
                Err(HostError::NotFound(_)) => Ok(Vec::new()),
                Err(e) => Err(e),
            },
        }
    }

    fn state_set(&mut self, values: &[(String, String)]) -> Result<(), HostError> {
        if !values.is_empty() {
            self.call_with_stdin(
                "state-set",
                args::state_set(),
                Some(args::settings_input(values)),
            )?;
        }
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> Result<(), HostError> {
        self.call("state-delete", args::state_delete(key))?;
        Ok(())
    }

    fn status_get(&mut self) -> Result<StatusInfo, HostError> {
        self.call_json("status-get", args::status_get(false))
    }

    fn application_status(&mut self) -> Result<ApplicationStatus, HostError> {
        let stdout = self.call("status-get", args::status_get(true))?;
        Ok(parse_application_status(&stdout)?)
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), HostError> {
        self.call(
            "application-version-set",
            args::application_version_set(version),
        )?;
        Ok(())
    }

    fn open_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        self.call("open-port", args::port_change(range, endpoints))?;
        Ok(())
    }

    fn close_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError> {
        self.call("close-port", args::port_change(range, endpoints))?;
        Ok(())
    }

    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, HostError> {
        let stdout = self.call("opened-ports", args::opened_ports())?;
        Ok(parse_opened_ports(&stdout)?)
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, HostError> {
        self.call_json("network-get", args::network_get(binding, relation_id))
    }

    fn storage_list(&mut self, name: &str) -> Result<Vec<String>, HostError> {
        let stdout = self.call("storage-list", args::storage_list(name))?;
        Ok(parse_storage_list(&stdout)?)
    }

    fn storage_get(&mut self, id: &str) -> Result<StorageDetails, HostError> {
        self.call_json("storage-get", args::storage_get(id))
    }

    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), HostError> {
        self.call("storage-add", args::storage_add(name, count))?;
        Ok(())
    }

    fn goal_state(&mut self) -> Result<GoalState, HostError> {
        self.call_json("goal-state", args::goal_state())
    }
}

#[cfg(test)]
mod tests;
