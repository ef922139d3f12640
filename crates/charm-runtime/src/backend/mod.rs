//! The single seam between the charm's host functions and Juju (and the unit's machine).
//!
//! Every host function of the contract reaches Juju through [`Backend`], in Juju's own
//! vocabulary (`juju-hookcmds`), never in the contract's types. Its implementations are
//! [`hook_tools::HookToolBackend`] (production: Juju's hook commands on `PATH`), the policy in
//! front of it ([`crate::capabilities::PolicyBackend`]), and the model of Juju behind
//! `charm-testing`'s mock. Inputs arrive already validated by the contract's host side, so a
//! backend only carries out what it is asked.

pub mod hook_tools;

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

use crate::capabilities::Granted;
use crate::error::HostError;

/// Bytes of text one `juju-log` call carries: Linux refuses a single argument over 128 KiB,
/// and a refused call would lose the text silently.
pub const LOG_PIECE: usize = 32 << 10;

/// `text` cut into pieces of at most `max` bytes, after a line where there is one in a piece,
/// else at a character boundary.
pub fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = rest[..cut].rfind('\n').map_or(cut, |n| n + 1);
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
}

/// What a charm can ask of Juju. One call = one hook command in production.
pub trait Backend: Send {
    /// `secret-add`: returns the new id as Juju printed it.
    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError>;
    /// `secret-get`: the whole content of the revision `mode` selects. With `attach_label`
    /// (only with an id) the label is recorded as Juju does.
    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError>;
    /// `secret-info-get`.
    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError>;
    /// `secret-set`.
    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError>;
    /// `secret-grant`.
    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError>;
    /// `secret-revoke`.
    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError>;
    /// `secret-remove`; `None` removes every revision.
    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError>;
    /// `secret-ids`.
    fn secret_ids(&mut self) -> Result<Vec<String>, HostError>;

    /// `is-leader`.
    fn is_leader(&mut self) -> Result<bool, HostError>;

