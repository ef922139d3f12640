use super::CharmCtx;
use super::bindings::juju::charm::relations::{self, Databag, Scope};
use super::validate::{check_app, check_endpoint, check_unit};
use crate::error::HostError;

impl relations::Host for CharmCtx<'_> {
    fn ids(&mut self, endpoint: String) -> Result<Vec<u32>, HostError> {
        self.backend()?.relation_ids(check_endpoint(&endpoint)?)
    }

    fn units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        self.backend()?.relation_units(relation_id)
    }

    fn remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        self.backend()?.relation_remote_app(relation_id)
    }

    fn get(&mut self, relation_id: u32, bag: Databag) -> Result<Vec<(String, String)>, HostError> {
        match &bag {
            Databag::Unit(unit) => check_unit(unit)?,
            Databag::App(app) => check_app(app)?,
        };
        self.backend()?.relation_get(relation_id, &bag.into())
    }

    fn set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: Vec<(String, String)>,
    ) -> Result<(), HostError> {
        if let Some((key, _)) = data.iter().find(|(k, _)| k.is_empty()) {
            return Err(HostError::InvalidArgument(format!(
                "relation data key {key:?} not valid"
            )));
        }
        self.backend()?
            .relation_set(relation_id, scope.into(), &data)
    }
}
