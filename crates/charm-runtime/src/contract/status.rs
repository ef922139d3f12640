use super::CharmCtx;
use super::bindings::juju::charm::status::{self, ApplicationStatus, Reported, State, StatusInfo};
use super::validate::check_text;
use crate::error::HostError;

/// A status as Juju reported it, in the contract's terms: a state Juju may add later reads
/// as `unknown`; data values that are not text arrive as JSON.
fn info(status: juju_hookcmds::StatusInfo) -> StatusInfo {
    let state = match status.status.as_str() {
        "active" => Reported::Active,
        "blocked" => Reported::Blocked,
        "maintenance" => Reported::Maintenance,
        "waiting" => Reported::Waiting,
        "error" => Reported::Error,
        "terminated" => Reported::Terminated,
        _ => Reported::Unknown,
    };
    StatusInfo {
        state,
        message: status.message,
        data: status
            .data
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
    }
}

impl status::Host for CharmCtx<'_> {
    fn set(&mut self, state: State, message: String, application: bool) -> Result<(), HostError> {
        self.backend()?.status_set(
            state.into(),
            check_text("status message", &message)?,
            application,
        )
    }

    fn get(&mut self) -> Result<StatusInfo, HostError> {
        Ok(info(self.backend()?.status_get()?))
    }

    fn get_application(&mut self) -> Result<ApplicationStatus, HostError> {
        let status = self.backend()?.application_status()?;
        Ok(ApplicationStatus {
            application: info(status.application),
            units: status
                .units
                .into_iter()
                .map(|(unit, s)| (unit, info(s)))
                .collect(),
        })
    }

    fn set_version(&mut self, version: String) -> Result<(), HostError> {
        self.backend()?
            .application_version_set(check_text("application version", &version)?)
    }
}