    /// `relation-ids <endpoint>`.
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError>;
    /// `relation-list -r <id>`.
    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError>;
    /// `relation-list -r <id> --app`.
    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError>;
    /// `relation-get -r <id> - <unit-or-app>`.
    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &Databag,
    ) -> Result<Vec<(String, String)>, HostError>;
    /// `relation-set -r <id>`: an empty value deletes the key.
    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError>;

    /// `config-get`.
    fn config_get(&mut self) -> Result<Vec<(String, ConfigValue)>, HostError>;

    /// `juju-log`, for the charm's own log lines.
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError>;

    /// `juju-log`, for the host's own lines (a hook's failure, the charm's captured output,
    /// audit warnings): never subject to the charm's capabilities.
    fn host_log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        self.log(level, message)
    }

    /// `status-set`.
    fn status_set(
        &mut self,
        state: WorkloadState,
        message: &str,
        application: bool,
    ) -> Result<(), HostError>;

    /// `action-get`: the running action's parameters, a JSON object.
    fn action_params(&mut self) -> Result<serde_json::Value, HostError>;
    /// `action-set <key>=<value>...`: keys already checked.
    fn action_set(&mut self, results: &[(String, String)]) -> Result<(), HostError>;
    /// `action-log`.
    fn action_log(&mut self, message: &str) -> Result<(), HostError>;
    /// `action-fail`.
    fn action_fail(&mut self, message: &str) -> Result<(), HostError>;

    /// `state-get`: the value under `key` (`None` if there is none), or with `key` `None`
    /// every key.
    fn state_get(&mut self, key: Option<&str>) -> Result<Vec<(String, String)>, HostError>;
    /// `state-set`: values never on a command line.
    fn state_set(&mut self, values: &[(String, String)]) -> Result<(), HostError>;
    /// `state-delete`.
    fn state_delete(&mut self, key: &str) -> Result<(), HostError>;

    /// `status-get --include-data`: this unit's status.
    fn status_get(&mut self) -> Result<StatusInfo, HostError>;
    /// `status-get --application --include-data`: the application's and its units'.
    fn application_status(&mut self) -> Result<ApplicationStatus, HostError>;
    /// `application-version-set`.
    fn application_version_set(&mut self, version: &str) -> Result<(), HostError>;

    /// `open-port [--endpoints]`; no endpoints: every endpoint.
    fn open_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError>;
    /// `close-port [--endpoints]`.
    fn close_port(&mut self, range: &PortRange, endpoints: &[String]) -> Result<(), HostError>;
    /// `opened-ports --endpoints`.
    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, HostError>;

    /// `network-get <binding> [-r <id>]`.
    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, HostError>;

    /// `storage-list <name>`.
    fn storage_list(&mut self, name: &str) -> Result<Vec<String>, HostError>;
    /// `storage-get -s <id>`.
    fn storage_get(&mut self, id: &str) -> Result<StorageDetails, HostError>;
    /// `storage-add <name>=<count>`.
    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), HostError>;

    /// `goal-state`.
    fn goal_state(&mut self) -> Result<GoalState, HostError>;

    // The unit's machine: not Juju's, but carried out for the charm the same way (one seam),
    // so the model stands in for the machine as it stands in for Juju. Paths arrive checked
    // (absolute, plain); the machine must follow no symlink in them.

    /// A regular file's content, at most `max` bytes (`invalid-argument` past it).
    fn file_read(&mut self, path: &str, max: usize) -> Result<Vec<u8>, HostError>;
    /// Replaces a file atomically, never more open than `mode` while it is written.
    fn file_write(
        &mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        owner: &Ownership,
    ) -> Result<(), HostError>;
    /// Removes a file, symlink or empty directory: whether there was one.
    fn file_remove(&mut self, path: &str) -> Result<bool, HostError>;
    /// A directory's names, sorted (names that are not UTF-8 left out).
    fn file_list(&mut self, path: &str) -> Result<Vec<String>, HostError>;
    /// Makes a directory unless one is there: whether it made it.
    fn file_make_dir(
        &mut self,
        path: &str,
        mode: u32,
        owner: &Ownership,
    ) -> Result<bool, HostError>;
    /// What is at `path`, symlinks not followed.
    fn file_stat(&mut self, path: &str) -> Result<Option<FileInfo>, HostError>;
    /// Runs a program as granted; its timeout never reaches past the hook's deadline.
    fn command_run(&mut self, run: &CommandRun) -> Result<CommandOutput, HostError>;
    /// Carries out a service action (not `query`).
    fn service_act(
        &mut self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError>;
    /// A service's state.
    fn service_query(
        &mut self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, HostError>;
    /// Opens a TCP connection to `host` (a name or an address) on `port`, trying only the
    /// addresses `granted` lets through: a handle for the calls below.
    fn tcp_connect(&mut self, host: &str, port: u16, granted: &Granted) -> Result<u32, HostError>;
    /// Up to `max` bytes from the stream; empty at its end.
    fn tcp_read(&mut self, stream: u32, max: usize) -> Result<Vec<u8>, HostError>;
    /// Sends all of `data`.
    fn tcp_write(&mut self, stream: u32, data: &[u8]) -> Result<(), HostError>;
    /// Ends the sending side.
    fn tcp_shutdown(&mut self, stream: u32) -> Result<(), HostError>;
    /// Closes the stream.
    fn tcp_close(&mut self, stream: u32);

    /// The charm's code has finished: write whatever the backend held back (the policy's
    /// count of repeated denials).
    fn finish_hook(&mut self) {}

    /// The hook's wall-time limit ends at `deadline`: no call may outlast it (a hook command
    /// still running then is killed). `None` once the charm's code has ended: the host's own
    /// lines (the failure, the charm's output, the audit) still reach juju-log.
    fn set_deadline(&mut self, _deadline: Option<std::time::Instant>) {}
}
