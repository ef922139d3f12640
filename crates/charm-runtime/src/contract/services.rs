use juju_hookcmds::workload::{ServiceAction, ServiceManager, service_name_problem};

use super::CharmCtx;
use super::bindings::juju::charm::services::{self, Action, Manager, ServiceState};
use crate::error::HostError;

/// The service, if its manager would take the name as exactly one service.
fn service(manager: Manager, name: &str) -> Result<ServiceManager, HostError> {
    let manager = match manager {
        Manager::Systemd => ServiceManager::Systemd,
        Manager::Snap => ServiceManager::Snap,
    };
    match service_name_problem(manager, name) {
        Some(problem) => Err(HostError::InvalidArgument(crate::engine::one_line(
            &problem,
        ))),
        None => Ok(manager),
    }
}

impl services::Host for CharmCtx<'_> {
    fn act(&mut self, manager: Manager, name: String, action: Action) -> Result<(), HostError> {
        let manager = service(manager, &name)?;
        let action = match action {
            Action::Start => ServiceAction::Start,
            Action::Stop => ServiceAction::Stop,
            Action::Restart => ServiceAction::Restart,
            Action::Reload => ServiceAction::Reload,
            Action::Enable => ServiceAction::Enable,
            Action::Disable => ServiceAction::Disable,
        };
        self.backend()?.service_act(manager, &name, action)
    }

    fn query(&mut self, manager: Manager, name: String) -> Result<ServiceState, HostError> {
        let manager = service(manager, &name)?;
        let state = self.backend()?.service_query(manager, &name)?;
        Ok(ServiceState {
            active: state.active,
            enabled: state.enabled,
        })
    }
}
