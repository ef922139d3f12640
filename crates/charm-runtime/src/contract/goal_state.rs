use juju_hookcmds::Goal;

use super::CharmCtx;
use super::bindings::juju::charm::goal_state::{self, EndpointGoals, Goal as WitGoal, Plan};
use crate::error::HostError;

fn goals(map: std::collections::BTreeMap<String, Goal>) -> Vec<WitGoal> {
    map.into_iter()
        .map(|(name, goal)| WitGoal {
            name,
            status: goal.status,
            since: goal.since,
        })
        .collect()
}

impl goal_state::Host for CharmCtx<'_> {
    fn get(&mut self) -> Result<Plan, HostError> {
        let state = self.backend()?.goal_state()?;
        Ok(Plan {
            units: goals(state.units),
            relations: state
                .relations
                .into_iter()
                .map(|(endpoint, map)| EndpointGoals {
                    endpoint,
                    goals: goals(map),
                })
                .collect(),
        })
    }
}
