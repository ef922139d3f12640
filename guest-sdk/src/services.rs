//! The workload's services: systemd units and snap services, each only for the actions the
//! manifest grants (`services`).
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! juju_charm::services::systemd("webserver").reload()?;
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::services as wit;
use crate::error::Result;

pub use wit::{Action, Manager, ServiceState};

/// A service the charm names.
#[derive(Debug, Clone)]
pub struct Service {
    manager: Manager,
    name: String,
}

/// The systemd unit `name` (`webserver` or `webserver.service`).
pub fn systemd(name: &str) -> Service {
    Service {
        manager: Manager::Systemd,
        name: name.to_string(),
    }
}

/// The snap service `name` (`<snap>.<app>`).
pub fn snap(name: &str) -> Service {
    Service {
        manager: Manager::Snap,
        name: name.to_string(),
    }
}

impl Service {
    /// Carries out `action`.
    pub fn act(&self, action: Action) -> Result<()> {
        Ok(wit::act(self.manager, &self.name, action)?)
    }

    /// Starts it.
    pub fn start(&self) -> Result<()> {
        self.act(Action::Start)
    }

    /// Stops it.
    pub fn stop(&self) -> Result<()> {
        self.act(Action::Stop)
    }

    /// Restarts it.
    pub fn restart(&self) -> Result<()> {
        self.act(Action::Restart)
    }

    /// Has it reload its configuration.
    pub fn reload(&self) -> Result<()> {
        self.act(Action::Reload)
    }

    /// Its state as its manager reports it.
    pub fn state(&self) -> Result<ServiceState> {
        Ok(wit::query(self.manager, &self.name)?)
    }
}
