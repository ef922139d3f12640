//! The rest of a unit's world: leadership, relations and their data, config, log, status.

use std::collections::BTreeMap;

use crate::bindings::juju::charm::{config as wit_config, leadership, relations as wit_rel};
use crate::error::Result;
use crate::secret::{Secret, secret_by_id};

/// Whether this unit is its application's leader now.
pub fn is_leader() -> Result<bool> {
    Ok(leadership::is_leader()?)
}

/// A relation this unit's application takes part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Juju's relation id.
    pub id: u32,
    /// This side's endpoint name, e.g. `database`.
    pub endpoint: String,
}

/// The relations established on `endpoint`.
///
/// ```no_run
/// # fn f() -> juju_charm::Result<()> {
/// for relation in juju_charm::relations("database")? {
///     let remote = relation.remote_app()?;
///     let data = relation.app_data(&remote)?;
/// #   let _ = data;
/// }
/// # Ok(()) }
/// ```
pub fn relations(endpoint: &str) -> Result<Vec<Relation>> {
    Ok(wit_rel::ids(endpoint)?
        .into_iter()
        .map(|id| Relation {
            id,
            endpoint: endpoint.to_string(),
        })
        .collect())
}

/// The one relation on `endpoint`, if there is exactly one or none.
pub fn relation(endpoint: &str) -> Result<Option<Relation>> {
    let mut all = relations(endpoint)?;
    if all.len() > 1 {
        return Err(crate::Error::InvalidArgument(format!(
            "endpoint {endpoint:?} has {} relations; use relations()",
            all.len()
        )));
    }
    Ok(all.pop())
}

impl Relation {
    /// The remote units in the relation.
    pub fn units(&self) -> Result<Vec<String>> {
        Ok(wit_rel::units(self.id)?)
    }

    /// The remote application's name.
    pub fn remote_app(&self) -> Result<String> {
        Ok(wit_rel::remote_app(self.id)?)
    }

    /// An application's databag (the remote one, or this one on the leader).
    pub fn app_data(&self, app: &str) -> Result<BTreeMap<String, String>> {
        let bag = wit_rel::Databag::App(app.to_string());
        Ok(wit_rel::get(self.id, &bag)?.into_iter().collect())
    }

    /// A unit's databag.
    pub fn unit_data(&self, unit: &str) -> Result<BTreeMap<String, String>> {
        let bag = wit_rel::Databag::Unit(unit.to_string());
        Ok(wit_rel::get(self.id, &bag)?.into_iter().collect())
    }

    /// Writes this application's databag (leader only); an empty value deletes the key.
    pub fn set_app_data<K: Into<String>, V: Into<String>>(
        &self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        self.set(wit_rel::Scope::App, data)
    }

    /// Writes this unit's databag; an empty value deletes the key.
    pub fn set_unit_data<K: Into<String>, V: Into<String>>(
        &self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        self.set(wit_rel::Scope::Unit, data)
    }

    fn set<K: Into<String>, V: Into<String>>(
        &self,
        scope: wit_rel::Scope,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let pairs: Vec<(String, String)> = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Ok(wit_rel::set(self.id, scope, &pairs)?)
    }
}

/// A configuration value.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A `string` option (also `secret` options, as a secret id).
    Text(String),
    /// An `int` option.
    Integer(i64),
    /// A `float` option.
    Float(f64),
    /// A `boolean` option.
    Boolean(bool),
}

/// The charm's configuration, as the operator set it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config(BTreeMap<String, ConfigValue>);

/// Reads the configuration.
pub fn config() -> Result<Config> {
    Ok(Config(
        wit_config::get_all()?
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    wit_config::Value::Text(s) => ConfigValue::Text(s),
                    wit_config::Value::Integer(i) => ConfigValue::Integer(i),
                    wit_config::Value::Float(f) => ConfigValue::Float(f),
                    wit_config::Value::Boolean(b) => ConfigValue::Boolean(b),
                };
                (k, v)
            })
            .collect(),
    ))
}

