//! Where the deployment is heading (`goal-state`): the units this application will have, and
//! each relation's, once what the operator asked for is done.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! if juju_charm::goal_state::planned_units()? > 1 {
//!     // configure clustering
//! }
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::goal_state as wit;
use crate::error::Result;

pub use wit::{EndpointGoals, Goal, Plan};

/// The whole goal state.
pub fn get() -> Result<Plan> {
    Ok(wit::get()?)
}

/// How many units this application is heading for, this one included (those not dying): what
/// a charm sizes a cluster by, as ops' `planned_units` counts.
pub fn planned_units() -> Result<usize> {
    Ok(get()?.units.iter().filter(|u| u.status != "dying").count())
}