impl Config {
    /// An option's value, whatever its type.
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.0.get(key)
    }

    /// A `string` option.
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.0.get(key) {
            Some(ConfigValue::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// An `int` option.
    pub fn integer(&self, key: &str) -> Option<i64> {
        match self.0.get(key) {
            Some(ConfigValue::Integer(i)) => Some(*i),
            _ => None,
        }
    }

    /// A `boolean` option.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        match self.0.get(key) {
            Some(ConfigValue::Boolean(b)) => Some(*b),
            _ => None,
        }
    }

    /// A user secret named by a `secret`-typed option (the operator granted it to this app).
    ///
    /// ```no_run
    /// # fn f() -> juju_charm::Result<()> {
    /// if let Some(mut token) = juju_charm::config()?.secret("api-token") {
    ///     let value = token.get("token")?;
    /// #   let _ = value;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.text(key).map(secret_by_id)
    }
}

/// Logging to the unit's log (`juju debug-log`).
pub mod log {
    use crate::bindings::juju::charm::logging::{Level, log};

    fn at(level: Level, message: &str) {
        // A log line that cannot be written is not worth failing the hook for.
        let _ = log(level, message);
    }

    /// Logs at TRACE.
    pub fn trace(message: &str) {
        at(Level::Trace, message)
    }

    /// Logs at DEBUG.
    pub fn debug(message: &str) {
        at(Level::Debug, message)
    }

    /// Logs at INFO.
    ///
    /// ```no_run
    /// juju_charm::log::info("configured the database");
    /// ```
    pub fn info(message: &str) {
        at(Level::Info, message)
    }

    /// Logs at WARNING.
    pub fn warning(message: &str) {
        at(Level::Warning, message)
    }

    /// Logs at ERROR.
    pub fn error(message: &str) {
        at(Level::Error, message)
    }
}

/// The workload status `juju status` shows for this unit (or, on the leader, the app).
pub mod status {
    use crate::bindings::juju::charm::status::{State, set};
    use crate::error::Result;

    /// The workload is running.
    ///
    /// ```no_run
    /// juju_charm::status::active("connected to the database").unwrap();
    /// ```
    pub fn active(message: &str) -> Result<()> {
        Ok(set(State::Active, message, false)?)
    }

    /// The operator must act (a missing relation, bad config).
    pub fn blocked(message: &str) -> Result<()> {
        Ok(set(State::Blocked, message, false)?)
    }

    /// Waiting for something outside the operator's hands (another application).
    pub fn waiting(message: &str) -> Result<()> {
        Ok(set(State::Waiting, message, false)?)
    }

    /// The charm is doing work (installing, upgrading).
    pub fn maintenance(message: &str) -> Result<()> {
        Ok(set(State::Maintenance, message, false)?)
    }

    /// The application's status (leader only).
    pub fn app_active(message: &str) -> Result<()> {
        Ok(set(State::Active, message, true)?)
    }

    pub use crate::bindings::juju::charm::status::Reported;

    /// A status as Juju reports it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Status {
        /// Besides what a charm sets: `Unknown` (nothing set), `Error` (a hook failed),
        /// `Terminated`.
        pub state: Reported,
        /// The message beside it.
        pub message: String,
        /// Data set with it.
        pub data: std::collections::BTreeMap<String, String>,
    }

    fn from_wit(s: crate::bindings::juju::charm::status::StatusInfo) -> Status {
        Status {
            state: s.state,
            message: s.message,
            data: s.data.into_iter().collect(),
        }
    }

    /// This unit's status: what a hook set last (in this hook, as of the first read).
    pub fn get() -> Result<Status> {
        Ok(from_wit(crate::bindings::juju::charm::status::get()?))
    }

    /// The application's status and each unit's, by name (leader only).
    pub fn get_application() -> Result<(Status, Vec<(String, Status)>)> {
        let all = crate::bindings::juju::charm::status::get_application()?;
        Ok((
            from_wit(all.application),
            all.units
                .into_iter()
                .map(|(unit, s)| (unit, from_wit(s)))
                .collect(),
        ))
    }

    /// The workload version `juju status` shows for the application (any unit may set it;
    /// it takes effect at once, whatever becomes of the hook).
    ///
    /// ```no_run
    /// juju_charm::status::set_version(env!("CARGO_PKG_VERSION")).unwrap();
    /// ```
    pub fn set_version(version: &str) -> Result<()> {
        Ok(crate::bindings::juju::charm::status::set_version(version)?)
    }
}
